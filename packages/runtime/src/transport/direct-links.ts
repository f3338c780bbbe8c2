import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { NodeId } from '@raftkit/core';
import { LinkFlagTable } from './link-flags.js';
import type { DirectPeerMessage } from './port-protocol.js';

/** One MessageChannel between two attached actors; each direction has its own flag cell. */
interface Channel {
  readonly a: NodeId;
  readonly b: NodeId;
  readonly gen: number;
  readonly slotAB: number;
  readonly slotBA: number;
}

/** Which directed links may bypass the router now (the fault table's verdict). */
export type DirectPolicy = (from: NodeId, to: NodeId) => boolean;

/**
 * The main thread's bookkeeping of direct links between the actors of this
 * process: one MessageChannel per pair of attached actors, whose ends are
 * transferred to the two actors on their raw Raft ports (DirectPeerMessage),
 * and the shared flag table that says, per directed link, whether the sender
 * may post there instead of to the router. The main thread never listens on
 * a direct port: it keeps no end, so nothing stays open here after close.
 *
 * Every change that could alter the policy must call `refresh()` (the router
 * does, on fault-table and corruption-rule changes); attach and detach
 * refresh the links they touch themselves.
 */
export class DirectLinks {
  /** The router's end of each attached actor's raw Raft port. */
  private readonly actors = new Map<NodeId, MessagePort>();
  /** Channels by "a\0b" (a attached before b). */
  private readonly channels = new Map<string, Channel>();
  private nextGen = 1;

  constructor(
    private readonly policy: DirectPolicy,
    private readonly flags: LinkFlagTable = new LinkFlagTable(),
  ) {}

  /** An actor joined: open a channel to every attached actor and hand each side its end. */
  attach(id: NodeId, raftPort: MessagePort): void {
    this.detach(id);
    for (const [peer, peerPort] of this.actors) this.open(peer, peerPort, id, raftPort);
    this.actors.set(id, raftPort);
  }

  /**
   * An actor leaves (stopping, killed, detached): clear its links' flags
   * first, so no peer posts into a port that is about to die (a post racing
   * with this is a message in flight when the node died: lost, Raft
   * retries), then tell each peer to close its end.
   */
  detach(id: NodeId): void {
    if (!this.actors.delete(id)) return;
    for (const [key, ch] of this.channels) {
      if (ch.a !== id && ch.b !== id) continue;
      this.flags.set(ch.slotAB, 0);
      this.flags.set(ch.slotBA, 0);
      this.channels.delete(key);
      const peer = ch.a === id ? ch.b : ch.a;
      const drop: DirectPeerMessage = { kind: 'direct', peer: id, port: null, flags: null, slot: -1, gen: 0 };
      this.actors.get(peer)?.postMessage(drop);
    }
  }

  isAttached(id: NodeId): boolean {
    return this.actors.has(id);
  }

  /** Recompute every flag from the policy (after any fault change). */
  refresh(): void {
    for (const ch of this.channels.values()) this.apply(ch);
  }

  /** Whether a batch from -> to bypasses the router now (what the sender will read). */
  isDirect(from: NodeId, to: NodeId): boolean {
    const ch = this.channels.get(`${from}\u0000${to}`) ?? this.channels.get(`${to}\u0000${from}`);
    if (!ch) return false;
    return this.flags.get(ch.a === from ? ch.slotAB : ch.slotBA) === ch.gen;
  }

  /** The directed links that are direct now. */
  list(): [NodeId, NodeId][] {
    const out: [NodeId, NodeId][] = [];
    for (const ch of this.channels.values()) {
      if (this.flags.get(ch.slotAB) === ch.gen) out.push([ch.a, ch.b]);
      if (this.flags.get(ch.slotBA) === ch.gen) out.push([ch.b, ch.a]);
    }
    return out;
  }

  /** Clear every flag and forget every channel (the router is closing; actors close their ends on stop). */
  close(): void {
    for (const id of [...this.actors.keys()]) this.detach(id);
  }

  private open(a: NodeId, aPort: MessagePort, b: NodeId, bPort: MessagePort): void {
    const slotAB = this.flags.slotOf(a, b);
    const slotBA = this.flags.slotOf(b, a);
    // A full flag table: this pair keeps using the router (correct, only slower).
    if (slotAB === null || slotBA === null) return;
    const gen = this.nextGen;
    this.nextGen = this.nextGen >= 0x7fffffff ? 1 : this.nextGen + 1;
    const ch: Channel = { a, b, gen, slotAB, slotBA };
    const { port1, port2 } = new MessageChannel();
    const cells = this.flags.cells;
    const toA: DirectPeerMessage = { kind: 'direct', peer: b, port: port1, flags: cells, slot: slotAB, gen };
    const toB: DirectPeerMessage = { kind: 'direct', peer: a, port: port2, flags: cells, slot: slotBA, gen };
    aPort.postMessage(toA, [port1]);
    bPort.postMessage(toB, [port2]);
    this.channels.set(`${a}\u0000${b}`, ch);
    this.apply(ch);
  }

  private apply(ch: Channel): void {
    this.flags.set(ch.slotAB, this.policy(ch.a, ch.b) ? ch.gen : 0);
    this.flags.set(ch.slotBA, this.policy(ch.b, ch.a) ? ch.gen : 0);
  }
}
