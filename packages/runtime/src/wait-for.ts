import { TimeoutError } from './errors.js';

export interface WaitForOptions {
  readonly timeoutMs: number;
  /** Poll interval. Default 5 ms. */
  readonly intervalMs?: number;
  /** Shown in the timeout error. */
  readonly what?: string;
  /** Errors of `cond` that end the wait at once (e.g. the cluster was closed): thrown as they are. */
  readonly fatal?: (error: unknown) => boolean;
}

/**
 * Poll `cond` until it returns a truthy value (which is returned) or the
 * deadline passes (TimeoutError). For tests and tools: wait on a condition,
 * never on a fixed sleep. Errors thrown by `cond` are retried until the
 * deadline; the last one is reported.
 */
export async function waitFor<T>(cond: () => T | Promise<T>, opts: WaitForOptions): Promise<NonNullable<T>> {
  const deadline = performance.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 5;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
      lastError = undefined;
    } catch (err) {
      if (opts.fatal?.(err)) throw err;
      lastError = err;
    }
    if (performance.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new TimeoutError(
        `timed out after ${opts.timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${why}`,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
