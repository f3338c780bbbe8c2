/**
 * One Raft peer as a pure, deterministic state machine, driven like etcd's
 * RawNode. Inputs: tick(), step(), propose(), readIndex(),
 * transferLeadership(), campaign(). Output: ready() / advance() (the Ready
 * contract is in types.ts and the package README).
 *
 * Who we are (the role) is held by an actor of `roleMachine`; every role
 * change is an event sent to it, and each transition's one `roleEntered`
 * emission installs the role's tick and step handlers and does its work
 * (node/roles.ts). What we do in a role (replication, commit, reads,
 * outcomes) lives in the plain modules imported below.
 */
import type { RaftConfig } from './config.js';
import { confStateAt, onLogAppend, propose, proposeConfChange } from './node/propose.js';
import { readIndex } from './node/reads.js';
import { advance, hasReady, ready, snapshotDue, snapshotProgress } from './node/ready.js';
import { transferLeadership } from './node/replication.js';
import { campaign, startRoleChart } from './node/roles.js';
import { checkpointDue, quarantine, releaseQuarantine, reportCheckpoint } from './node/safeguards.js';
import { NodeState, softState } from './node/state.js';
import { status } from './node/status.js';
import { step } from './node/step.js';
import type { SnapshotProgress } from './snapshot-policy.js';
import type { ConfChange, ConfState, Message, NodeId, NodeStatus, ReadMode, Ready, Role } from './types.js';

export class RaftNode {
  readonly id: NodeId;
  private readonly n: NodeState;

  constructor(config: RaftConfig) {
    const n = new NodeState(config);
    this.n = n;
    this.id = n.id;
    n.log.onAppend = (entries) => onLogAppend(n, entries);
    startRoleChart(n); // enters `follower`: reported as a 'restart' transition
    n.prevSoft = softState(n);
  }

  /** Advance logical time by one tick (elections, heartbeats, CheckQuorum, leases). */
  tick(): void {
    const n = this.n;
    n.now++;
    n.handlers.tick(n); // the role's tick, installed by the role chart
  }

  /**
   * Feed one message received from a peer. A message that is malformed or
   * addressed to another node throws InvalidMessageError and changes nothing.
   */
  step(msg: Message): void {
    step(this.n, msg);
  }

  /**
   * Propose a normal entry. Returns a proposal id; its outcome arrives in a
   * later Ready's `outcomes`: committed, or dropped (notLeader, transferring,
   * tooLarge, termChanged, truncated).
   */
  propose(data: Uint8Array): number {
    return propose(this.n, data);
  }

  /**
   * Request a linearizable read point; the result arrives in
   * `Ready.readStates` with the same ctx. `mode` defaults to config.readMode.
   * A 'lease' request throws ConfigError unless checkQuorum and
   * leaderStickiness are on; when the lease has lapsed it is served by the
   * ReadIndex path instead (the ReadState says which mode served it).
   * Followers forward to the leader (always by ReadIndex).
   */
  readIndex(ctx: number, mode?: ReadMode): void {
    readIndex(this.n, ctx, mode);
  }

  /**
   * Leader only: hand leadership to voter `to` (thesis 3.10). The leader
   * brings it up to date, then sends TimeoutNow; new proposals are dropped
   * ('transferring') until it completes or an election timeout passes.
   * Throws NotLeaderError on a non-leader, InvalidArgumentError for a non-voter.
   */
  transferLeadership(to: NodeId): void {
    transferLeadership(this.n, to);
  }

  /** Start an election now (Pre-Vote first when enabled). No-op on a leader or a non-voter. */
  campaign(): void {
    campaign(this.n);
  }

  /**
   * Propose a single-server membership change (Raft thesis ch. 4). Returns a
   * proposal id whose outcome arrives like any proposal's: `committed`, or
   * `dropped` with 'notLeader', 'transferring', 'confChangePending' (another
   * change is not committed yet: one at a time), 'leaderNotReady' (this
   * leader has not committed an entry of its term yet) or
   * 'learnerNotCaughtUp' (promote only). The new configuration takes effect
   * on every node as soon as the entry is appended to its log.
   * Throws InvalidArgumentError (nothing recorded) for a malformed change or
   * one that does not fit the leader's configuration (adding a member,
   * promoting a non-learner, removing a non-member or the last voter).
   */
  proposeConfChange(change: ConfChange): number {
    return proposeConfChange(this.n, change);
  }

