/**
 * Pacing for work that costs O(state): a snapshot (serialize the whole state
 * machine on the actor, compress it, store it) or a full state-hash check.
 * Run on a fixed count of entries, such work costs more per write the larger
 * the state grows (a 1M-key store would serialize ~110 MB every 10k writes).
 * Paced, it runs again only once the entry bytes applied since it last ran
 * reach `ratio` x the size of the state it last covered: its cost per applied
 * byte stays below (1 / ratio) x its cost per state byte, whatever the size.
 * The price: up to `ratio` x the state's size of log is kept and replayed
 * at a restart. ratio 0: no pacing. A state under `minStateBytes` is not
 * paced: its snapshot costs milliseconds, and small stores (tests, drills)
 * keep the plain entry-count cadence.
 */
/** States smaller than this (serialized) are not paced. */
export const PACED_FROM_STATE_BYTES = 1024 * 1024;

export class StatePace {
  /** Entry bytes applied when the work last ran. */
  private ranAt = 0;
  /** Size of the state it covered then (0: never ran; the first run is not held back). */
  private stateBytes = 0;

  constructor(
    private readonly ratio: number,
    private readonly minStateBytes = PACED_FROM_STATE_BYTES,
  ) {}

  /** True when enough was applied since the last run (`appliedBytes`: a running total). */
  due(appliedBytes: number): boolean {
    if (this.ratio <= 0 || this.stateBytes < this.minStateBytes) return true;
    return appliedBytes - this.ranAt >= this.ratio * this.stateBytes;
  }

  /** The work ran (or a state of `stateBytes` was restored) when `appliedBytes` had been applied. */
  ran(appliedBytes: number, stateBytes: number): void {
    this.ranAt = appliedBytes;
    this.stateBytes = stateBytes;
  }
}
