/** What a linearizability check reports. Plain data: it crosses worker threads and prints as JSON. */

export type Verdict = 'linearizable' | 'nonLinearizable' | 'unknown';

/** One operation as shown in a report. */
export interface ReportedOperation {
  /** Position in the source history. */
  readonly id: number;
  readonly client: string | number;
  readonly call: number;
  /** null when indeterminate (no known completion). */
  readonly ret: number | null;
  /** The operation and its observed result, e.g. `put x=1`, `get x -> 1`, `cas x 1->2 swapped`. */
  readonly description: string;
}

export interface LinearizedStep extends ReportedOperation {
  /** Model state after this operation. */
  readonly stateAfter: string;
}

export interface BlockedOperation extends ReportedOperation {
  /**
   * `illegal`: the model rejects it in the state after the prefix (e.g. a read that saw a
   * different value). `deadEnd`: the model accepts it but no continuation works.
   */
  readonly reason: 'illegal' | 'deadEnd';
}

/** Why a partition is not linearizable: the search's furthest point and what it could not place. */
export interface Violation {
  /** The partition (e.g. the key). */
  readonly partition: string;
  readonly operationCount: number;
  /** The longest linearizable prefix found, in order (full length; reports usually show the tail). */
  readonly prefix: readonly LinearizedStep[];
  readonly stateAfterPrefix: string;
  /**
   * The operations that could come next after the prefix (invoked before the earliest
   * pending completion) and could not be ordered there.
   */
  readonly blocked: readonly BlockedOperation[];
  /** The pending operation whose completion came first: something must be linearized before it returned. */
  readonly deadline: ReportedOperation | null;
}

export interface PartitionReport {
  readonly partition: string;
  readonly operations: number;
  readonly outcome: 'linearizable' | 'nonLinearizable' | 'budgetExhausted' | 'notChecked';
  readonly steps: number;
}

export interface CheckResult {
  readonly verdict: Verdict;
  readonly model: string;
  readonly operations: number;
  readonly partitions: number;
  /** Partitions whose search ran to a conclusion. */
  readonly partitionsChecked: number;
  readonly steps: number;
  readonly elapsedMs: number;
  readonly partitionReports: readonly PartitionReport[];
  /** Present when the verdict is nonLinearizable. */
  readonly violation?: Violation;
  /** Present when the verdict is unknown: which budget ran out. */
  readonly budgetExhausted?: 'time' | 'steps';
}
