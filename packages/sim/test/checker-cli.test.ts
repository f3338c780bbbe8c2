import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/check-history.js';
import { porcupineDataDir } from './checker-data-dir.js';

const data = porcupineDataDir();
const tmp = mkdtempSync(join(tmpdir(), 'raftkit-check-history-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    (s) => {
      stdout += s;
    },
    (s) => {
      stderr += s;
    },
  );
  return { code, stdout, stderr };
}

const put = (value: string, call: number, ret: number) =>
  JSON.stringify({ client: 1, kind: 'put', key: 'k', value, call, ret, status: 'ok' });
const get = (value: string | null, call: number, ret: number) =>
  JSON.stringify({ client: 2, kind: 'get', key: 'k', call, ret, status: 'ok', output: { value } });

describe('check-history CLI', () => {
  it('exit 0 and LINEARIZABLE for a linearizable history (format detected)', async () => {
    const r = await run(`${data}jepsen/etcd_002.log`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(jepsen\): LINEARIZABLE/);
  });

  it('exit 1 with a readable explanation for a violation', async () => {
    const path = file('stale.jsonl', [put('1', 0, 1), put('2', 2, 3), get('1', 4, 5)].join('\n'));
    const r = await run(path);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('NOT LINEARIZABLE');
    expect(r.stdout).toContain('Partition "k"');
    expect(r.stdout).toContain('Longest linearizable prefix: 2 operations');
    expect(r.stdout).toMatch(/get k -> "1" +-- impossible in state "2"/);
  });

  it('--json prints the whole result as one JSON object', async () => {
    const r = await run(`${data}kv/c10-bad.txt`, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ format: 'porcupine-kv', verdict: 'nonLinearizable', partitions: 10 });
    expect(out.violation.blocked.length).toBeGreaterThan(0);
  });

  it('exit 2 when the budget runs out (unknown)', async () => {
    const r = await run(`${data}kv/c50-ok.txt`, '--max-steps', '100');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('UNKNOWN');
    expect(r.stdout).toMatch(/steps budget ran out/);
    const timed = await run(`${data}jepsen/etcd_002.log`, '--budget-ms=0', '--json');
    expect(timed.code).toBe(2);
    expect(JSON.parse(timed.stdout)).toMatchObject({ verdict: 'unknown', budgetExhausted: 'time' });
  });

  it('--format overrides detection', async () => {
    const path = file('history.txt', `[${put('1', 0, 1)}, ${get('1', 2, 3)}]`);
    expect((await run(path, '--format', 'raftkit')).code).toBe(0);
    const wrong = await run(path, '--format', 'jepsen');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/no client operations/);
  });

  it('exit 2 with a message for errors: bad arguments, missing or malformed files', async () => {
    expect((await run()).code).toBe(2);
    const badFormat = await run('x', '--format', 'csv');
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toMatch(/--format must be one of jepsen\|porcupine-kv\|raftkit/);
    expect((await run('x', '--budget-ms', 'soon')).stderr).toMatch(/--budget-ms needs a non-negative number/);
    expect((await run('x', '--frobnicate')).stderr).toMatch(/unknown option/);
    const missing = await run(join(tmp, 'nope.log'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ENOENT/);
    const malformed = await run(file('bad.jsonl', '{"client":1,"kind":"get"}'));
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/line 1: key must be a string/);
    const empty = await run(`${data}jepsen/etcd_095.log`, '--json');
    expect(empty.code).toBe(2);
    expect(JSON.parse(empty.stdout)).toMatchObject({ verdict: 'error' });
  });

  it('the built entry point runs as a program (what `pnpm check-history` starts)', async () => {
    const bin = fileURLToPath(new URL('../dist/check-history.js', import.meta.url));
    const exec = promisify(execFile);
    const ok = await exec(process.execPath, [bin, `${data}jepsen/etcd_007.log`]);
    expect(ok.stdout).toMatch(/LINEARIZABLE/);
    const failure = await exec(process.execPath, [bin, `${data}jepsen/etcd_000.log`]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stdout).toMatch(/NOT LINEARIZABLE/);
  });
});
