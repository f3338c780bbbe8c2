/**
 * Membership changes as data: the pure rule that applies one single-server
 * change to a configuration, and the small validated format of a ConfChange
 * log entry.
 *
 * A ConfChange entry carries the change AND the whole configuration it
 * produces:
 *
 *     [CONF_CHANGE_VERSION, typeTag, node, [voters...], [learners...]]
 *
 * so the configuration after any entry is read off that entry alone: replaying
 * a log (restart) or dropping a truncated suffix never re-derives anything,
 * and a node that recorded a later membership elsewhere cannot apply a change
 * twice. The decoder checks that the configuration agrees with the change.
 */
import { boundIncarnation, membersOnly } from './conf-state.js';
import { DecodeError, EncodeError, InvalidArgumentError } from './errors.js';
import { invalid, packToBytes, readArray, readString, readUint, unpackStrict } from './msgpack.js';
import type { ConfChange, ConfChangeType, ConfState, NodeId } from './types.js';

/** Version of the ConfChange entry format; another version is a DecodeError. */
export const CONF_CHANGE_VERSION = 1;
/** Version 2 appends the members' incarnations and addresses: `[2, tag, node, voters, learners, incs, addrs]`. */
export const CONF_CHANGE_VERSION_WITH_IDENTITY = 2;

/** Largest ConfChange entry accepted (a configuration of a few thousand members). */
export const MAX_CONF_CHANGE_BYTES = 1024 * 1024;

/** Wire tags of the change types. Stable: never renumber, only add. */
export const CONF_CHANGE_TAGS: Readonly<Record<ConfChangeType, number>> = Object.freeze({
  addLearner: 0,
  promote: 1,
  remove: 2,
  bind: 3,
});

const TYPE_OF_TAG: ReadonlyMap<number, ConfChangeType> = new Map(
  (Object.keys(CONF_CHANGE_TAGS) as ConfChangeType[]).map((t) => [CONF_CHANGE_TAGS[t], t]),
);

const MAX_NODE_ID_LENGTH = 256;
const MAX_ADDRESS_LENGTH = 300;

/** What a ConfChange log entry holds: the change and the configuration it leads to. */
export interface ConfChangeRecord {
  readonly change: ConfChange;
  readonly conf: ConfState;
}

export function isConfChangeType(value: unknown): value is ConfChangeType {
  return typeof value === 'string' && Object.hasOwn(CONF_CHANGE_TAGS, value);
}

/** Throws InvalidArgumentError unless `cc` is a well-formed ConfChange (type, non-empty id, optional incarnation/address). */
export function validateConfChange(cc: unknown): asserts cc is ConfChange {
  if (cc === null || typeof cc !== 'object') throw new InvalidArgumentError('a ConfChange must be an object');
  const { type, node, incarnation, address } = cc as {
    type?: unknown;
    node?: unknown;
    incarnation?: unknown;
    address?: unknown;
  };
  if (!isConfChangeType(type)) {
    throw new InvalidArgumentError(
      `unknown ConfChange type ${String(type)} (addLearner, promote, remove, bind)`,
    );
  }
  if (typeof node !== 'string' || node.length === 0 || node.length > MAX_NODE_ID_LENGTH) {
    throw new InvalidArgumentError(`ConfChange node must be a non-empty id, got ${String(node)}`);
  }
  if (incarnation !== undefined && !isIncarnation(incarnation)) {
    throw new InvalidArgumentError(
      `ConfChange incarnation must be a positive safe integer, got ${String(incarnation)}`,
    );
  }
  if (type === 'bind' && incarnation === undefined) {
    throw new InvalidArgumentError(`bind ${node} needs the incarnation to record`);
  }
  if (
    address !== undefined &&
    (typeof address !== 'string' || address.length === 0 || address.length > MAX_ADDRESS_LENGTH)
  ) {
    throw new InvalidArgumentError(
      `ConfChange address must be a non-empty HOST:PORT string, got ${String(address)}`,
    );
  }
  if ((incarnation !== undefined || address !== undefined) && type !== 'addLearner' && type !== 'bind') {
    throw new InvalidArgumentError(`only addLearner (and bind) carry an incarnation or address, not ${type}`);
  }
}

function isIncarnation(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1;
}

