/**
 * Simulated clients running a KV workload against the cluster.
 *
 * Each client runs one operation at a time (put / get / cas / append /
 * delete over a few keys), follows leader hints, and retries a write with the
 * same session seq after a timeout or an indeterminate answer so that the
 * state machine applies it at most once. Every operation is recorded in the
 * shared history: ok with its result; fail when no attempt can have been
 * applied; info (indeterminate) otherwise.
 */
import type { KvCommand, NodeId, ReadMode, SeededRng } from '@raftkit/core';
import type { HistoryRecorder, KvInvocation, OpHandle } from './checker/index.js';
import { type ClientReply, type ClientRequest, describeReply } from './client-protocol.js';

export interface WorkloadOptions {
  readonly keys: number;
  /** Fraction of reads served as lease reads (0 = readIndex only). */
  readonly leaseReadRatio: number;
  /** Mean think time between two operations of one client, in microseconds. */
  readonly thinkUs: number;
  /** How long one attempt waits for an answer before trying again elsewhere. */
  readonly attemptTimeoutUs: number;
  /** How long a client keeps trying one operation before it gives up. */
  readonly opDeadlineUs: number;
  /** No new operation starts after this virtual time. */
  readonly stopAt: number;
  /**
   * A read-only client (like a cache or a dashboard): it only reads and stays with the
   * node it talks to for as long as that node answers.
   */
  readonly readOnly?: boolean;
}

/** What a client needs from the simulation. */
export interface ClientEnv {
  readonly now: number;
  readonly recorder: HistoryRecorder;
  /** True during the workload's read-only phases: writers read too. */
  writesPaused(): boolean;
  nodeIds(): readonly NodeId[];
  /** Sends a request to a node (with client-link latency); lost if the node is down. */
  send(to: NodeId, req: ClientRequest): void;
  at(time: number, fn: () => void): void;
  log(text: string): void;
}

type Op =
  | { readonly kind: 'write'; readonly cmd: KvCommand }
  | { readonly kind: 'read'; readonly key: string; readonly mode: ReadMode };

interface Running {
  readonly op: Op;
  readonly seq: number;
  readonly handle: OpHandle;
  readonly deadline: number;
  attempt: number;
  /** Some attempt of this write may have been appended (and so may yet apply). */
  mayHaveApplied: boolean;
}

export interface ClientStats {
  ok: number;
  fail: number;
  info: number;
}

export class Client {
  private seq = 0;
  private valueCounter = 0;
  private running: Running | null = null;
  private target: NodeId;
  /** Invalidates timers of earlier attempts. */
  private timerToken = 0;
  private readonly lastSeen = new Map<string, string | null>();
  readonly stats: ClientStats = { ok: 0, fail: 0, info: 0 };

  constructor(
    readonly id: string,
    private readonly rng: SeededRng,
    private readonly env: ClientEnv,
    private readonly opts: WorkloadOptions,
  ) {
    this.target = rng.pick(env.nodeIds());
  }

  start(at: number): void {
    this.env.at(at, () => this.nextOp());
  }

  get busy(): boolean {
    return this.running !== null;
  }

  private nextOp(): void {
    const env = this.env;
    if (env.now >= this.opts.stopAt || this.running !== null) return;
    const op = this.generate();
    const handle = env.recorder.invoke(this.id, toInvocation(op));
    this.seq++;
    this.running = {
      op,
      seq: this.seq,
      handle,
      deadline: env.now + this.opts.opDeadlineUs,
      attempt: 0,
      mayHaveApplied: false,
    };
    this.sendAttempt();
  }

  private generate(): Op {
    const rng = this.rng;
    const key = `k${rng.int(0, this.opts.keys - 1)}`;
    const value = () => `${this.id}.${++this.valueCounter}`;
    const r = rng.float();
    if (this.opts.readOnly || this.env.writesPaused()) {
      const mode: ReadMode = rng.chance(this.opts.leaseReadRatio) ? 'lease' : 'readIndex';
      return { kind: 'read', key, mode };
    }
    if (r < 0.35) {
      const mode: ReadMode = rng.chance(this.opts.leaseReadRatio) ? 'lease' : 'readIndex';
      return { kind: 'read', key, mode };
    }
    if (r < 0.6) return { kind: 'write', cmd: { op: 'put', key, value: value() } };
    if (r < 0.75) return { kind: 'write', cmd: { op: 'append', key, value: value() } };
    if (r < 0.95) {
      const seen = this.lastSeen.get(key);
      const expected = seen !== undefined && rng.chance(0.8) ? seen : null;
      return { kind: 'write', cmd: { op: 'cas', key, expected, value: value() } };
    }
    return { kind: 'write', cmd: { op: 'delete', key } };
  }

