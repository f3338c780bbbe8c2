import { SeededRng } from '@raftkit/core';
import { HistoryRecorder, type KvInvocation, type KvOp } from '@raftkit/sim';
import type { RaftClient } from '../../src/index.js';

/** Uniform floats in [0, 1) from core's SeededRng. */
export function seeded(seed: number): () => number {
  const rng = new SeededRng(seed);
  return () => rng.float();
}

export interface WorkloadResult {
  ops: KvOp[];
  ok: number;
  info: number;
  fail: number;
  /** put keys of the form u<client>.<n> whose put was acknowledged (must never be lost). */
  ackedUnique: Map<string, string>;
}

/**
 * Concurrent clients doing get/put/cas/append/delete on a few shared keys
 * (for the linearizability check) plus puts of unique keys (for "no
 * acknowledged write lost"), until `until()` is true. Every operation is
 * recorded: ok with its result, fail for a read that errored (no effect),
 * info for a write that errored (outcome unknown).
 */
export async function runWorkload(
  clients: RaftClient[],
  until: () => boolean,
  opts: { keys?: string[]; seed?: number } = {},
): Promise<WorkloadResult> {
  const keys = opts.keys ?? ['a', 'b', 'c'];
  const recorder = new HistoryRecorder({ now: () => performance.now() });
  const result: WorkloadResult = { ops: [], ok: 0, info: 0, fail: 0, ackedUnique: new Map() };
  await Promise.all(
    clients.map(async (client, id) => {
      const random = seeded((opts.seed ?? 1) * 1000 + id);
      for (let n = 0; !until(); n++) {
        const r = random();
        if (r < 0.15) {
          const key = `u${id}.${n}`;
          try {
            await client.put(key, `${n}`);
            result.ackedUnique.set(key, `${n}`);
          } catch {}
          continue;
        }
        const key = keys[Math.floor(random() * keys.length)];
        const value = `${id}.${n}`;
        const inv: KvInvocation =
          r < 0.45
            ? { kind: 'get', key }
            : r < 0.65
              ? { kind: 'put', key, value }
              : r < 0.75
                ? { kind: 'append', key, value: `|${value}` }
                : r < 0.95
                  ? {
                      kind: 'cas',
                      key,
                      expected:
                        random() < 0.3
                          ? null
                          : `${Math.floor(random() * clients.length)}.${Math.max(0, n - 1 - Math.floor(random() * 3))}`,
                      value,
                    }
                  : { kind: 'delete', key };
        const h = recorder.invoke(id, inv);
        try {
          switch (inv.kind) {
            case 'get': {
              const v = await client.get(inv.key);
              recorder.ok(h, { value: v ?? null });
              break;
            }
            case 'put':
              await client.put(inv.key, inv.value);
              recorder.ok(h);
              break;
            case 'append':
              await client.append(inv.key, inv.value);
              recorder.ok(h);
              break;
            case 'cas':
              recorder.ok(h, { swapped: await client.cas(inv.key, inv.expected, inv.value) });
              break;
            case 'delete':
              await client.delete(inv.key);
              recorder.ok(h);
              break;
          }
          result.ok++;
        } catch {
          if (inv.kind === 'get') {
            recorder.fail(h);
            result.fail++;
          } else {
            recorder.info(h);
            result.info++;
          }
        }
      }
    }),
  );
  result.ops = recorder.ops();
  return result;
}
