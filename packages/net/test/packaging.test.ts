import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * What a user installs: the package manifests, the tarballs `pnpm pack`
 * builds, and the root scripts whose stdout is the program's output.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PUBLISHED = ['core', 'sim', 'runtime', 'net'];
const run = promisify(execFile);
const manifest = (dir: string) => JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8'));

describe('packaging', () => {
  it('every package.json has engines >=20.15 (zlib.crc32), and the published ones a description, repository, MIT LICENSE file', () => {
    // Every workspace package (pnpm-workspace.yaml: packages/*, apps/*, examples/*, bench) and the root.
    const workspace = ['packages', 'apps', 'examples'].flatMap((d) =>
      readdirSync(join(ROOT, d))
        .filter((p) => existsSync(join(ROOT, d, p, 'package.json')))
        .map((p) => `${d}/${p}`),
    );
    expect(workspace).toEqual(expect.arrayContaining(PUBLISHED.map((p) => `packages/${p}`)));
    for (const dir of ['.', 'bench', ...workspace]) {
      expect(manifest(dir).engines, dir).toEqual({ node: '>=20.15' });
    }
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/MIT License[\s\S]*raftkit authors/);
    for (const p of PUBLISHED) {
      const m = manifest(`packages/${p}`);
      expect(m.description, p).toEqual(expect.any(String));
      expect(m.repository, p).toMatchObject({ type: 'git', directory: `packages/${p}` });
      expect(m.license, p).toBe('MIT');
      expect(existsSync(join(ROOT, 'packages', p, 'LICENSE')), p).toBe(true);
    }
  });

  it('the sim and the checker have bin entries that point at built files', () => {
    const { bin } = manifest('packages/sim');
    expect(Object.keys(bin).sort()).toEqual(['raftkit-check-history', 'raftkit-sim']);
    for (const file of Object.values(bin) as string[]) {
      expect(readFileSync(join(ROOT, 'packages/sim', file), 'utf8')).toMatch(/^#!\/usr\/bin\/env node/);
    }
  });

  it('@raftkit/sim is not a production dependency of runtime, and runtime code never imports it', () => {
    const m = manifest('packages/runtime');
    expect(m.dependencies['@raftkit/sim']).toBeUndefined();
    expect(m.devDependencies['@raftkit/sim']).toBeDefined();
    const found = run('grep', ['-rl', '@raftkit/sim', join(ROOT, 'packages/runtime/src')]);
    // grep exits 1 when nothing matches.
    return expect(found).rejects.toMatchObject({ code: 1 });
  });

  it('pnpm pack leaves .tsbuildinfo out and puts LICENSE in', async () => {
    const { stdout } = await run('pnpm', ['pack', '--dry-run', '--json'], {
      cwd: join(ROOT, 'packages/core'),
    });
    const files = (JSON.parse(stdout).files as { path: string }[]).map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('LICENSE');
    expect(files.filter((f) => f.includes('tsbuildinfo'))).toEqual([]);
    for (const p of PUBLISHED) expect(manifest(`packages/${p}`).files, p).toContain('!dist/.tsbuildinfo');
  });

  it('`pnpm -s raftkit ...` prints only the program output on stdout (the build banner goes to stderr)', async () => {
    const { stdout } = await run('pnpm', ['-s', 'raftkit', '--help'], { cwd: ROOT });
    expect(stdout.split('\n')[0]).toBe('usage:');
    expect(stdout).not.toMatch(/turbo|Tasks:|Cached:/);
    for (const script of ['demo', 'sim', 'check-history', 'bench', 'raftkit', 'test']) {
      expect(manifest('.').scripts[script], script).toMatch(/^turbo run build[^&]* 1>&2 && /);
    }
  });
});
