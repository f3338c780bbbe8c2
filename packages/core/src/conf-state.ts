/**
 * ConfState helpers: the one copy, comparison and identity lookup every node
 * and host uses, so a field added to a configuration (incarnations,
 * addresses) is carried everywhere a configuration is copied.
 */
import type { ConfState, Incarnation, NodeId } from './types.js';

/** A deep copy (the optional maps only when present, so old configurations stay as they were). */
export function copyConf(c: ConfState): ConfState {
  const out: { -readonly [K in keyof ConfState]: ConfState[K] } = {
    voters: [...c.voters],
    learners: [...c.learners],
  };
  if (c.incarnations !== undefined && Object.keys(c.incarnations).length > 0) {
    out.incarnations = { ...c.incarnations };
  }
  if (c.addresses !== undefined && Object.keys(c.addresses).length > 0) out.addresses = { ...c.addresses };
  return out;
}

/**
 * The bootstrap configuration of these voters and learners, binding the
 * incarnations given for its members (others are dropped). One rule for the
 * core's bootstrap and for hosts that record it in a new store.
 */
export function bootstrapConf(
  voters: readonly NodeId[],
  learners: readonly NodeId[],
  incarnations?: Readonly<Record<NodeId, Incarnation>>,
): ConfState {
  const bound = membersOnly(incarnations, voters, learners);
  return {
    voters: [...voters],
    learners: [...learners],
    ...(bound !== undefined ? { incarnations: bound } : {}),
  };
}

/** Both bind the same members to the same incarnations. */
export function sameIncarnations(a: ConfState, b: ConfState): boolean {
  return sameMap(a.incarnations, b.incarnations);
}

/** The incarnation `conf` binds `id` to, or 0 when it is unbound (or no member). */
export function boundIncarnation(conf: ConfState, id: NodeId): Incarnation {
  return conf.incarnations?.[id] ?? 0;
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.learners.includes(id);
}

export function sameConf(a: ConfState, b: ConfState): boolean {
  return (
    sameList(a.voters, b.voters) &&
    sameList(a.learners, b.learners) &&
    sameMap(a.incarnations, b.incarnations) &&
    sameMap(a.addresses, b.addresses)
  );
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function sameMap<V>(
  a: Readonly<Record<string, V>> | undefined,
  b: Readonly<Record<string, V>> | undefined,
): boolean {
  const ka = a === undefined ? [] : Object.keys(a);
  const kb = b === undefined ? [] : Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => b !== undefined && a !== undefined && Object.hasOwn(b, k) && a[k] === b[k]);
}

/** The members' entries of a map, dropping ids that are no longer members (`undefined` when none remain). */
export function membersOnly<V>(
  map: Readonly<Record<NodeId, V>> | undefined,
  voters: readonly NodeId[],
  learners: readonly NodeId[],
): Record<NodeId, V> | undefined {
  if (map === undefined) return undefined;
  const kept = Object.entries(map).filter(([id]) => voters.includes(id) || learners.includes(id));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}
