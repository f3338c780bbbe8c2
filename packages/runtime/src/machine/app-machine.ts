/**
 * The app-facing state-machine contract: what an application writes to have
 * its own replicated state. The runtime wraps it (session-machine.ts) with
 * client sessions for exactly-once, so an app gets exactly-once by doing
 * nothing. (Core's low-level `StateMachine` over raw log entries stays for
 * advanced use.)
 */

/** Where an applied command sits in the log. Same on every replica. */
export interface ApplyContext {
  readonly index: number;
  readonly term: number;
}

/**
 * An application state machine. Every method must be deterministic: the same
 * commands in the same order give the same state, results and snapshot bytes
 * on every replica (no clocks, no randomness, no I/O).
 */
export interface AppStateMachine<
  Command = unknown,
  Result = unknown,
  Query = unknown,
  QueryResult = unknown,
> {
  /**
   * Apply one committed command; the return value goes back to the proposer.
   * A throw is the command's result (the proposer gets an AppError carrying
   * its message; every replica catches it the same way), so `apply` must
   * check before it mutates: a throw must leave the state unchanged.
   */
  apply(command: Command, ctx: ApplyContext): Result;
  /** Read-only. Served under the consistency the client asks for. */
  query(query: Query): QueryResult;
  /** The whole state as bytes. Equal states must give equal bytes (the hash may be derived from them). */
  snapshot(): Uint8Array;
  /** Replace the whole state with a snapshot's. */
  restore(bytes: Uint8Array): void;
  /**
   * Optional hash of the state (equal states, equal hashes), cheap enough to
   * call at every checkpoint. Without it the runtime derives the hash from
   * `snapshot()` bytes on the side-work pool, at checkpoints only.
   */
  hash?(): string;
}

/** What a state-machine module exports: `(options) => machine`. */
export type AppMachineFactory<M extends AppStateMachine = AppStateMachine, Options = unknown> = (
  options: Options,
) => M;

/**
 * Type a factory (identity at run time). `RaftClient<typeof factory>` then
 * types `command` and `query` from the machine.
 */
export function defineStateMachine<C, R, Q, QR, Options = unknown>(
  factory: (options: Options) => AppStateMachine<C, R, Q, QR>,
): (options: Options) => AppStateMachine<C, R, Q, QR> {
  return factory;
}

/** The machine type of a factory or of a machine. */
type MachineOf<F> = F extends (options: never) => infer M ? M : F;

export type CommandOf<F> =
  MachineOf<F> extends { apply(command: infer C, ctx: never): unknown } ? C : unknown;
export type ResultOf<F> = MachineOf<F> extends { apply(command: never, ctx: never): infer R } ? R : unknown;
export type QueryOf<F> = MachineOf<F> extends { query(q: infer Q): unknown } ? Q : unknown;
export type QueryResultOf<F> = MachineOf<F> extends { query(q: never): infer QR } ? QR : unknown;
