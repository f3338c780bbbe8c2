// PLACEHOLDER: public surface of the KV state machine. The implementation replaces the bodies.
import type { StateMachine } from './state-machine.js';
import type { Entry } from './types.js';

export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  /** expected === null means "swap only if absent". */
  | { readonly op: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string }
  | { readonly op: 'append'; readonly key: string; readonly value: string };

/** Client session for exactly-once: a retried (clientId, seq) returns the first result, applies nothing. */
export interface KvSession {
  readonly clientId: string;
  readonly seq: number;
}

export interface KvRequest {
  readonly cmd: KvCommand;
  readonly session?: KvSession;
}

export type KvResult =
  /** put/delete/append: previous value (null when absent). cas: whether it swapped and the value before. */
  | { readonly ok: true; readonly op: 'put' | 'delete' | 'append'; readonly prev: string | null }
  | { readonly ok: true; readonly op: 'cas'; readonly swapped: boolean; readonly prev: string | null }
  /** The request could not be decoded or its session seq is older than the session's last (stale retry). */
  | { readonly ok: false; readonly error: 'badRequest' | 'staleSession'; readonly message: string };

export function encodeKvRequest(_req: KvRequest): Uint8Array {
  throw new Error('not implemented');
}
export function decodeKvRequest(_data: Uint8Array): KvRequest {
  throw new Error('not implemented');
}

export interface KvStateMachineOptions {
  /** Max client sessions kept (oldest by last use are evicted, deterministically). Default 10_000. */
  readonly maxSessions?: number;
}

export class KvStateMachine implements StateMachine<KvResult | null> {
  constructor(_opts?: KvStateMachineOptions) {}
  get appliedIndex(): number {
    return 0;
  }
  /** Returns null for entries that carry no command (NoOp, ConfChange). */
  apply(_entry: Entry): KvResult | null {
    return null;
  }
  /** Local read of the applied state (serve after a ReadIndex/lease confirmation). */
  get(_key: string): string | undefined {
    return undefined;
  }
  get size(): number {
    return 0;
  }
  snapshot(): Uint8Array {
    return new Uint8Array();
  }
  restore(_data: Uint8Array): void {}
  hash(): string {
    return '';
  }
}