  /**
   * `proposeConfChange({ type: 'addLearner', node, incarnation, address })`: add a
   * non-voting member that catches up. Give the new store's incarnation so the
   * member is bound from the start (a re-added id must never count as its old self).
   */
  addLearner(node: NodeId, identity?: { readonly incarnation?: number; readonly address?: string }): number {
    return this.proposeConfChange({ type: 'addLearner', node, ...identity });
  }

  /** `proposeConfChange({ type: 'promote', node })`: make a caught-up learner a voter. */
  promote(node: NodeId): number {
    return this.proposeConfChange({ type: 'promote', node });
  }

  /** `proposeConfChange({ type: 'remove', node })`: remove a voter or learner (the leader may remove itself). */
  removeNode(node: NodeId): number {
    return this.proposeConfChange({ type: 'remove', node });
  }

  /**
   * The configuration in force at log index `index` (for a snapshot's
   * metadata: `createSnapshot(i, node.confStateAt(i), data)`). Known from the
   * host's latest snapshot up to the last index; InvalidArgumentError outside.
   */
  confStateAt(index: number): ConfState {
    return confStateAt(this.n, index);
  }

  /** What the snapshot policy looks at: applied index, latest stored snapshot, bytes applied since. */
  snapshotProgress(): SnapshotProgress {
    return snapshotProgress(this.n);
  }

  /**
   * True when the host should take a snapshot at its applied index now
   * (`shouldSnapshot(snapshotProgress(), config)`, with `snapshotEntries` /
   * `snapshotBytes` from the config).
   */
  snapshotDue(): boolean {
    return snapshotDue(this.n);
  }

  /** True when the host must report a checkpoint after applying `index` (a positive multiple of checkpointInterval). */
  checkpointDue(index: number): boolean {
    return checkpointDue(this.n, index);
  }

  /**
   * The host's state hash right AFTER applying the entry at `index` (a
   * positive multiple of `checkpointInterval`, at most the last index handed
   * out for applying; also allowed for a restored snapshot's index). Call it
   * while applying `committedEntries` (step 3 of the Ready contract) or
   * later. Followers piggyback their latest checkpoint on their answers; the
   * leader compares, and mismatches come out in `Ready.divergences`. A node
   * that finds its own state diverged from a quorum-confirmed hash
   * quarantines itself (see `quarantine`). UsageError when checkpoints are
   * off; InvalidArgumentError (nothing recorded) for a bad index or hash.
   */
  reportCheckpoint(index: number, hash: string): void {
    reportCheckpoint(this.n, index, hash);
  }

  /**
   * Quarantine this node (host decision, e.g. a failed repair or an operator):
   * it serves no reads (`readIndex` ends `dropped('quarantined')`, reads
   * waiting here are dropped the same way), tells its leader so that its
   * acknowledgements stop extending the leader's lease, campaigns only after
   * an extra election timeout, and, if leader, hands leadership to a healthy
   * voter that is not quarantined or diverged (it keeps leading, without
   * lease or reads, while there is none). Raft itself (votes, replication,
   * commit) is unaffected: divergence is a state machine fault, not a log one.
   * Volatile: a restarted node starts unquarantined.
   */
  quarantine(reason: string): void {
    quarantine(this.n, reason);
  }

  /** End a quarantine (host's, or one this node entered after finding itself diverged). */
  releaseQuarantine(): void {
    releaseQuarantine(this.n);
  }

  /** True when ready() has something. False while a Ready is awaiting advance(). */
  hasReady(): boolean {
    return hasReady(this.n);
  }

  /** Everything the host must persist, send and apply, in that order; then call advance(). */
  ready(): Ready {
    return ready(this.n);
  }

  /** Acknowledge the last Ready: its state was persisted, messages sent, committed entries applied. */
  advance(): void {
    advance(this.n);
  }

  status(): NodeStatus {
    return status(this.n);
  }

  /**
   * The state of this node's role statechart (its `roleMachine` actor), the one holder of the role.
   * The node acts in it: `status().role` reports the handlers the chart's last entry installed,
   * which is the same role (the safety fuzz checks this after every input).
   */
  roleChartState(): Role {
    return this.n.roleActor.getSnapshot().value;
  }
}
