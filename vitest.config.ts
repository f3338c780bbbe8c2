import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// In-thread tests import workspace packages from source; code that runs inside
// worker threads is loaded from each package's built dist/ (vitest does not
// transform worker code), which `pnpm test` builds first.
const src = (p: string) => fileURLToPath(new URL(`./${p}/src/index.ts`, import.meta.url));
const alias = {
  '@raftkit/core/testing': fileURLToPath(new URL('./packages/core/src/testing.ts', import.meta.url)),
  '@raftkit/core': src('packages/core'),
  '@raftkit/sim': src('packages/sim'),
  '@raftkit/runtime': src('packages/runtime'),
  '@raftkit/net': src('packages/net'),
};

const project = (name: string, dir: string, extra: Record<string, unknown> = {}) => ({
  resolve: { alias },
  test: { name, root: dir, include: ['test/**/*.test.ts'], ...extra },
});

export default defineConfig({
  test: {
    projects: [
      project('core', './packages/core'),
      project('sim', './packages/sim', { testTimeout: 120_000 }),
      project('runtime', './packages/runtime', {
        testTimeout: 120_000,
        hookTimeout: 60_000,
        fileParallelism: false,
      }),
      project('net', './packages/net', { testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false }),
      project('demo', './apps/demo', { testTimeout: 180_000, hookTimeout: 120_000, fileParallelism: false }),
      project('torture', './apps/torture', {
        testTimeout: 240_000,
        hookTimeout: 60_000,
        fileParallelism: false,
      }),
      project('example-ledger', './examples/ledger', { testTimeout: 120_000, fileParallelism: false }),
      project('example-lock-service', './examples/lock-service', {
        testTimeout: 120_000,
        fileParallelism: false,
      }),
      // Repository-level checks: README snippets and the commands READMEs give, the packed packages.
      project('repo', '.', { testTimeout: 120_000, fileParallelism: false }),
    ],
  },
});
