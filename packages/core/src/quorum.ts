/**
 * Majority arithmetic over the voters of a (single, non-joint) configuration.
 * Kept separate so joint consensus can later combine two of these.
 */
import type { NodeId } from './types.js';

export type VoteResult = 'won' | 'lost' | 'pending';

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest value that at least a majority of voters have reached
 * (e.g. the highest log index replicated on a quorum).
 */
export function quorumValue(voters: readonly NodeId[], valueFor: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const values = voters.map(valueFor).sort((a, b) => b - a);
  return values[majority(voters.length) - 1];
}

/** Outcome of an election given the votes received so far (`true` granted, `false` rejected). */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const need = majority(voters.length);
  let granted = 0;
  let rejected = 0;
  for (const v of voters) {
    const vote = votes.get(v);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  if (granted >= need) return 'won';
  if (rejected > voters.length - need) return 'lost';
  return 'pending';
}

/** True when the voters for which `isActive` holds form a majority. */
export function quorumActive(voters: readonly NodeId[], isActive: (id: NodeId) => boolean): boolean {
  let active = 0;
  for (const v of voters) if (isActive(v)) active++;
  return active >= majority(voters.length);
}
