/**
 * The run's event trace. When enabled it keeps one line per event (for
 * `--trace`); always it folds every event into a 32-bit digest, so that two
 * runs of a seed can be compared cheaply even when no text is kept.
 */

export class Trace {
  readonly lines: string[] = [];
  private h = 0x811c9dc5;

  constructor(readonly enabled: boolean) {}

  /** Folds a numeric event signature into the digest (always, cheap). */
  fold(a: number, b: number, c: number): void {
    let h = this.h;
    h = Math.imul(h ^ (a | 0), 0x01000193);
    h = Math.imul(h ^ ((a / 0x1_0000_0000) | 0), 0x01000193);
    h = Math.imul(h ^ (b | 0), 0x01000193);
    h = Math.imul(h ^ (c | 0), 0x01000193);
    this.h = h;
  }

  /** Records a line when enabled; `text` is only built when it is (pass a function). */
  log(time: number, text: () => string): void {
    if (this.enabled) this.lines.push(`${formatTime(time)} ${text()}`);
  }

  get digest(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}

/** Virtual microseconds as milliseconds with three decimals, fixed width. */
export function formatTime(us: number): string {
  const ms = Math.floor(us / 1000);
  const frac = String(us % 1000).padStart(3, '0');
  return `${String(ms).padStart(7, ' ')}.${frac}ms`;
}
