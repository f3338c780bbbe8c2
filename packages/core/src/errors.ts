/** Base class of every error @raftkit/core throws: callers can switch on `code`. */
export class RaftError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad configuration (e.g. lease reads without CheckQuorum). */
export class ConfigError extends RaftError {
  /**
   * @param option the option at fault (a RaftConfig / RaftTuning field name),
   *   so that a host can say where it came from (its flag, file key or field)
   */
  constructor(
    message: string,
    readonly option?: string,
  ) {
    super('CONFIG', message);
  }
}

/** A frame that cannot be decoded into a valid message. Never a half-filled message. */
export class DecodeError extends RaftError {
  constructor(
    message: string,
    readonly reason: 'malformed' | 'truncated' | 'oversized' | 'unknownType' | 'invalidField',
  ) {
    super('DECODE', message);
  }
}

/** Storage was asked for an index below its first available (compacted) index. */
export class CompactedError extends RaftError {
  constructor(readonly index: number) {
    super('COMPACTED', `log index ${index} has been compacted`);
  }
}

/** Storage was asked for an index beyond its last index. */
export class UnavailableError extends RaftError {
  constructor(readonly index: number) {
    super('UNAVAILABLE', `log index ${index} is not available`);
  }
}

/** A message or request that cannot be encoded because it is not valid (a bug in the caller). */
export class EncodeError extends RaftError {
  constructor(message: string) {
    super('ENCODE', message);
  }
}

/** A state machine was handed an entry out of order: a host bug that must not pass silently. */
export class OutOfOrderApplyError extends RaftError {
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super('APPLY_ORDER', `expected to apply index ${expected}, got ${got}`);
  }
}

/** A state-machine snapshot that cannot be restored (malformed, truncated or failing its checksum). */
export class InvalidSnapshotError extends RaftError {
  constructor(message: string) {
    super('BAD_SNAPSHOT', message);
  }
}

/** A message handed to `RaftNode.step()` that is not valid for this node; the node's state is unchanged. */
export class InvalidMessageError extends RaftError {
  constructor(
    message: string,
    readonly reason: 'wrongRecipient' | 'invalidField' | 'inconsistentEntries',
  ) {
    super('INVALID_MESSAGE', message);
  }
}

/** An operation only a leader can perform was asked of a non-leader; `leaderHint` says who may lead. */
export class NotLeaderError extends RaftError {
  constructor(
    message: string,
    readonly leaderHint: string | null,
  ) {
    super('NOT_LEADER', message);
  }
}

/** A RaftNode method got an argument it cannot act on (e.g. transfer to a non-voter). Nothing changed. */
export class InvalidArgumentError extends RaftError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** The host broke the Ready protocol (e.g. `ready()` twice without `advance()`). Nothing changed. */
export class UsageError extends RaftError {
  constructor(message: string) {
    super('USAGE', message);
  }
}
