import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The shared histories with known verdicts live beside the repository checkout
 * (`../shared/data/porcupine` from the repo root; CI clones with `../shared` beside it).
 * Resolved from this file, not the working directory; missing data is a loud failure,
 * never a silently skipped test.
 */
export function porcupineDataDir(): string {
  const dir = fileURLToPath(new URL('../../../../shared/data/porcupine/', import.meta.url));
  if (!existsSync(`${dir}jepsen/EXPECTED.tsv`) || !existsSync(`${dir}kv`)) {
    throw new Error(
      `shared checker data not found at ${dir}: expected ../shared/data/porcupine beside the repository root`,
    );
  }
  return dir;
}