/**
 * The configuration after `change`: a pure function, the single rule every
 * node and host uses. Throws InvalidArgumentError when the change does not
 * fit `conf` (adding a member, promoting a non-learner, removing a
 * non-member or the last voter, binding a member already bound); `conf` is
 * never modified. Incarnations and addresses follow the members: a removed
 * member's are dropped, so re-adding the id starts from what addLearner says.
 */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  validateConfChange(change);
  const { type, node } = change;
  const isVoter = conf.voters.includes(node);
  const isLearner = conf.learners.includes(node);
  switch (type) {
    case 'addLearner': {
      if (isVoter || isLearner) {
        throw new InvalidArgumentError(`${node} is already a ${isVoter ? 'voter' : 'learner'}`);
      }
      return withMaps(conf.voters, [...conf.learners, node], conf, {
        node,
        incarnation: change.incarnation,
        address: change.address,
      });
    }
    case 'promote':
      if (!isLearner) {
        throw new InvalidArgumentError(
          `only a learner can be promoted; ${node} is ${isVoter ? 'a voter' : 'no member'}`,
        );
      }
      return withMaps(
        [...conf.voters, node],
        conf.learners.filter((l) => l !== node),
        conf,
      );
    case 'remove':
      if (!isVoter && !isLearner) throw new InvalidArgumentError(`${node} is not a member`);
      if (isVoter && conf.voters.length === 1) {
        throw new InvalidArgumentError(`cannot remove ${node}: it is the last voter`);
      }
      return withMaps(
        conf.voters.filter((v) => v !== node),
        conf.learners.filter((l) => l !== node),
        conf,
      );
    case 'bind':
      if (!isVoter && !isLearner) throw new InvalidArgumentError(`${node} is not a member`);
      if (boundIncarnation(conf, node) !== 0) {
        throw new InvalidArgumentError(
          `${node} is already bound to incarnation ${boundIncarnation(conf, node)}`,
        );
      }
      return withMaps(conf.voters, conf.learners, conf, {
        node,
        incarnation: change.incarnation,
        address: change.address,
      });
  }
}

/** A configuration of these members, keeping `from`'s maps for them and setting `set`'s values. */
function withMaps(
  voters: readonly NodeId[],
  learners: readonly NodeId[],
  from: ConfState,
  set?: { node: NodeId; incarnation: number | undefined; address: string | undefined },
): ConfState {
  let incarnations = membersOnly(from.incarnations, voters, learners);
  let addresses = membersOnly(from.addresses, voters, learners);
  if (set?.incarnation !== undefined) incarnations = { ...incarnations, [set.node]: set.incarnation };
  if (set?.address !== undefined) addresses = { ...addresses, [set.node]: set.address };
  return {
    voters: [...voters],
    learners: [...learners],
    ...(incarnations !== undefined ? { incarnations } : {}),
    ...(addresses !== undefined ? { addresses } : {}),
  };
}

/**
 * Encode a ConfChange entry's payload. Throws EncodeError if it would not
 * decode (e.g. conf disagrees with the change). A configuration without
 * incarnations or addresses is written in the version 1 layout, byte for byte
 * what older nodes wrote; otherwise version 2 appends them.
 */
export function encodeConfChange(record: ConfChangeRecord): Uint8Array {
  let wire: unknown[];
  try {
    const { change, conf } = record;
    const incs = flatMap(conf.incarnations);
    const addrs = flatMap(conf.addresses);
    const v2 = incs.length > 0 || addrs.length > 0 || change.type === 'bind';
    wire = [
      v2 ? CONF_CHANGE_VERSION_WITH_IDENTITY : CONF_CHANGE_VERSION,
      CONF_CHANGE_TAGS[change.type],
      change.node,
      [...conf.voters],
      [...conf.learners],
    ];
    if (v2) wire.push(incs, addrs);
    fromWire(wire);
  } catch (err) {
    throw new EncodeError(`cannot encode conf change: ${err instanceof Error ? err.message : String(err)}`);
  }
  return packToBytes(wire);
}

/** `{a: 1, b: 2}` as `['a', 1, 'b', 2]`, keys sorted (deterministic bytes). */
export function flatMap<V>(map: Readonly<Record<string, V>> | undefined): unknown[] {
  if (map === undefined) return [];
  const out: unknown[] = [];
  for (const k of Object.keys(map).sort()) out.push(k, map[k]);
  return out;
}

