#!/usr/bin/env node
/**
 * Import cycles inside each package's `src/`: a depth-first search over the
 * relative imports of every .ts file. Type-only imports (`import type`,
 * `export type`, or every name marked `type`) vanish from the JavaScript, so
 * they are counted apart: a cycle through one of them is harmless at run time
 * but still ties two modules' meanings together.
 *
 * A package whose folders are layered (LAYERS below, written in its README)
 * is also checked for upward imports: a file may import its own layer and
 * the layers below it, never one above.
 *
 * Usage: node scripts/import-cycles.mjs [--json] [DIR...]
 * (default DIRs: packages/* /src and apps/* /src). Prints each cycle as a
 * path of files and each upward import; exits 1 when any value (run-time)
 * cycle or upward import exists.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Layers of a package's src, bottom first: a layer is a list of folders or
 * top-level files (packages/runtime/README.md, "Layers").
 */
const LAYERS = {
  'packages/runtime/src': [
    ['errors.ts', 'error-wire.ts', 'paths.ts', 'rng.ts', 'wait-for.ts', 'backoff.ts'],
    ['machine'],
    ['snapshot'],
    ['storage'],
    ['transport'],
    ['side-work'],
    ['control'],
    ['actor'],
    ['client'],
    ['cluster'],
    ['index.ts', 'worker.ts'],
  ],
};

const { values, positionals } = parseArgs({
  options: { json: { type: 'boolean', default: false } },
  allowPositionals: true,
});
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const dirs =
  positionals.length > 0
    ? positionals.map((d) => resolve(d))
    : ['packages', 'apps'].flatMap((group) =>
        readdirSync(join(root, group))
          .map((name) => join(root, group, name, 'src'))
          .filter((d) => existsSync(d)),
      );

function tsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

// `import ... from '...'`, `export ... from '...'`, `import '...'`, `import('...')`.
const STATEMENT = /(?:^|[;\n])\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
const BARE = /(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g;
const DYNAMIC = /import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** True when every imported name carries `type` (`import { type A, type B }`). */
function allNamesTyped(clause) {
  const braces = clause.match(/^\{([\s\S]*)\}$/);
  if (!braces) return false;
  const names = braces[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length > 0 && names.every((n) => n.startsWith('type '));
}

function resolveImport(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** Edges of one file: [{ to, typeOnly }] (a file imported both ways counts as a value import). */
function edgesOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
  const found = new Map();
  const add = (spec, typeOnly) => {
    const to = resolveImport(file, spec);
    if (to) found.set(to, (found.get(to) ?? true) && typeOnly);
  };
  for (const m of text.matchAll(STATEMENT)) add(m[4], m[2] !== undefined || allNamesTyped(m[3].trim()));
  for (const m of text.matchAll(BARE)) add(m[1], false);
  for (const m of text.matchAll(DYNAMIC)) add(m[1], false);
  return [...found].map(([to, typeOnly]) => ({ to, typeOnly }));
}

/** Every elementary cycle found by a DFS (one per back edge), as file paths. */
function cycles(graph, includeTypeOnly) {
  const state = new Map(); // undefined: unseen, 1: on the stack, 2: done
  const stack = [];
  const out = [];
  const visit = (node) => {
    state.set(node, 1);
    stack.push(node);
    for (const { to, typeOnly } of graph.get(node) ?? []) {
      if (typeOnly && !includeTypeOnly) continue;
      if (state.get(to) === 1) out.push([...stack.slice(stack.indexOf(to)), to]);
      else if (state.get(to) === undefined) visit(to);
    }
    stack.pop();
    state.set(node, 2);
  };
  for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node);
  return out;
}

/** Imports from a lower layer to a higher one, as 'from -> to' (type-only ones marked). */
function upwardImports(dir, graph, layers) {
  const layerOf = (file) => {
    const unit = relative(dir, file).split('/')[0];
    const at = layers.findIndex((layer) => layer.includes(unit));
    if (at < 0) throw new Error(`${relative(root, file)}: ${unit} is in no layer of ${relative(root, dir)}`);
    return at;
  };
  const out = [];
  for (const [from, edges] of graph) {
    for (const { to, typeOnly } of edges) {
      if (layerOf(to) > layerOf(from)) {
        out.push(`${relative(dir, from)} -> ${relative(dir, to)}${typeOnly ? ' (type-only)' : ''}`);
      }
    }
  }
  return out.sort();
}

const report = dirs.map((dir) => {
  const graph = new Map(tsFiles(dir).map((f) => [f, edgesOf(f)]));
  const name = relative(root, dir);
  const show = (cycle) => cycle.map((f) => relative(dir, f)).join(' -> ');
  const value = cycles(graph, false).map(show);
  const all = cycles(graph, true).map(show);
  const layers = Object.entries(LAYERS).find(([suffix]) => dir.endsWith(suffix))?.[1];
  return {
    dir: name,
    files: graph.size,
    valueCycles: value,
    typeOnlyCycles: all.filter((c) => !value.includes(c)),
    upwardImports: layers ? upwardImports(dir, graph, layers) : [],
  };
});

if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  for (const r of report) {
    process.stdout.write(
      `${r.dir}: ${r.files} files, ${r.valueCycles.length} value cycles, ${r.typeOnlyCycles.length} more through type-only imports\n`,
    );
    for (const c of r.valueCycles) process.stdout.write(`  value: ${c}\n`);
    for (const c of r.typeOnlyCycles) process.stdout.write(`  type:  ${c}\n`);
    if (r.upwardImports.length > 0) process.stdout.write(`  ${r.upwardImports.length} upward imports\n`);
    for (const u of r.upwardImports) process.stdout.write(`  upward: ${u}\n`);
  }
}
process.exitCode = report.some((r) => r.valueCycles.length > 0 || r.upwardImports.length > 0) ? 1 : 0;
