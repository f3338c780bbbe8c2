import type { Entry } from './types.js';

/**
 * A replicated state machine driven by committed entries. Deterministic:
 * the same entries applied in the same order give the same state and hash.
 */
export interface StateMachine<Result = unknown> {
  /** Index of the last entry applied (or restored from a snapshot). */
  readonly appliedIndex: number;
  /**
   * Apply one committed entry. Every committed entry is passed in order
   * (NoOp and ConfChange entries too, so appliedIndex advances); only
   * Normal entries change state. Returns the result for the proposer.
   */
  apply(entry: Entry): Result;
  /** Serialize the whole state (including client sessions and appliedIndex). */
  snapshot(): Uint8Array;
  /** Replace the whole state with a snapshot's. Throws on malformed input, leaving the old state. */
  restore(data: Uint8Array): void;
  /** Hash of the applied state, maintained incrementally; equal states have equal hashes. */
  hash(): string;
}
