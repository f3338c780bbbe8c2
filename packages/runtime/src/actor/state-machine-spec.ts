import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KvStateMachine, type StateMachine } from '@raftkit/core';
import { InvalidRequestError } from '../errors.js';

/**
 * Which state machine an actor runs: the built-in KV store, or a module that
 * exports a factory `(options) => StateMachine` (loaded inside the worker and
 * in side-work threads, so it must be plain JavaScript importable by Node).
 */
export type StateMachineSpec =
  | 'kv'
  | {
      /** Absolute file path or file: URL of an ES module. */
      readonly module: string;
      /** Export holding the factory. Default 'default'. */
      readonly export?: string;
      /** Passed to the factory (must be structured-cloneable). */
      readonly options?: unknown;
    };

/** A state machine as the runtime uses it; `get` enables `read(key)`. */
export interface RuntimeStateMachine extends StateMachine {
  get?(key: string): unknown;
}

export async function createStateMachine(spec: StateMachineSpec): Promise<RuntimeStateMachine> {
  if (spec === 'kv') return new KvStateMachine();
  const url =
    spec.module.startsWith('file:') || !isAbsolute(spec.module)
      ? spec.module
      : pathToFileURL(spec.module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const factory = mod[spec.export ?? 'default'];
  if (typeof factory !== 'function') {
    throw new InvalidRequestError(
      `state machine module ${spec.module} has no factory export '${spec.export ?? 'default'}'`,
    );
  }
  const sm = (factory as (o: unknown) => RuntimeStateMachine)(spec.options);
  if (
    !sm ||
    typeof sm.apply !== 'function' ||
    typeof sm.hash !== 'function' ||
    typeof sm.snapshot !== 'function'
  ) {
    throw new InvalidRequestError(`state machine factory of ${spec.module} did not return a StateMachine`);
  }
  return sm;
}
