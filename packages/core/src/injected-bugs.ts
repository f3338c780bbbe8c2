/**
 * Registry of deliberately injected bugs (simulator only). Internal: the only
 * way to attach bugs is `withInjectedBugs` from `@raftkit/core/testing`; the
 * key is a module-private symbol, so no normal configuration can carry one.
 */
import { ConfigError } from './errors.js';

export const INJECTED_BUGS = [
  /** Followers ignore leader stickiness and grant pre-votes without the log check. */
  'no-prevote-stickiness',
  /** The leader commits by counting replicas of previous-term entries (Raft Figure 8). */
  'commit-old-term',
  /** A restarted node forgets the vote it persisted and may vote twice in a term. */
  'double-vote',
  /** Host-level: the host sends a Ready's messages before syncing its state. The core only exposes the flag. */
  'reply-before-persist',
  /** The leader lease never expires and CheckQuorum never deposes the leader. */
  'lease-without-checkquorum',
  /** A leader accepts a membership change before it committed an entry of its own term (overlapping changes). */
  'membership-no-current-term-commit',
  /** Votes and acknowledgements are counted whatever incarnation sent them (a wiped node under its old id counts). */
  'ignore-incarnation',
  /** Lease acknowledgements count whatever clock rate the follower measured (no clock-rate check). */
  'ignore-clock-rate',
] as const;

export type InjectedBug = (typeof INJECTED_BUGS)[number];

const BUGS: unique symbol = Symbol('raftkit.injectedBugs');

const NONE: ReadonlySet<InjectedBug> = new Set();

type WithBugs = { [BUGS]?: readonly InjectedBug[] };

/** A shallow copy of `config` carrying `bugs` (an own enumerable symbol, so `{...config}` keeps it). */
export function attachInjectedBugs<C extends object>(config: C, bugs: readonly InjectedBug[]): C {
  for (const b of bugs) {
    if (!(INJECTED_BUGS as readonly string[]).includes(b))
      throw new ConfigError(`unknown injected bug '${b}'`);
  }
  const previous = (config as WithBugs)[BUGS] ?? [];
  return { ...config, [BUGS]: Object.freeze([...new Set([...previous, ...bugs])]) };
}

export function injectedBugsIn(config: object): ReadonlySet<InjectedBug> {
  const bugs = (config as WithBugs)[BUGS];
  return bugs && bugs.length > 0 ? new Set(bugs) : NONE;
}
