/**
 * Behaviour did not change: the traced replay of a fixed subset of the recorded
 * seeds prints exactly the bytes it printed when the hashes were recorded
 * (test/fixtures/trace-hashes.json, 100 seeds per profile). All of them are
 * checked by `node packages/sim/dist/trace-hashes.js` (about 900 runs, minutes),
 * too slow for every `pnpm test`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROFILES } from '../src/nemesis/index.js';
import { TRACE_HASHES_URL, type TraceHashes, tracedReplayOptions, traceHash } from '../src/traced-replay.js';

/** Seeds per profile checked here (the first of the recorded ones). */
const SEEDS_CHECKED = 3;

const recorded = JSON.parse(readFileSync(TRACE_HASHES_URL, 'utf8')) as TraceHashes;

describe('trace hashes', () => {
  it('records 100 seeds of every nemesis profile', () => {
    expect(Object.keys(recorded.hashes).sort()).toEqual(Object.keys(PROFILES).sort());
    for (const hashes of Object.values(recorded.hashes)) {
      expect(hashes).toHaveLength(100);
      for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('hashes what the CLI prints', () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
    const out = spawnSync(process.execPath, [cli, '--seed', '1', '--trace', '--profile', 'none'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(out.status).toBe(0);
    expect(createHash('sha256').update(out.stdout).digest('hex')).toBe(recorded.hashes.none[0]);
  });

  for (const profile of Object.keys(PROFILES))
    it(`${profile}: seeds 1..${SEEDS_CHECKED} print the recorded bytes`, () => {
      const got = Array.from({ length: SEEDS_CHECKED }, (_, i) =>
        traceHash(tracedReplayOptions(profile, recorded.firstSeed + i)),
      );
      expect(got).toEqual(recorded.hashes[profile].slice(0, SEEDS_CHECKED));
    });
});
