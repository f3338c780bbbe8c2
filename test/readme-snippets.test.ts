import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * README snippets run as written. A fenced block right after
 * `<!-- snippet: PATH -->` must be exactly the file PATH (so tests and demos
 * run the very code a reader copies), and every inline command of the form
 * `node examples/...` or `sh examples/...` is run from the repository root
 * (exit 0); the outputs its snippet promises in `// ...` and `# ...` comments
 * must appear.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READMES = [
  'README.md',
  ...['examples', 'packages'].flatMap((dir) =>
    readdirSync(join(ROOT, dir)).map((d) => `${dir}/${d}/README.md`),
  ),
].filter((p) => {
  try {
    readFileSync(join(ROOT, p));
    return true;
  } catch {
    return false;
  }
});

interface Snippet {
  readonly readme: string;
  readonly file: string;
  readonly code: string;
}

function snippets(readme: string): Snippet[] {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  return [...text.matchAll(/<!-- snippet: (\S+) -->\n```\w*\n([\s\S]*?)```/g)].map((m) => ({
    readme,
    file: m[1],
    code: m[2],
  }));
}

function commands(readme: string): string[] {
  const text = readFileSync(join(ROOT, readme), 'utf8');
  return [...new Set([...text.matchAll(/`((?:node|sh) examples\/[^`]+)`/g)].map((m) => m[1]))];
}

/** What a snippet promises to print: `console.log(...); // X` and `cmd ... # {json}` / `# 5` lines. */
function promisedOutputs(code: string): RegExp[] {
  const out: RegExp[] = [];
  for (const line of code.split('\n')) {
    const js = /console\.log\(.*\/\/ (.+)$/.exec(line);
    const sh = /^\$raftkit .*# ([{\d].*)$/.exec(line);
    const promised = js?.[1] ?? sh?.[1];
    if (promised === undefined) continue;
    const pattern = promised
      .trim()
      .split('...')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    out.push(new RegExp(pattern));
  }
  return out;
}

async function freePortBase(): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const ok = await Promise.all(
      [0, 1, 2].map(
        (i) =>
          new Promise<boolean>((resolve) => {
            const s = createServer();
            s.once('error', () => resolve(false));
            s.listen(base + i, '127.0.0.1', () => s.close(() => resolve(true)));
          }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
}

function run(command: string, port: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const [bin, ...args] = command.split(/\s+/);
  return new Promise((resolve) => {
    execFile(
      bin === 'node' ? process.execPath : bin,
      args,
      { cwd: ROOT, timeout: 90_000, env: { ...process.env, PORT: String(port) } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const all = READMES.flatMap(snippets);

describe('README snippets', () => {
  it('every marked snippet is exactly its file', () => {
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) {
      expect(s.code, `${s.readme}: snippet of ${s.file}`).toBe(readFileSync(join(ROOT, s.file), 'utf8'));
    }
  });

  const runs = READMES.flatMap((readme) => commands(readme).map((command) => ({ readme, command })));
  it.each(runs)('$readme: `$command` runs and prints what it promises', async ({ command }) => {
    const r = await run(command, await freePortBase());
    expect(r.code, `${command}\n${r.stdout}\n${r.stderr}`).toBe(0);
    const files = command.split(/\s+/).filter((a) => all.some((s) => s.file === a));
    for (const file of files) {
      for (const promised of promisedOutputs(readFileSync(join(ROOT, file), 'utf8'))) {
        expect(r.stdout, `${file} promises ${promised}`).toMatch(promised);
      }
    }
  });
});
