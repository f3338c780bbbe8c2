// PLACEHOLDER: the public surface of RaftNode. The implementation replaces the bodies.
import type { RaftConfig } from './config.js';
import type { Message, NodeId, NodeStatus, ReadMode, Ready } from './types.js';

/**
 * One Raft peer as a pure, deterministic state machine (etcd RawNode style).
 * Inputs: tick(), step(), propose(), readIndex(), transferLeadership(), campaign().
 * Output: ready() / advance() (see the Ready contract in types.ts and the README).
 */
export class RaftNode {
  readonly id: NodeId;
  constructor(config: RaftConfig) {
    this.id = config.id;
    throw new Error('not implemented');
  }
  /** Advance logical time by one tick (elections, heartbeats, CheckQuorum, leases). */
  tick(): void {}
  /** Feed one message received from a peer. Messages for another node or from a stale term are handled per Raft. */
  step(_msg: Message): void {}
  /** Propose a normal entry. Returns a proposal id; its outcome arrives in a later Ready's `outcomes`. */
  propose(_data: Uint8Array): number {
    return 0;
  }
  /** Request a linearizable read point; the result arrives in `Ready.readStates` with the same ctx. */
  readIndex(_ctx: number, _mode?: ReadMode): void {}
  /** Leader only: hand leadership to `to` (thesis 3.10). Proposals are refused while it is in progress. */
  transferLeadership(_to: NodeId): void {}
  /** Start an election now (pre-vote first when enabled). */
  campaign(): void {}
  hasReady(): boolean {
    return false;
  }
  ready(): Ready {
    throw new Error('not implemented');
  }
  /** Acknowledge the last Ready: its state was persisted, messages sent, committed entries applied. */
  advance(): void {}
  status(): NodeStatus {
    throw new Error('not implemented');
  }
}
