import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * No import cycles in any package's src (not even through type-only
 * imports) and no upward import between the
 * runtime's layers (packages/runtime/README.md, "Layers"), as
 * scripts/import-cycles.mjs finds them.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/import-cycles.mjs');

interface Report {
  readonly dir: string;
  readonly files: number;
  readonly valueCycles: readonly string[];
  readonly typeOnlyCycles: readonly string[];
  readonly upwardImports: readonly string[];
}

function run(...args: string[]): Promise<{ code: number; report: Report[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [SCRIPT, '--json', ...args], { cwd: ROOT }, (err, stdout) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      try {
        resolve({ code, report: JSON.parse(stdout) as Report[] });
      } catch (e) {
        reject(e);
      }
    });
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'raftkit-cycles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('import cycles', () => {
  it('no package has an import cycle, and the runtime imports no layer above its own', async () => {
    const { code, report } = await run();
    expect(report.map((r) => r.dir)).toEqual(
      expect.arrayContaining(['packages/core/src', 'packages/runtime/src']),
    );
    for (const r of report) {
      expect(r.files).toBeGreaterThan(0);
      expect({
        dir: r.dir,
        cycles: r.valueCycles,
        typeOnly: r.typeOnlyCycles,
        upward: r.upwardImports,
      }).toEqual({
        dir: r.dir,
        cycles: [],
        typeOnly: [],
        upward: [],
      });
    }
    expect(code).toBe(0);
  });

  it('finds a cycle, telling a type-only one apart', async () => {
    writeFileSync(join(scratch, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b;\n");
    writeFileSync(
      join(scratch, 'b.ts'),
      "import type { C } from './c.js';\nexport const b = 1;\nexport type B = C;\n",
    );
    writeFileSync(join(scratch, 'c.ts'), "import { type B } from './b.js';\nexport type C = B;\n");
    const { code, report } = await run(scratch);
    expect(report[0].valueCycles).toEqual([]);
    expect(report[0].typeOnlyCycles).toEqual(['b.ts -> c.ts -> b.ts']);
    expect(code).toBe(0);
    writeFileSync(join(scratch, 'b.ts'), "import { c } from './c.js';\nexport const b = c;\n");
    writeFileSync(join(scratch, 'c.ts'), "import { a } from './a.js';\nexport const c = a;\n");
    const cyclic = await run(scratch);
    expect(cyclic.report[0].valueCycles).toEqual(['a.ts -> b.ts -> c.ts -> a.ts']);
    expect(cyclic.code).toBe(1);
  });
});
