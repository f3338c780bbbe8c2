/**
 * The built command, as users run it: `node dist/main.js` (pnpm demo). Needs
 * the build (`pnpm test` builds first). The diagram command is `raftkit
 * diagram`, tested in @raftkit/net.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/wait-for.js';

const dist = (f: string) => fileURLToPath(new URL(`../dist/${f}`, import.meta.url));
const MAIN = dist('main.js');
if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (pnpm exec tsc -b apps/demo)`);

const run = (file: string, args: string[]) =>
  spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', timeout: 30_000 });

describe('demo command', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('prints usage, and exits 2 on a bad option', () => {
    expect(run(MAIN, ['--help']).status).toBe(0);
    const bad = run(MAIN, ['--nodes', '1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--nodes must be an integer in 3..9');
  });

  const runScenario = async (extra: string[], nodes: number) => {
    const child = spawn(
      process.execPath,
      [MAIN, '--duration', '15', '--port', '0', '--seed', '3', '--nodes', String(nodes), ...extra],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    child.stderr!.on('data', (d) => {
      err += d;
    });
    // 'close' comes after the output streams are drained (unlike 'exit').
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

    const url = await waitFor(() => /visualizer: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], {
      timeoutMs: 30_000,
      what: 'the visualizer URL',
    });
    const state = await (await fetch(`${url}/api/state`)).json();
    expect(state.nodes).toHaveLength(nodes);
    expect(await (await fetch(`${url}/statechart.svg`)).text()).toContain('data-state="leader"');

    const code = await exited;
    expect(err, err).toBe('');
    expect(out).toContain('ALL CHECKS PASSED');
    expect(code, out.slice(-2000)).toBe(0);
    for (const step of [
      '1/5 Electing',
      '2/5 Isolating the leader',
      '3/5 Healing',
      '4/5 Killing',
      '5/5 Transferring',
    ]) {
      expect(out).toContain(step);
    }
    expect(out).toMatch(/linearizability \(sim checker\)\s+linearizable/);
    const hashes = [...out.matchAll(/^ {2}n\d +applied (\d+) +hash (\S+)$/gm)].map((m) => `${m[1]}/${m[2]}`);
    expect(hashes).toHaveLength(nodes);
    expect(new Set(hashes).size).toBe(1);
    return out;
  };

  it('runs the whole scenario on worker threads, serves the page meanwhile, and exits 0 with a passing report', async () => {
    const out = await runScenario([], 5);
    expect(out).toContain('5 worker-thread actors');
  }, 120_000);

  it('runs the same scenario with one OS process per node over TCP (--processes)', async () => {
    const out = await runScenario(['--processes'], 3);
    expect(out).toContain('3 OS processes, one node each, over authenticated TCP');
  }, 120_000);
});