  private sendAttempt(): void {
    const run = this.running;
    if (run === null) return;
    run.attempt++;
    const token = ++this.timerToken;
    const env = this.env;
    const req: ClientRequest =
      run.op.kind === 'write'
        ? { kind: 'write', client: this.id, seq: run.seq, attempt: run.attempt, cmd: run.op.cmd }
        : {
            kind: 'read',
            client: this.id,
            seq: run.seq,
            attempt: run.attempt,
            key: run.op.key,
            mode: run.op.mode,
          };
    env.send(this.target, req);
    env.at(env.now + this.opts.attemptTimeoutUs, () => {
      if (token === this.timerToken) this.onTimeout();
    });
  }

  private onTimeout(): void {
    const run = this.running;
    if (run === null) return;
    if (run.op.kind === 'write') run.mayHaveApplied = true;
    this.target = this.otherNode(this.target);
    this.retryOrGiveUp(0);
  }

  /** A reply from a node; replies to earlier operations are ignored. */
  onReply(reply: ClientReply): void {
    const run = this.running;
    if (run === null || reply.seq !== run.seq) return;
    switch (reply.status) {
      case 'ok':
        this.finishOk(run, reply);
        return;
      case 'rejected':
      case 'indeterminate': {
        if (reply.status === 'indeterminate') run.mayHaveApplied = true;
        if (reply.attempt !== run.attempt) return; // a later attempt is already under way
        this.target =
          reply.leaderHint !== null && reply.leaderHint !== reply.node
            ? reply.leaderHint
            : this.otherNode(reply.node);
        // Without a hint there may be no leader yet: back off longer before the next try.
        const backoff = reply.leaderHint === null ? this.rng.int(1_000, 10_000) : this.rng.int(100, 1_000);
        this.retryOrGiveUp(backoff);
        return;
      }
    }
  }

  private retryOrGiveUp(delay: number): void {
    const run = this.running;
    if (run === null) return;
    const env = this.env;
    if (env.now + delay >= run.deadline) {
      this.finish(run, run.mayHaveApplied ? 'info' : 'fail');
      return;
    }
    const token = ++this.timerToken;
    env.at(env.now + delay, () => {
      if (token === this.timerToken) this.sendAttempt();
    });
  }

  private finishOk(run: Running, reply: Extract<ClientReply, { status: 'ok' }>): void {
    const op = run.op;
    if (op.kind === 'read') {
      const value = reply.value ?? null;
      this.lastSeen.set(op.key, value);
      this.env.recorder.ok(run.handle, { value });
    } else if (op.cmd.op === 'cas') {
      if (reply.swapped) this.lastSeen.set(op.cmd.key, op.cmd.value);
      this.env.recorder.ok(run.handle, { swapped: reply.swapped === true });
    } else {
      this.env.recorder.ok(run.handle);
    }
    this.env.log(`client ${describeReply(reply)}`);
    this.stats.ok++;
    this.done();
  }

  private finish(run: Running, status: 'fail' | 'info'): void {
    if (status === 'fail') this.env.recorder.fail(run.handle);
    else this.env.recorder.info(run.handle);
    this.env.log(`client ${this.id}#${run.seq} gives up: ${status}`);
    this.stats[status]++;
    this.done();
  }

  private done(): void {
    this.running = null;
    this.timerToken++;
    const env = this.env;
    env.at(env.now + Math.round(this.rng.exponential(this.opts.thinkUs)) + 1, () => this.nextOp());
  }

  private otherNode(than: NodeId): NodeId {
    const ids = this.env.nodeIds();
    const others = ids.filter((id) => id !== than);
    return others.length === 0 ? than : this.rng.pick(others);
  }
}

function toInvocation(op: Op): KvInvocation {
  if (op.kind === 'read') return { kind: 'get', key: op.key };
  const c = op.cmd;
  switch (c.op) {
    case 'put':
      return { kind: 'put', key: c.key, value: c.value };
    case 'append':
      return { kind: 'append', key: c.key, value: c.value };
    case 'delete':
      return { kind: 'delete', key: c.key };
    case 'cas':
      return { kind: 'cas', key: c.key, expected: c.expected, value: c.value };
  }
}

/**
 * Load is bursty: now and then the writers pause and everybody only reads for
 * 30-100 ticks (an idle night, a read-mostly batch). Logs stand still then,
 * so a node that lost its leader can be fully up to date when it campaigns:
 * the case in which only leader stickiness protects a live leader's lease.
 */
export function drawReadOnlyPhases(rng: SeededRng, until: number, tickUs: number): [number, number][] {
  const phases: [number, number][] = [];
  let t = rng.int(100, 300) * tickUs;
  while (t < until) {
    const end = Math.min(until, t + rng.int(30, 100) * tickUs);
    phases.push([t, end]);
    t = end + rng.int(100, 300) * tickUs;
  }
  return phases;
}
