// Closed-loop client load on a running cluster: `clients` clients, each doing
// one operation at a time for `ms` after a warm-up, with latency samples.
import { Samples } from './stats.mjs';

/**
 * op(client, i, n) performs one operation of client i (its n-th); returns a promise.
 * Errors are counted (and the client goes on); the last message is kept.
 * `samples` (a Samples) collects the latencies across calls when given.
 */
export async function closedLoop(clientList, op, { ms, warmupMs, samples = null }) {
  const phase = async (duration, record) => {
    const lat = samples ?? new Samples();
    let done = 0;
    let errors = 0;
    let lastError = null;
    const t0 = performance.now();
    const end = t0 + duration;
    await Promise.all(
      clientList.map(async (c, i) => {
        for (let n = 0; performance.now() < end; n++) {
          const s = performance.now();
          try {
            await op(c, i, n);
            done++;
            if (record) lat.push(performance.now() - s);
          } catch (e) {
            errors++;
            lastError = e?.message ?? String(e);
          }
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    return {
      opsPerSec: done / elapsed,
      ops: done,
      errors,
      lastError,
      elapsedS: elapsed,
      latencyMs: lat.summary(),
    };
  };
  if (warmupMs > 0) await phase(warmupMs, false);
  return phase(ms, true);
}
