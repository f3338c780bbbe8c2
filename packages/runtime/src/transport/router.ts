import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '@raftkit/core';
import { seededRandom } from '../rng.js';
import { DirectLinks } from './direct-links.js';
import { FaultTable, type LinkFaults, type LinkSelector } from './fault-table.js';
import { packFrames, unpackFrames } from './frame-batch.js';
import type { InboundBatches, OutboundBatches } from './port-protocol.js';
import { type CorruptionRule, corruptSnapshotChunks } from './snapshot-corruption.js';

/**
 * Where the router hands frames for a node it does not host: a transport to
 * another process or machine (the TCP link of @raftkit/net). The router has
 * already applied the fault table; the link only carries bytes. `batch` is a
 * frame batch (see frame-batch.ts) the link may keep (it is not reused).
 */
export interface Link {
  deliver(from: NodeId, to: NodeId, batch: ArrayBuffer): void;
  close?(): void | Promise<void>;
}

export interface RouterStats {
  /** Batches handed to a destination (local actor or link). */
  readonly batchesDelivered: number;
  readonly bytesDelivered: number;
  /** Frames lost to partitions, isolation, cuts or the drop probability. */
  readonly framesDropped: number;
  readonly framesDuplicated: number;
  readonly framesDelayed: number;
  /** Batches for a node that is neither attached nor reachable through a link (e.g. killed). */
  readonly unroutable: number;
  /** Frames injected through `inject()` (tests, fuzzing). */
  readonly injected: number;
  /** InstallSnapshot chunks with a byte flipped by `corruptSnapshotChunks` (a test fault). */
  readonly snapshotChunksCorrupted: number;
  /**
   * Directed links between local actors that bypass the router now (direct
   * MessagePorts; their batches are counted by the actors, in
   * `status().traffic.directBatchesOut`, not here). 0 without `directLinks`.
   */
  readonly directLinks: number;
}

export interface RouterOptions {
  /** Seed of the fault decisions (drop / duplicate / delay jitter). */
  readonly seed?: number;
  /**
   * Give attached actors direct MessagePorts to each other (direct-links.ts)
   * for every link the fault table leaves untouched. The ports' ends arrive on
   * the actors' raw ports as DirectPeerMessages, so only actors that
   * understand them (worker.ts) may be attached. Default false.
   */
  readonly directLinks?: boolean;
}

/**
 * Carries Raft frames between actors on the main thread and applies the
 * fault table. Local actors are attached by their raw MessagePort; remote
 * nodes are reached through `Link`s. The router never decodes frames: it
 * moves transferable buffers, and splits a batch only when a link has
 * message faults (drop / duplicate / delay).
 *
 * With `directLinks`, batches between two attached actors skip the main
 * thread while their link has no fault and no corruption rule could match
 * it: each change of the fault table or of the rules recomputes which links
 * are direct before the call returns, so a faulted link's traffic always
 * passes here and keeps its semantics and counters.
 */
export class Router {
  readonly faults = new FaultTable();
  private readonly ports = new Map<NodeId, MessagePort>();
  private readonly links = new Map<NodeId, Link>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly random: () => number;
  private corruption: CorruptionRule[] = [];
  private readonly direct: DirectLinks | null;
  private closed = false;
  private s = {
    batchesDelivered: 0,
    bytesDelivered: 0,
    framesDropped: 0,
    framesDuplicated: 0,
    framesDelayed: 0,
    unroutable: 0,
    injected: 0,
    snapshotChunksCorrupted: 0,
  };

  constructor(opts: RouterOptions = {}) {
    this.random = seededRandom(opts.seed ?? 1);
    this.direct = opts.directLinks ? new DirectLinks((from, to) => this.mayBypass(from, to)) : null;
    if (this.direct) {
      const direct = this.direct;
      this.faults.onChange(() => direct.refresh());
    }
  }

  /** Attach a local actor: frames it posts on `port` are routed; frames for it are posted to it. */
  attach(id: NodeId, port: MessagePort): void {
    this.detach(id);
    this.ports.set(id, port);
    port.on('message', (msg: OutboundBatches) => this.fromActor(id, msg));
    port.unref();
    if (!this.closed) this.direct?.attach(id, port);
  }

  /** Detach a local actor (killed or stopped) and close the router's end of its port. */
  detach(id: NodeId): void {
    const port = this.ports.get(id);
    if (!port) return;
    this.direct?.detach(id);
    this.ports.delete(id);
    port.removeAllListeners('message');
    port.close();
  }

  isAttached(id: NodeId): boolean {
    return this.ports.has(id);
  }

  /**
   * Take a node's direct links down now, ahead of stopping or killing it, so
   * its peers send to it through the router (which counts what a dead node
   * misses as unroutable) instead of into a port about to close. It gets
   * direct links again when it is attached again.
   */
  withdrawDirect(id: NodeId): void {
    this.direct?.detach(id);
  }

  /** Whether a batch from -> to bypasses the router now. */
  isDirect(from: NodeId, to: NodeId): boolean {
    return this.direct?.isDirect(from, to) ?? false;
  }

  /** The directed links that bypass the router now. */
  directLinks(): [NodeId, NodeId][] {
    return this.direct?.list() ?? [];
  }

  /** Route frames for `ids` through a transport (remote nodes). */
  addLink(ids: readonly NodeId[], link: Link): void {
    for (const id of ids) this.links.set(id, link);
  }

  removeLink(ids: readonly NodeId[]): void {
    for (const id of ids) this.links.delete(id);
  }

