import { HistoryRecorder, type KvClient, type KvInvocation, type KvOp, performKv } from '@raftkit/sim';
import type { Cluster } from '../src/index.js';
import { seededRandom } from '../src/rng.js';

/**
 * Clients running random KV operations (get / put / append / cas / delete) on
 * a few keys, recorded for the linearizability checker, plus one writer of
 * unique keys whose acknowledged writes are remembered (to check none is
 * lost). Runs until stop().
 */
export function startKvWorkload(
  cluster: Cluster,
  opts: { clients: number; keys: readonly string[]; seed: number },
) {
  const recorder = new HistoryRecorder({ now: () => performance.now() });
  const acked = new Map<string, string>();
  const counts = { ok: 0, info: 0, fail: 0 };
  let running = true;

  const runClient = async (id: number) => {
    const random = seededRandom(opts.seed * 1000 + id);
    const client = cluster.client({ timeoutMs: 3000, attemptTimeoutMs: 500 });
    for (let n = 0; running && !cluster.closed; n++) {
      await performRecorded(
        recorder,
        counts,
        id,
        client,
        randomInvocation(random, opts.keys, id, n, opts.clients),
      );
    }
  };
  const runUniqueWriter = async () => {
    const client = cluster.client({ timeoutMs: 3000, attemptTimeoutMs: 500 });
    for (let n = 0; running && !cluster.closed; n++) {
      const key = `u${n}`;
      const value = `w${n}`;
      try {
        await client.put(key, value);
        acked.set(key, value);
      } catch {
        // Not acknowledged: outcome unknown, not checked.
      }
    }
  };
  const loops = [runUniqueWriter(), ...Array.from({ length: opts.clients }, (_, i) => runClient(i))];
  return {
    recorder,
    acked,
    counts,
    ops(): KvOp[] {
      return recorder.ops();
    },
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** A random get / put / append / cas / delete on one of `keys` (values name the client and its n-th operation). */
export function randomInvocation(
  random: () => number,
  keys: readonly string[],
  id: number,
  n: number,
  clients: number,
): KvInvocation {
  const key = keys[Math.floor(random() * keys.length)];
  const value = `${id}.${n}`;
  const r = random();
  if (r < 0.35) return { kind: 'get', key };
  if (r < 0.55) return { kind: 'put', key, value };
  if (r < 0.7) return { kind: 'append', key, value: `|${value}` };
  if (r < 0.9) {
    const expected =
      random() < 0.3
        ? null
        : `${Math.floor(random() * clients)}.${Math.max(0, n - 1 - Math.floor(random() * 3))}`;
    return { kind: 'cas', key, expected, value };
  }
  return { kind: 'delete', key };
}

/** Outcome counters of recorded operations. */
export interface OutcomeCounts {
  ok: number;
  info: number;
  fail: number;
}

/**
 * Record `inv` for client `id`, run it through `perform` and record how it
 * ended: ok; a failed read had no effect (fail); a failed write may still
 * take effect later (info, indeterminate).
 */
export async function performRecorded(
  recorder: HistoryRecorder,
  counts: OutcomeCounts,
  id: number,
  client: KvClient,
  inv: KvInvocation,
  consistency?: 'lease' | 'linearizable',
): Promise<void> {
  const h = recorder.invoke(id, inv);
  try {
    recorder.ok(h, await performKv(client, inv, consistency));
    counts.ok++;
  } catch {
    if (inv.kind === 'get') {
      recorder.fail(h);
      counts.fail++;
    } else {
      recorder.info(h);
      counts.info++;
    }
  }
}
