/**
 * The role statechart of a Raft node: who we are (follower, preCandidate,
 * candidate, leader) and which events move us between roles. It owns the
 * decisions (e.g. an election timeout leads to preCandidate only when
 * Pre-Vote is on), and it is the one holder of a node's role. Each
 * transition emits one event (`roleEntered` on entering a role, or
 * `termAdopted` for a follower that only adopts a higher term); the node
 * handles it once (node/roles.ts): it installs the role's tick and step
 * handlers and does the work (terms, votes, replication) in plain modules.
 * Emitting, rather than binding actions with
 * `provide()`, keeps one machine definition shared by every node (cheap to
 * create an actor) and lets tools run the chart on its own.
 *
 * No delays or timers: time reaches the chart only as ELECTION_TIMEOUT /
 * LOST_QUORUM events that RaftNode derives from tick counts.
 */
import { emit, setup } from 'xstate';
import type { NodeId, Role, TransitionReason } from './types.js';

export type RoleEvent =
  /** Follower/(pre)candidate heard from no leader for its randomized election timeout. */
  | { readonly type: 'ELECTION_TIMEOUT' }
  /** The host asked this node to campaign now. */
  | { readonly type: 'CAMPAIGN' }
  /** The leader handed leadership to this node (thesis 3.10): campaign now, skipping Pre-Vote. */
  | { readonly type: 'TIMEOUT_NOW' }
  | { readonly type: 'PRE_VOTE_WON' }
  | { readonly type: 'PRE_VOTE_LOST' }
  | { readonly type: 'VOTE_WON' }
  | { readonly type: 'VOTE_LOST' }
  /** A message carried a higher term (§5.1); `leader` is known when it came from that term's leader. */
  | { readonly type: 'HIGHER_TERM'; readonly term: number; readonly leader: NodeId | null }
  /** A (pre)candidate heard from the leader of its own term. */
  | { readonly type: 'LEADER_DISCOVERED'; readonly term: number; readonly leader: NodeId }
  /** CheckQuorum: no contact with a quorum for an election timeout. */
  | { readonly type: 'LOST_QUORUM' }
  /** The transfer target started its campaign at a higher term. */
  | { readonly type: 'TRANSFERRED'; readonly term: number }
  /** A leader whose own removal from the configuration committed steps down. */
  | { readonly type: 'REMOVED' };

export type RoleEventType = RoleEvent['type'];

export interface RoleMachineInput {
  readonly preVote: boolean;
}

export interface RoleMachineContext {
  readonly preVote: boolean;
}

/** The reason a role transition is reported with, by the event that caused it. */
export const TRANSITION_REASONS: Readonly<Record<RoleEventType | 'xstate.init', TransitionReason>> = {
  'xstate.init': 'restart',
  ELECTION_TIMEOUT: 'electionTimeout',
  CAMPAIGN: 'campaign',
  TIMEOUT_NOW: 'timeoutNow',
  PRE_VOTE_WON: 'preVoteWon',
  PRE_VOTE_LOST: 'preVoteLost',
  VOTE_WON: 'voteWon',
  VOTE_LOST: 'voteLost',
  HIGHER_TERM: 'higherTerm',
  LEADER_DISCOVERED: 'leaderDiscovered',
  LOST_QUORUM: 'lostQuorum',
  TRANSFERRED: 'transferred',
  REMOVED: 'removed',
};

/** Params of the `enterRole` action: the role being entered. */
export interface EnterRoleParams {
  readonly role: Role;
}

/** What the chart tells its host. `cause` is the event that triggered it (`xstate.init` at start). */
export type RoleEmitted =
  | { readonly type: 'roleEntered'; readonly role: Role; readonly cause: { readonly type: string } }
  | { readonly type: 'termAdopted'; readonly cause: { readonly type: string } };

const campaign = [
  { guard: 'preVoteEnabled', target: 'preCandidate', reenter: true },
  { target: 'candidate', reenter: true },
] as const;

export const roleMachine = setup({
  types: {
    context: {} as RoleMachineContext,
    input: {} as RoleMachineInput,
    events: {} as RoleEvent,
    emitted: {} as RoleEmitted,
  },
  guards: {
    /** Pre-Vote (thesis 9.6): poll the voters before bumping the term. */
    preVoteEnabled: ({ context }) => context.preVote,
  },
  actions: {
    /** Entering a role: the node installs the role's handlers and resets timers, terms, votes, progress as the role requires. */
    enterRole: emit(({ event }, params: EnterRoleParams) => ({
      type: 'roleEntered' as const,
      role: params.role,
      cause: event,
    })),
    /** A follower stays follower but adopts a higher term (and forgets its vote). */
    adoptTerm: emit(({ event }) => ({ type: 'termAdopted' as const, cause: event })),
  },
}).createMachine({
  id: 'raftRole',
  initial: 'follower',
  context: ({ input }) => ({ preVote: input.preVote }),
  states: {
    follower: {
      description: 'Replicates the leader; campaigns after an election timeout without hearing from one.',
      entry: { type: 'enterRole', params: { role: 'follower' } },
      on: {
        ELECTION_TIMEOUT: [...campaign],
        CAMPAIGN: [...campaign],
        TIMEOUT_NOW: { target: 'candidate' },
        HIGHER_TERM: { actions: 'adoptTerm' },
      },
    },
    preCandidate: {
      description: 'Pre-Vote: asks whether it could win before disturbing anyone with a new term.',
      entry: { type: 'enterRole', params: { role: 'preCandidate' } },
      on: {
        ELECTION_TIMEOUT: [...campaign],
        CAMPAIGN: [...campaign],
        PRE_VOTE_WON: { target: 'candidate' },
        PRE_VOTE_LOST: { target: 'follower' },
        HIGHER_TERM: { target: 'follower' },
        LEADER_DISCOVERED: { target: 'follower' },
        REMOVED: { target: 'follower' },
      },
    },
    candidate: {
      description: 'Bumped the term, voted for itself and requests votes.',
      entry: { type: 'enterRole', params: { role: 'candidate' } },
      on: {
        ELECTION_TIMEOUT: [...campaign],
        CAMPAIGN: [...campaign],
        VOTE_WON: { target: 'leader' },
        VOTE_LOST: { target: 'follower' },
        HIGHER_TERM: { target: 'follower' },
        LEADER_DISCOVERED: { target: 'follower' },
        REMOVED: { target: 'follower' },
      },
    },
    leader: {
      description:
        'Appends client entries, replicates and commits them, confirms reads; steps down on a higher term or lost quorum.',
      entry: { type: 'enterRole', params: { role: 'leader' } },
      on: {
        HIGHER_TERM: { target: 'follower' },
        LOST_QUORUM: { target: 'follower' },
        TRANSFERRED: { target: 'follower' },
        REMOVED: { target: 'follower' },
      },
    },
  },
});

export type RoleMachine = typeof roleMachine;
