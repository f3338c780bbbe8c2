/**
 * Files that run in other threads are always loaded from the built dist/
 * (vitest does not transform worker code). This file sits directly in src/
 * so `../dist/...` resolves from both src/paths.ts and dist/paths.js.
 */
export const ACTOR_WORKER_URL = new URL('../dist/worker.js', import.meta.url);
export const SIDE_TASKS_URL = new URL('../dist/side-work/tasks.js', import.meta.url);
