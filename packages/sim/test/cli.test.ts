import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** `pnpm sim` is `node packages/sim/dist/cli.js` after a build. */
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

function sim(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pnpm sim (dist/cli.js)', () => {
  it('is built', () => {
    expect(existsSync(CLI), `missing ${CLI}: build first (pnpm exec tsc -b packages/sim)`).toBe(true);
  });

  it('--seed S --trace prints the same bytes on every replay', () => {
    const a = sim(['--seed', '5', '--ticks', '300', '--trace']);
    const b = sim(['--seed', '5', '--ticks', '300', '--trace']);
    expect(a.code).toBe(0);
    expect(a.stdout.split('\n').length).toBeGreaterThan(1000);
    expect(a.stdout).toContain('seed 5: 5 nodes, 300 ticks, profile mixed');
    expect(b.stdout).toBe(a.stdout);
  });

  it('--json ends with one summary object, exit 0 when every seed passes', () => {
    const r = sim(['--seeds', '3', '--ticks', '300', '--threads', '2', '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('[sim] 3/3 seeds');
    const lines = r.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary).toMatchObject({ seeds: 3, violations: 0, nonLinearizable: 0, failingSeeds: [] });
    expect(summary.elections).toBeGreaterThan(0);
    expect(summary.commits).toBeGreaterThan(0);
    expect(r.stdout).toContain('max leaders at once:');
  });

  it('a failing seed exits 1 and names its replay command', () => {
    const one = sim(['--seed', '2', '--inject-bug', 'double-vote']);
    expect(one.code).toBe(1);
    expect(one.stdout).toContain('VIOLATION');
    expect(one.stdout).toContain(
      'replay: pnpm sim --seed 2 --nodes 5 --ticks 1000 --profile mixed --inject-bug double-vote',
    );
    const many = sim([
      '--seeds',
      '2',
      '--from',
      '2',
      '--inject-bug',
      'double-vote',
      '--threads',
      '2',
      '--json',
    ]);
    expect(many.code).toBe(1);
    const lines = many.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]);
    expect(summary.failingSeeds.map((f: { seed: number }) => f.seed)).toContain(2);
    expect(many.stderr).toContain('replay: pnpm sim --seed 2');
  });

  it('--timeouts adaptive and --priority reach every node', () => {
    const r = sim([
      '--seed',
      '3',
      '--ticks',
      '300',
      '--profile',
      'none',
      '--timeouts',
      'adaptive',
      '--priority',
      'n2=5',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(result.config.raft.timeouts).toBe('adaptive');
    expect(result.priorities).toEqual({ n2: 5 });
    expect(result.finalLeader).toBe('n2');
  });

  it('--profile jitter --compare-timeouts prints the comparison table and its JSON', () => {
    const r = sim([
      '--profile',
      'jitter',
      '--compare-timeouts',
      '--seeds',
      '2',
      '--ticks',
      '500',
      '--threads',
      '2',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/timeouts\s+election timeout\s+seeds\s+spurious elections/);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    expect(summary.variants.map((v: { variant: string }) => v.variant)).toEqual([
      'fixed-short',
      'fixed-long',
      'adaptive',
    ]);
    for (const v of summary.variants) {
      expect(v.seeds).toBe(2);
      expect(v.violations).toBe(0);
      expect(v.spuriousElections).toBeGreaterThanOrEqual(0);
    }
  });

  it('rejects bad arguments with exit 2 and the usage', () => {
    const r = sim(['--nodes', '4']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--nodes must be 3, 5 or 7');
    expect(r.stderr).toContain('usage: pnpm sim');
  });
});
