/** Piscina task module of `trace-hashes`: one task = the trace hash of one seed (loaded from dist/). */
import type { SimOptions } from './options.js';
import { traceHash } from './traced-replay.js';

export default function traceHashTask(options: SimOptions): string {
  return traceHash(options);
}
