/**
 * Capped exponential backoff with "equal jitter": half the delay is fixed,
 * half random, so retries of many clients spread out but never spin.
 */
export function backoffDelay(
  retry: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.min(retry, 20));
  return exp / 2 + random() * (exp / 2);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
