import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as DgramSocket, type RemoteInfo } from 'node:dgram';
import { isIPv6 } from 'node:net';
import {
  decodeProbe,
  encodeProbe,
  PROBE_EPOCH_BYTES,
  ProbeError,
  type ProbeRejectReason,
} from './probe-packet.js';

export type ProbeRejection = ProbeRejectReason | 'unknownPeer' | 'unexpectedPong';

export interface UdpProberOptions {
  readonly selfId: string;
  readonly clusterId: string;
  /** Key derived from the cluster secret (ClusterSecret.probeKey). */
  readonly key: Uint8Array;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Probe period per peer. Default 250 ms. */
  readonly intervalMs?: number;
  /**
   * Probe period while every peer answered every probe so far (nothing in
   * flight, nothing lost): a healthy, idle cluster needs fewer packets, and
   * each costs a wake-up of every node. Back to intervalMs as soon as a probe
   * goes unanswered for a round. Default intervalMs (no slowing down).
   */
  readonly healthyIntervalMs?: number;
  /** A probe unanswered for this long counts as lost. Default 2000 ms. */
  readonly lossAfterMs?: number;
  /** Monotonic clock in ms. Default performance.now. */
  readonly clock?: () => number;
  /** A valid answer to one of our probes. */
  onAck(peerId: string, rttMs: number, now: number): void;
  /** A datagram was refused (counted by the owner). */
  onRejected(reason: ProbeRejection, from: string): void;
}

export interface ProbeCounters {
  readonly sent: number;
  readonly acked: number;
  readonly lost: number;
  /** ms since the last ack, null if none. */
  readonly lastAckAgoMs: number | null;
}

interface ProbeTarget {
  host: string;
  port: number;
  nextSeq: number;
  readonly outstanding: Map<number, number>;
  sent: number;
  acked: number;
  lost: number;
  lastAck: number | null;
}

/**
 * The UDP half of the dual-channel heartbeat: every interval, an
 * authenticated ping with a sequence number goes to each peer; the matching
 * authenticated pong gives an RTT sample and proves reachability on a path
 * that does not share TCP's fate (connection state, head-of-line blocking).
 * Pings from known peers are answered; everything else is dropped and counted.
 */
export class UdpProber {
  private socket: DgramSocket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly epoch = randomBytes(PROBE_EPOCH_BYTES);
  private readonly targets = new Map<string, ProbeTarget>();
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private readonly healthyIntervalMs: number;
  private readonly lossAfterMs: number;

  constructor(private readonly opts: UdpProberOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    this.intervalMs = opts.intervalMs ?? 250;
    this.healthyIntervalMs = Math.max(this.intervalMs, opts.healthyIntervalMs ?? this.intervalMs);
    this.lossAfterMs = opts.lossAfterMs ?? 2000;
  }

  /** Bind and start probing; resolves to the bound port. */
  async start(): Promise<number> {
    const socket = createSocket({ type: isIPv6(this.opts.host) ? 'udp6' : 'udp4' });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    socket.on('error', () => {
      // ICMP errors on connectionless sends surface here on some platforms; a probe is simply lost.
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.opts.port, this.opts.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    this.schedule(this.intervalMs);
    return socket.address().port;
  }

  get port(): number | null {
    return this.socket ? this.socket.address().port : null;
  }

  /** Add a peer or update where its probes go (e.g. the UDP port learned in the handshake). */
  setPeer(peerId: string, host: string, port: number): void {
    const t = this.targets.get(peerId);
    if (t) {
      t.host = host;
      t.port = port;
    } else {
      this.targets.set(peerId, {
        host,
        port,
        nextSeq: randomBytes(4).readUInt32BE(0),
        outstanding: new Map(),
        sent: 0,
        acked: 0,
        lost: 0,
        lastAck: null,
      });
    }
  }

  /** Stop probing a peer (it left the cluster); its pongs are dropped from now on. */
  removePeer(peerId: string): void {
    this.targets.delete(peerId);
  }

  counters(peerId: string): ProbeCounters | null {
    const t = this.targets.get(peerId);
    if (!t) return null;
    return {
      sent: t.sent,
      acked: t.acked,
      lost: t.lost,
      lastAckAgoMs: t.lastAck === null ? null : this.clock() - t.lastAck,
    };
  }

  /** The period until the next round: the healthy one while every probe so far was answered. */
  nextIntervalMs(): number {
    return probePeriod([...this.targets.values()], this.intervalMs, this.healthyIntervalMs);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      // Judged on the answers to the rounds so far, before this round's pings are in flight.
      const next = this.nextIntervalMs();
      this.round();
      this.schedule(next);
    }, ms);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  /** One probing round: expire lost probes, send a fresh ping to every peer. */
  private round(): void {
    const now = this.clock();
    for (const [peerId, t] of this.targets) {
      for (const [seq, sentAt] of t.outstanding) {
        if (now - sentAt <= this.lossAfterMs) break; // insertion order = send order
        t.outstanding.delete(seq);
        t.lost++;
      }
      const seq = t.nextSeq;
      t.nextSeq = (t.nextSeq + 1) >>> 0;
      t.outstanding.set(seq, now);
      t.sent++;
      this.sendPacket(
        { type: 'ping', epoch: this.epoch, seq, from: this.opts.selfId, to: peerId },
        t.port,
        t.host,
      );
    }
  }

  private sendPacket(p: Parameters<typeof encodeProbe>[0], port: number, host: string): void {
    const socket = this.socket;
    if (!socket) return;
    socket.send(encodeProbe(p, this.opts.key, this.opts.clusterId), port, host, () => {
      // Send errors (unreachable host, closed socket) mean a lost probe; nothing to do.
    });
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const source = `${rinfo.address}:${rinfo.port}`;
    let p: ReturnType<typeof decodeProbe>;
    try {
      p = decodeProbe(msg, this.opts.key, this.opts.clusterId);
    } catch (error) {
      this.opts.onRejected(error instanceof ProbeError ? error.reason : 'malformedProbe', source);
      return;
    }
    const target = this.targets.get(p.from);
    if (p.to !== this.opts.selfId || !target) {
      this.opts.onRejected('unknownPeer', source);
      return;
    }
    if (p.type === 'ping') {
      // Answer to where the ping came from: its source port is the peer's probe socket.
      this.sendPacket(
        { type: 'pong', epoch: p.epoch, seq: p.seq, from: this.opts.selfId, to: p.from },
        rinfo.port,
        rinfo.address,
      );
      return;
    }
    const sentAt = target.outstanding.get(p.seq);
    if (!this.epoch.equals(p.epoch) || sentAt === undefined) {
      this.opts.onRejected('unexpectedPong', source);
      return;
    }
    target.outstanding.delete(p.seq);
    const now = this.clock();
    target.acked++;
    target.lastAck = now;
    this.opts.onAck(p.from, now - sentAt, now);
  }
}

/**
 * The probe period: `healthyMs` once every peer has answered at least one
 * probe and none is waiting for an answer (the last round's all came back),
 * else `baseMs`. Pure, for the prober and its tests.
 */
export function probePeriod(
  targets: readonly { readonly acked: number; readonly outstanding: { readonly size: number } }[],
  baseMs: number,
  healthyMs: number,
): number {
  if (targets.length === 0) return baseMs;
  for (const t of targets) if (t.acked === 0 || t.outstanding.size > 0) return baseMs;
  return healthyMs;
}
