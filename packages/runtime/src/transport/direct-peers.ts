import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '@raftkit/core';
import type { DirectBatch, DirectPeerMessage, InboundBatches, OutboundBatches } from './port-protocol.js';

interface Peer {
  readonly port: MessagePort;
  readonly flags: Int32Array;
  readonly slot: number;
  readonly gen: number;
}

export interface DirectTraffic {
  /** Batches this actor posted straight to a peer actor (not through the router). */
  readonly batchesOut: number;
  /** Batches that arrived on a direct port. */
  readonly batchesIn: number;
}

/**
 * The actor's side of direct links (direct-links.ts has the main thread's):
 * the ports to peer actors the router handed over, and the choice per batch
 * between a peer's port and the router. A batch goes direct only while the
 * peer's flag cell holds this port's generation, read with Atomics.load right
 * before the post; everything else (faulted links, remote nodes, peers
 * without a port yet) goes to the router as before.
 */
export class DirectPeers {
  private readonly peers = new Map<NodeId, Peer>();
  private out = 0;
  private in = 0;

  /** `deliver` steps what arrives on a direct port, attributed to the peer the port was made for. */
  constructor(private readonly deliver: (msg: InboundBatches) => void) {}

  /** A DirectPeerMessage from the router: take the new port (closing any older one) or drop it. */
  onControl(msg: DirectPeerMessage): void {
    this.drop(msg.peer);
    const { peer, port, flags } = msg;
    if (port === null || flags === null) return;
    port.on('message', (batch: DirectBatch) => {
      this.in++;
      this.deliver({ from: [peer], bufs: [batch] });
    });
    this.peers.set(peer, { port, flags, slot: msg.slot, gen: msg.gen });
  }

  /**
   * Post the batches whose link is direct now on the peers' ports
   * (transferred) and return the rest for the router, or null when nothing
   * is left. `out` is returned as it is when no batch went direct.
   */
  route(out: OutboundBatches): OutboundBatches | null {
    if (this.peers.size === 0) return out;
    const { to, bufs } = out;
    let restTo: NodeId[] | null = null;
    let restBufs: ArrayBuffer[] | null = null;
    for (let i = 0; i < to.length; i++) {
      const p = this.peers.get(to[i]);
      if (p !== undefined && Atomics.load(p.flags, p.slot) === p.gen) {
        if (restTo === null) {
          restTo = to.slice(0, i);
          restBufs = bufs.slice(0, i);
        }
        p.port.postMessage(bufs[i], [bufs[i]]);
        this.out++;
      } else if (restTo !== null) {
        restTo.push(to[i]);
        (restBufs as ArrayBuffer[]).push(bufs[i]);
      }
    }
    if (restTo === null) return out;
    return restTo.length === 0 ? null : { to: restTo, bufs: restBufs as ArrayBuffer[] };
  }

  traffic(): DirectTraffic {
    return { batchesOut: this.out, batchesIn: this.in };
  }

  /** Close every direct port (the actor stops). */
  close(): void {
    for (const id of [...this.peers.keys()]) this.drop(id);
  }

  private drop(peer: NodeId): void {
    const p = this.peers.get(peer);
    if (!p) return;
    this.peers.delete(peer);
    p.port.removeAllListeners('message');
    p.port.close();
  }
}
