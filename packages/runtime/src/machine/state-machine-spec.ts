import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { KvStateMachine, type StateMachine } from '@raftkit/core';
import { InvalidRequestError } from '../errors.js';
import type { AppStateMachine } from './app-machine.js';
import { type ApplyErrorPolicy, SessionMachine } from './session-machine.js';

/**
 * Which state machine an actor runs: the built-in KV store, or a module whose
 * export is a factory `(options) => machine` (loaded inside the worker and in
 * side-work threads, so it must be plain JavaScript importable by Node). The
 * machine is either an app machine (`apply(command, ctx)`, `query`,
 * `snapshot`, `restore`, `hash?`: the runtime adds sessions) or a low-level
 * core `StateMachine` over raw entries (`appliedIndex`, `apply(entry)`, ...).
 */
export type StateMachineSpec =
  | 'kv'
  | {
      /** File path (relative: from the current directory) or file: URL of an ES module. */
      readonly module: string;
      /** Export holding the factory. Default 'default'. */
      readonly export?: string;
      /** Passed to the factory (must be structured-cloneable). */
      readonly options?: unknown;
      /** App machines: client sessions kept (least recently used evicted, deterministically). Default 10_000. */
      readonly maxSessions?: number;
      /**
       * App machines: what a throwing `apply` does. 'reject' (default): the throw
       * is the command's result, the node goes on. 'halt': the node stops in a
       * `failed` state with an alert (for machines that cannot promise a throw
       * leaves their state unchanged).
       */
      readonly onApplyError?: ApplyErrorPolicy;
    };

/** A state machine as the runtime uses it: `get` enables `read(key)`, `query` enables `query(q)`. */
export interface RuntimeStateMachine extends StateMachine {
  get?(key: string): unknown;
  query?(q: unknown): unknown;
  /** true: hash() is a digest of snapshot() (see snapshot-digest.ts), not maintained incrementally. */
  readonly derivesHash?: boolean;
}

/**
 * Check a spec and make its module path absolute (relative paths resolve from
 * `cwd`), then load the module and build one machine to see that the export
 * is a factory returning a machine. Runs on the main thread before any worker
 * starts, so a bad spec fails createCluster with a message naming the module
 * and the nodes (`nodes`) that were to run it.
 */
export async function validateStateMachineSpec(
  spec: unknown,
  cwd: string = process.cwd(),
  nodes: readonly string[] = [],
): Promise<StateMachineSpec> {
  if (spec === undefined || spec === 'kv') return 'kv';
  if (
    typeof spec !== 'object' ||
    spec === null ||
    typeof (spec as { module?: unknown }).module !== 'string'
  ) {
    throw new InvalidRequestError(
      `stateMachine must be 'kv' or { module, export?, options? }, got ${JSON.stringify(spec)}`,
    );
  }
  const s = spec as Exclude<StateMachineSpec, 'kv'>;
  if (s.module.length === 0) throw new InvalidRequestError('stateMachine.module is empty');
  if (s.export !== undefined && (typeof s.export !== 'string' || s.export.length === 0)) {
    throw new InvalidRequestError(
      `stateMachine.export must be a non-empty string, got ${JSON.stringify(s.export)}`,
    );
  }
  if (s.maxSessions !== undefined && !(Number.isSafeInteger(s.maxSessions) && s.maxSessions >= 1)) {
    throw new InvalidRequestError(`stateMachine.maxSessions must be an integer >= 1, got ${s.maxSessions}`);
  }
  if (s.onApplyError !== undefined && s.onApplyError !== 'reject' && s.onApplyError !== 'halt') {
    throw new InvalidRequestError(
      `stateMachine.onApplyError must be 'reject' or 'halt', got ${JSON.stringify(s.onApplyError)}`,
    );
  }
  try {
    structuredClone(s.options);
  } catch (err) {
    throw new InvalidRequestError(
      `stateMachine.options must be structured-cloneable: ${(err as Error).message}`,
    );
  }
  const path = s.module.startsWith('file:') ? fileURLToPath(s.module) : resolve(cwd, s.module);
  if (!existsSync(path)) {
    const from = s.module.startsWith('file:') || isAbsolute(s.module) ? '' : ` (relative to ${cwd})`;
    throw new InvalidRequestError(
      `stateMachine module ${s.module}${forNodes(nodes)}: no such file ${path}${from}`,
    );
  }
  const resolved = { ...s, module: path };
  await createStateMachine(resolved, nodes.join(','));
  return resolved;
}

function forNodes(nodes: readonly string[]): string {
  if (nodes.length === 0) return '';
  return ` (node${nodes.length > 1 ? 's' : ''} ${nodes.join(',')})`;
}

/** Load the spec's module and build its machine (app machines wrapped in sessions). `node` names the caller in errors. */
export async function createStateMachine(
  spec: StateMachineSpec,
  node?: string,
): Promise<RuntimeStateMachine> {
  if (spec === 'kv') return new KvStateMachine();
  const where = `state machine module ${spec.module}${forNodes(node ? node.split(',') : [])}`;
  const url = spec.module.startsWith('file:') ? spec.module : pathToFileURL(resolve(spec.module)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidRequestError(`${where} failed to load: ${(err as Error).message}`);
  }
  const name = spec.export ?? 'default';
  const factory = mod[name];
  if (typeof factory !== 'function') {
    const has = Object.keys(mod).join(', ') || 'nothing';
    throw new InvalidRequestError(`${where} has no factory export '${name}' (it exports ${has})`);
  }
  let sm: unknown;
  try {
    // An async factory (one that loads something first) is fine: it runs before the node starts.
    sm = await (factory as (o: unknown) => unknown)(spec.options);
  } catch (err) {
    throw new InvalidRequestError(`${where}: the factory '${name}' threw: ${(err as Error).message}`);
  }
  if (isAppMachine(sm)) {
    return new SessionMachine(sm, { maxSessions: spec.maxSessions, onApplyError: spec.onApplyError });
  }
  if (isLowLevelMachine(sm)) return sm;
  throw new InvalidRequestError(
    `${where}: the factory '${name}' returned neither an app machine ` +
      '{ apply(command, ctx), query(q), snapshot(), restore(bytes), hash?() } nor a low-level ' +
      `StateMachine { appliedIndex, apply(entry), snapshot(), restore(bytes), hash() }${missing(sm)}`,
  );
}

function fn(o: object, name: string): boolean {
  return typeof (o as Record<string, unknown>)[name] === 'function';
}

function isAppMachine(sm: unknown): sm is AppStateMachine {
  if (typeof sm !== 'object' || sm === null) return false;
  return ['apply', 'query', 'snapshot', 'restore'].every((m) => fn(sm, m)) && !('appliedIndex' in sm);
}

function isLowLevelMachine(sm: unknown): sm is RuntimeStateMachine {
  if (typeof sm !== 'object' || sm === null) return false;
  return 'appliedIndex' in sm && ['apply', 'snapshot', 'restore', 'hash'].every((m) => fn(sm, m));
}

function missing(sm: unknown): string {
  if (typeof sm !== 'object' || sm === null) return ` (got ${sm === null ? 'null' : typeof sm})`;
  const absent = ['apply', 'query', 'snapshot', 'restore'].filter((m) => !fn(sm, m));
  return absent.length > 0 ? ` (missing: ${absent.join(', ')})` : '';
}
