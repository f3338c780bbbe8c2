/**
 * The demo's KV workload: several concurrent clients issuing seeded random
 * put/get/cas/append/delete operations on a few keys, every operation
 * recorded (invoke, then ok / fail / info) for the linearizability check.
 */

import { SeededRng } from '@raftkit/core';
import type { HistoryRecorder, KvInvocation, KvOp } from '@raftkit/sim';
import type { KvClient, WorkloadView } from './model.js';

export interface WorkloadOptions {
  readonly clients: readonly KvClient[];
  readonly recorder: HistoryRecorder;
  readonly seed: number;
  /** Number of distinct keys. Default 8. */
  readonly keys?: number;
  /** Pause between one client's operations, drawn from [thinkMs/2, thinkMs*1.5). Default 20. */
  readonly thinkMs?: number;
  /** Called after every completed operation (throttle on the receiving side). */
  readonly onProgress?: (view: WorkloadView) => void;
}

/**
 * What a failed operation means for the history. `fail`: it certainly had no
 * effect (refused before anything was proposed). `info`: the outcome is
 * unknown (timed out, leadership changed after it was appended, cluster
 * closed mid-flight) — the checker lets it take effect at any later time, or
 * never.
 */
export function classifyFailure(err: unknown): 'fail' | 'info' {
  const e = err as { code?: unknown; indeterminate?: unknown };
  switch (e?.code) {
    case 'NOT_LEADER':
    case 'NODE_STOPPED':
    case 'INVALID_REQUEST':
      return 'fail';
    case 'DROPPED':
      return e.indeterminate === false ? 'fail' : 'info';
    default:
      return 'info';
  }
}

export class Workload {
  private readonly keys: string[];
  private readonly loops: Promise<void>[] = [];
  private stopping = false;
  private counts = { ok: 0, failed: 0, indeterminate: 0, pending: 0 };
  private readonly stopWaiters = new Set<() => void>();

  constructor(private readonly opts: WorkloadOptions) {
    this.keys = Array.from({ length: opts.keys ?? 8 }, (_, i) => `k${i}`);
  }

  start(): void {
    this.opts.clients.forEach((client, i) => {
      // One generator per client: its choices do not depend on how the others interleave.
      this.loops.push(this.loop(client, `c${i + 1}`, new SeededRng(this.opts.seed, `client-${i + 1}`)));
    });
  }

  /** Stops issuing operations and waits for the ones in flight to finish (each client times out on its own). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.stopWaiters) wake();
    await Promise.all(this.loops);
  }

  view(): WorkloadView {
    return { ...this.counts };
  }

  history(): KvOp[] {
    return this.opts.recorder.ops();
  }

  private async loop(client: KvClient, name: string, rng: SeededRng): Promise<void> {
    const seen = new Map<string, string | null>();
    let seq = 0;
    while (!this.stopping) {
      const inv = this.choose(rng, name, ++seq, seen);
      const handle = this.opts.recorder.invoke(name, inv);
      this.counts.pending++;
      try {
        const output = await this.perform(client, inv, seen);
        this.opts.recorder.ok(handle, output);
        this.counts.ok++;
      } catch (err) {
        if (classifyFailure(err) === 'fail') {
          this.opts.recorder.fail(handle);
          this.counts.failed++;
        } else {
          this.opts.recorder.info(handle);
          this.counts.indeterminate++;
          seen.delete(inv.key);
        }
      } finally {
        this.counts.pending--;
      }
      this.opts.onProgress?.(this.view());
      await this.pause(rng);
    }
  }

  private choose(rng: SeededRng, name: string, seq: number, seen: Map<string, string | null>): KvInvocation {
    const key = rng.pick(this.keys);
    const value = `${name}.${seq}`;
    const r = rng.float();
    if (r < 0.35) return { kind: 'put', key, value };
    if (r < 0.65) return { kind: 'get', key };
    if (r < 0.8) return { kind: 'append', key, value: `+${value}` };
    if (r < 0.95) return { kind: 'cas', key, expected: seen.get(key) ?? null, value };
    return { kind: 'delete', key };
  }

  private async perform(
    client: KvClient,
    inv: KvInvocation,
    seen: Map<string, string | null>,
  ): Promise<{ value?: string | null; swapped?: boolean }> {
    switch (inv.kind) {
      case 'get': {
        const v = await client.get(inv.key, { consistency: 'linearizable' });
        seen.set(inv.key, v ?? null);
        return { value: v ?? null };
      }
      case 'put':
        await client.put(inv.key, inv.value);
        seen.set(inv.key, inv.value);
        return {};
      case 'append':
        await client.append(inv.key, inv.value);
        seen.delete(inv.key);
        return {};
      case 'delete':
        await client.delete(inv.key);
        seen.set(inv.key, null);
        return {};
      case 'cas': {
        const swapped = await client.cas(inv.key, inv.expected, inv.value);
        if (swapped) seen.set(inv.key, inv.value);
        else seen.delete(inv.key);
        return { swapped };
      }
    }
  }

  private pause(rng: SeededRng): Promise<void> {
    const think = this.opts.thinkMs ?? 20;
    const ms = think / 2 + rng.float() * think;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopWaiters.add(done);
    });
  }
}
