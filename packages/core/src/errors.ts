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
  constructor(message: string) {
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