  /**
   * A test fault: flip one byte inside the data chunk of the next `count`
   * InstallSnapshot messages on the selected links (all by default). The
   * router decodes those batches, changes the chunk and re-encodes the
   * message, so the frame stays well-formed and only the follower's checksum
   * over the whole snapshot can tell. `heal()` does not clear it; `count: 0`
   * does.
   */
  corruptSnapshotChunks(opts: { readonly count: number } & LinkSelector): void {
    if (!(Number.isInteger(opts.count) && opts.count >= 0)) {
      throw new RangeError(`count must be an integer >= 0, got ${opts.count}`);
    }
    this.corruption = this.corruption.filter((r) => r.from !== opts.from || r.to !== opts.to);
    if (opts.count > 0) this.corruption.push({ from: opts.from, to: opts.to, remaining: opts.count });
    this.direct?.refresh();
  }

  /**
   * Route one frame batch from `from` to `to` through the fault table. Links
   * call this for frames arriving from remote nodes.
   */
  send(from: NodeId, to: NodeId, batchIn: ArrayBuffer): void {
    if (this.closed) return;
    let batch = batchIn;
    if (this.corruption.length > 0) {
      const r = corruptSnapshotChunks(this.corruption, from, to, batch, this.random);
      batch = r.batch;
      this.s.snapshotChunksCorrupted += r.corrupted;
      if (r.corrupted > 0 && this.corruption.some((rule) => rule.remaining <= 0)) {
        this.corruption = this.corruption.filter((rule) => rule.remaining > 0);
        this.direct?.refresh();
      }
    }
    const ft = this.faults;
    if (ft.clean) {
      this.deliver(from, to, batch);
      return;
    }
    if (!ft.reachable(from, to)) {
      this.s.framesDropped += unpackFrames(batch).frames.length;
      return;
    }
    const lf = ft.faultsOf(from, to);
    if (lf === null) this.deliver(from, to, batch);
    else this.applyLinkFaults(from, to, batch, lf);
  }

  /** Deliver raw bytes to `to` as one frame, bypassing faults (a test hook: garbage, fuzzing). */
  inject(to: NodeId, frame: Uint8Array, from: NodeId = '?injected'): void {
    this.s.injected++;
    this.deliver(from, to, packFrames([frame]));
  }

  /** Deliver a raw batch buffer (possibly with broken length prefixes) to `to`, bypassing faults. */
  injectBatch(to: NodeId, batch: Uint8Array, from: NodeId = '?injected'): void {
    this.s.injected++;
    this.deliver(from, to, batch.slice().buffer);
  }

  stats(): RouterStats {
    return { ...this.s, directLinks: this.direct?.list().length ?? 0 };
  }

  /** Stop routing: detach every actor, cancel delayed deliveries, close links. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.direct?.close();
    for (const id of [...this.ports.keys()]) this.detach(id);
    const links = new Set(this.links.values());
    this.links.clear();
    for (const l of links) await l.close?.();
  }

  /**
   * The direct-link policy: no partition, isolation or cut between them, no
   * message fault on the link, and no snapshot-corruption rule that could
   * match it (both ends being attached is the channels' own condition).
   */
  private mayBypass(from: NodeId, to: NodeId): boolean {
    const ft = this.faults;
    if (!ft.clean && (!ft.reachable(from, to) || ft.faultsOf(from, to) !== null)) return false;
    for (const r of this.corruption) {
      if (
        r.remaining > 0 &&
        (r.from === undefined || r.from === from) &&
        (r.to === undefined || r.to === to)
      ) {
        return false;
      }
    }
    return true;
  }

  private fromActor(from: NodeId, msg: OutboundBatches): void {
    const { to, bufs } = msg;
    for (let i = 0; i < to.length; i++) this.send(from, to[i], bufs[i]);
  }

  private applyLinkFaults(from: NodeId, to: NodeId, batch: ArrayBuffer, lf: LinkFaults): void {
    const { frames } = unpackFrames(batch);
    const kept: Uint8Array[] = [];
    for (const f of frames) {
      if (lf.drop > 0 && this.random() < lf.drop) {
        this.s.framesDropped++;
        continue;
      }
      kept.push(f);
      if (lf.duplicate > 0 && this.random() < lf.duplicate) {
        kept.push(f);
        this.s.framesDuplicated++;
      }
    }
    if (kept.length === 0) return;
    const d = lf.delayMs;
    if (typeof d === 'number' && d <= 0) {
      this.deliver(from, to, kept.length === frames.length ? batch : packFrames(kept));
      return;
    }
    if (typeof d === 'number') {
      this.later(d, from, to, packFrames(kept), kept.length);
      return;
    }
    // A delay range: each frame draws its own delay, so frames may overtake each other.
    for (const f of kept) this.later(d[0] + this.random() * (d[1] - d[0]), from, to, packFrames([f]), 1);
  }

  private later(ms: number, from: NodeId, to: NodeId, batch: ArrayBuffer, frames: number): void {
    this.s.framesDelayed += frames;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) this.deliver(from, to, batch);
    }, ms);
    this.timers.add(t);
  }

  private deliver(from: NodeId, to: NodeId, batch: ArrayBuffer): void {
    const port = this.ports.get(to);
    if (port) {
      this.s.batchesDelivered++;
      this.s.bytesDelivered += batch.byteLength;
      const msg: InboundBatches = { from: [from], bufs: [batch] };
      port.postMessage(msg, [batch]);
      return;
    }
    const link = this.links.get(to);
    if (link) {
      this.s.batchesDelivered++;
      this.s.bytesDelivered += batch.byteLength;
      link.deliver(from, to, batch);
      return;
    }
    this.s.unroutable++;
  }
}
