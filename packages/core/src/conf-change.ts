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
import { DecodeError, EncodeError, InvalidArgumentError } from './errors.js';
import { invalid, packToBytes, readArray, readString, readUint, unpackStrict } from './msgpack.js';
import type { ConfChange, ConfChangeType, ConfState, NodeId } from './types.js';

/** Version of the ConfChange entry format; another version is a DecodeError. */
export const CONF_CHANGE_VERSION = 1;

/** Largest ConfChange entry accepted (a configuration of a few thousand members). */
export const MAX_CONF_CHANGE_BYTES = 1024 * 1024;

/** Wire tags of the change types. Stable: never renumber, only add. */
export const CONF_CHANGE_TAGS: Readonly<Record<ConfChangeType, number>> = Object.freeze({
  addLearner: 0,
  promote: 1,
  remove: 2,
});

const TYPE_OF_TAG: ReadonlyMap<number, ConfChangeType> = new Map(
  (Object.keys(CONF_CHANGE_TAGS) as ConfChangeType[]).map((t) => [CONF_CHANGE_TAGS[t], t]),
);

const MAX_NODE_ID_LENGTH = 256;

/** What a ConfChange log entry holds: the change and the configuration it leads to. */
export interface ConfChangeRecord {
  readonly change: ConfChange;
  readonly conf: ConfState;
}

export function isConfChangeType(value: unknown): value is ConfChangeType {
  return typeof value === 'string' && Object.hasOwn(CONF_CHANGE_TAGS, value);
}

/** Throws InvalidArgumentError unless `cc` is `{ type: 'addLearner' | 'promote' | 'remove', node: <non-empty id> }`. */
export function validateConfChange(cc: unknown): asserts cc is ConfChange {
  if (cc === null || typeof cc !== 'object') throw new InvalidArgumentError('a ConfChange must be an object');
  const { type, node } = cc as { type?: unknown; node?: unknown };
  if (!isConfChangeType(type)) {
    throw new InvalidArgumentError(`unknown ConfChange type ${String(type)} (addLearner, promote, remove)`);
  }
  if (typeof node !== 'string' || node.length === 0 || node.length > MAX_NODE_ID_LENGTH) {
    throw new InvalidArgumentError(`ConfChange node must be a non-empty id, got ${String(node)}`);
  }
}

/**
 * The configuration after `change`: a pure function, the single rule every
 * node and host uses. Throws InvalidArgumentError when the change does not
 * fit `conf` (adding a member, promoting a non-learner, removing a
 * non-member or the last voter); `conf` is never modified.
 */
export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  validateConfChange(change);
  const { type, node } = change;
  const isVoter = conf.voters.includes(node);
  const isLearner = conf.learners.includes(node);
  switch (type) {
    case 'addLearner':
      if (isVoter || isLearner) {
        throw new InvalidArgumentError(`${node} is already a ${isVoter ? 'voter' : 'learner'}`);
      }
      return { voters: [...conf.voters], learners: [...conf.learners, node] };
    case 'promote':
      if (!isLearner) {
        throw new InvalidArgumentError(
          `only a learner can be promoted; ${node} is ${isVoter ? 'a voter' : 'no member'}`,
        );
      }
      return { voters: [...conf.voters, node], learners: conf.learners.filter((l) => l !== node) };
    case 'remove':
      if (!isVoter && !isLearner) throw new InvalidArgumentError(`${node} is not a member`);
      if (isVoter && conf.voters.length === 1) {
        throw new InvalidArgumentError(`cannot remove ${node}: it is the last voter`);
      }
      return {
        voters: conf.voters.filter((v) => v !== node),
        learners: conf.learners.filter((l) => l !== node),
      };
  }
}

/** Encode a ConfChange entry's payload. Throws EncodeError if it would not decode (e.g. conf disagrees with the change). */
export function encodeConfChange(record: ConfChangeRecord): Uint8Array {
  let wire: unknown[];
  try {
    wire = [
      CONF_CHANGE_VERSION,
      CONF_CHANGE_TAGS[record.change.type],
      record.change.node,
      [...record.conf.voters],
      [...record.conf.learners],
    ];
    fromWire(wire);
  } catch (err) {
    throw new EncodeError(`cannot encode conf change: ${err instanceof Error ? err.message : String(err)}`);
  }
  return packToBytes(wire);
}

/** Decode and validate a ConfChange entry's payload. Throws DecodeError on anything else. */
export function decodeConfChange(data: Uint8Array): ConfChangeRecord {
  return fromWire(unpackStrict(data, MAX_CONF_CHANGE_BYTES, 'conf change'));
}

function fromWire(value: unknown): ConfChangeRecord {
  const w = readArray(value, 'conf change', 5);
  if (w[0] !== CONF_CHANGE_VERSION) {
    throw new DecodeError(
      `conf change: unsupported version ${String(w[0])} (expected ${CONF_CHANGE_VERSION})`,
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
  const agrees =
    type === 'addLearner'
      ? learners.includes(node)
      : type === 'promote'
        ? voters.includes(node)
        : !seen.has(node);
  if (!agrees) throw invalid('conf change', `a configuration that reflects ${type} ${node}`, value);
  return { change: { type, node }, conf: { voters, learners } };
}

function readId(value: unknown, name: string): NodeId {
  const id = readString(value, name, MAX_NODE_ID_LENGTH);
  if (id.length === 0) throw invalid(name, 'a non-empty node id', id);
  return id;
}
