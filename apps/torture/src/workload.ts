import { SeededRng } from '@raftkit/core';
import type { RaftClient } from '@raftkit/net';
import { HistoryRecorder, type KvInvocation, type KvOp, performKv } from '@raftkit/sim';

export interface WorkloadOptions {
  readonly clients: readonly RaftClient[];
  readonly seed: number;
  /** Shared keys per generation (the linearizability check's registers). Default 3. */
  readonly keys?: number;
  /**
   * The shared keys are renamed every `generationMs` (g0.k1, g1.k1, ...), so
   * each key's history stays short and the checker's search stays small in a
   * long run; an indeterminate write only weighs on its own generation. Default 10 s.
   */
  readonly generationMs?: number;
}

export interface WorkloadResult {
  readonly ops: KvOp[];
  readonly ok: number;
  readonly info: number;
  readonly fail: number;
  /** Unique keys whose put was acknowledged: each must be readable with this value at the end. */
  readonly acked: ReadonlyMap<string, string>;
  /** Completion times (performance.now()) of every successful operation, in order. */
  readonly okTimes: readonly number[];
}

/**
 * Concurrent clients, each running seeded random get / put / append / cas /
 * delete on the current generation's shared keys (every one recorded for the
 * checker: ok, fail for a read that errored, info for a write that errored:
 * its outcome is unknown) and, one operation in five, a put of a key no one
 * else writes (remembered when acknowledged: none may be lost). After an
 * indeterminate operation a client continues under a new history process
 * id, as Jepsen does, since the old operation may still take effect.
 */
export class Workload {
  private readonly recorder = new HistoryRecorder({ now: () => performance.now() });
  private readonly acked = new Map<string, string>();
  private readonly okTimes: number[] = [];
  private readonly counts = { ok: 0, info: 0, fail: 0 };
  private running = true;
  private readonly loops: Promise<void>[];
  private readonly started = performance.now();

  constructor(private readonly opts: WorkloadOptions) {
    this.loops = opts.clients.map((client, i) => this.loop(client, i));
  }

  get okCount(): number {
    return this.counts.ok;
  }

  async stop(): Promise<WorkloadResult> {
    this.running = false;
    await Promise.all(this.loops);
    return { ops: this.recorder.ops(), ...this.counts, acked: this.acked, okTimes: this.okTimes };
  }

  private async loop(client: RaftClient, index: number): Promise<void> {
    const rng = new SeededRng(this.opts.seed, `client-${index}`);
    let incarnation = 0;
    for (let n = 0; this.running; n++) {
      if (rng.chance(0.2)) {
        const key = `u${index}.${n}`;
        const value = `${n}`;
        try {
          await client.put(key, value);
          this.acked.set(key, value);
          this.succeeded();
        } catch {
          // Not acknowledged: it may or may not be there; nothing to check.
        }
        continue;
      }
      const process = `c${index}.${incarnation}`;
      const inv = this.invocation(rng, index, n);
      const h = this.recorder.invoke(process, inv);
      try {
        this.recorder.ok(h, await performKv(client, inv));
        this.counts.ok++;
        this.succeeded();
      } catch {
        if (inv.kind === 'get') {
          this.recorder.fail(h);
          this.counts.fail++;
        } else {
          this.recorder.info(h);
          this.counts.info++;
          incarnation++;
        }
      }
    }
  }

  private succeeded(): void {
    this.okTimes.push(performance.now());
  }

  private invocation(rng: SeededRng, client: number, n: number): KvInvocation {
    const generation = Math.floor((performance.now() - this.started) / (this.opts.generationMs ?? 10_000));
    const key = `g${generation}.k${rng.int(0, (this.opts.keys ?? 3) - 1)}`;
    const value = `${client}.${n}`;
    const r = rng.float();
    if (r < 0.4) return { kind: 'get', key };
    if (r < 0.6) return { kind: 'put', key, value };
    if (r < 0.7) return { kind: 'append', key, value: `|${value}` };
    if (r < 0.92) {
      // Expect a recent value of some client (or absence), so that some swaps succeed.
      const other = rng.int(0, this.opts.clients.length - 1);
      const expected = rng.chance(0.25) ? null : `${other}.${Math.max(0, n - rng.int(1, 3))}`;
      return { kind: 'cas', key, expected, value };
    }
    return { kind: 'delete', key };
  }
}

/** Longest time without any successful operation between `from` and `to` (and where it started). */
export function longestGap(okTimes: readonly number[], from: number, to: number): { ms: number; at: number } {
  let best = { ms: 0, at: from };
  let prev = from;
  for (const t of [...okTimes, to]) {
    if (t - prev > best.ms) best = { ms: t - prev, at: prev };
    prev = Math.max(prev, t);
  }
  return best;
}
