/** A history that cannot be read or is not well formed. Says where, and never yields a partial history. */
export class HistoryFormatError extends Error {
  readonly code = 'HISTORY_FORMAT';
  constructor(
    message: string,
    /** 1-based line in the source, when known. */
    readonly line?: number,
    readonly format?: string,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'HistoryFormatError';
  }
}

/** A recorder used out of order (completing twice, a second op from a busy client, ...). */
export class HistoryRecorderError extends Error {
  readonly code = 'HISTORY_RECORDER';
  constructor(message: string) {
    super(message);
    this.name = 'HistoryRecorderError';
  }
}
