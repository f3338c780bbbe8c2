/** Waiting on conditions with deadlines (never a fixed sleep standing in for a condition). */

export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** Polls `cond` until it returns a truthy value; throws DeadlineError naming `what` after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  cond: () => T | Promise<T>,
  timeoutMs: number,
  intervalMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() >= deadline) throw new DeadlineError(`${what}: not within ${timeoutMs} ms`);
    await delay(intervalMs);
  }
}

/** A deliberate pause (the scenario lets the workload run for a while between steps). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