/** Decode and validate a ConfChange entry's payload. Throws DecodeError on anything else. */
export function decodeConfChange(data: Uint8Array): ConfChangeRecord {
  return fromWire(unpackStrict(data, MAX_CONF_CHANGE_BYTES, 'conf change'));
}

function fromWire(value: unknown): ConfChangeRecord {
  const version = Array.isArray(value) ? value[0] : undefined;
  const w = readArray(value, 'conf change', version === CONF_CHANGE_VERSION_WITH_IDENTITY ? 7 : 5);
  if (w[0] !== CONF_CHANGE_VERSION && w[0] !== CONF_CHANGE_VERSION_WITH_IDENTITY) {
    throw new DecodeError(
      `conf change: unsupported version ${String(w[0])} (expected ${CONF_CHANGE_VERSION} or ${CONF_CHANGE_VERSION_WITH_IDENTITY})`,
      'invalidField',
    );
  }
  const type = TYPE_OF_TAG.get(readUint(w[1], 'conf change type'));
  if (type === undefined) throw invalid('conf change type', 'a known change type tag', w[1]);
  const node = readId(w[2], 'conf change node');
  const seen = new Set<NodeId>();
  const members = (v: unknown, name: string): NodeId[] =>
    readArray(v, name).map((x) => {
      const id = readId(x, name);
      if (seen.has(id)) throw invalid(name, 'no duplicate members', id);
      seen.add(id);
      return id;
    });
  const voters = members(w[3], 'conf change voters');
  const learners = members(w[4], 'conf change learners');
  if (voters.length === 0) throw invalid('conf change voters', 'at least one voter', voters);
  const identity = w.length === 7 ? readIdentityMaps(w[5], w[6], seen, 'conf change') : {};
  const conf: ConfState = { voters, learners, ...identity };
  const agrees =
    type === 'addLearner'
      ? learners.includes(node)
      : type === 'promote'
        ? voters.includes(node)
        : type === 'bind'
          ? seen.has(node) && boundIncarnation(conf, node) !== 0
          : !seen.has(node);
  if (!agrees) throw invalid('conf change', `a configuration that reflects ${type} ${node}`, value);
  const change: { -readonly [K in keyof ConfChange]: ConfChange[K] } = { type, node };
  if (type === 'addLearner' || type === 'bind') {
    const inc = boundIncarnation(conf, node);
    if (inc !== 0) change.incarnation = inc;
    const address = conf.addresses?.[node];
    if (address !== undefined) change.address = address;
  }
  return { change, conf };
}

/**
 * The incarnation and address maps of a configuration, as written by
 * `flatMap`: every key a member, incarnations positive safe integers,
 * addresses non-empty strings. Shared by ConfChange entries and snapshot metadata.
 */
export function readIdentityMaps(
  incs: unknown,
  addrs: unknown,
  members: ReadonlySet<NodeId>,
  what: string,
): Pick<ConfState, 'incarnations' | 'addresses'> {
  const read = <V>(v: unknown, name: string, readValue: (x: unknown) => V): Record<NodeId, V> | undefined => {
    const flat = readArray(v, name);
    if (flat.length % 2 !== 0) throw invalid(name, 'id/value pairs', flat.length);
    if (flat.length === 0) return undefined;
    const out: Record<NodeId, V> = {};
    for (let i = 0; i < flat.length; i += 2) {
      const id = readId(flat[i], name);
      if (!members.has(id)) throw invalid(name, 'members of the configuration only', id);
      if (Object.hasOwn(out, id)) throw invalid(name, 'no duplicate ids', id);
      out[id] = readValue(flat[i + 1]);
    }
    return out;
  };
  const incarnations = read(incs, `${what} incarnations`, (x) => {
    if (!isIncarnation(x)) throw invalid(`${what} incarnation`, 'a positive safe integer', x);
    return x;
  });
  const addresses = read(addrs, `${what} addresses`, (x) => {
    const a = readString(x, `${what} address`, MAX_ADDRESS_LENGTH);
    if (a.length === 0) throw invalid(`${what} address`, 'a non-empty HOST:PORT', a);
    return a;
  });
  return {
    ...(incarnations !== undefined ? { incarnations } : {}),
    ...(addresses !== undefined ? { addresses } : {}),
  };
}

function readId(value: unknown, name: string): NodeId {
  const id = readString(value, name, MAX_NODE_ID_LENGTH);
  if (id.length === 0) throw invalid(name, 'a non-empty node id', id);
  return id;
}
