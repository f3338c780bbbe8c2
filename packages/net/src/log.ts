/** Structured logging for @raftkit/net. Hosts plug in their own logger. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface NetLogger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** JSON lines on stderr at or above `minLevel`. */
export function stderrLogger(minLevel: LogLevel = 'info', base: LogFields = {}): NetLogger {
  return {
    log(level, message, fields) {
      if (ORDER[level] < ORDER[minLevel]) return;
      process.stderr.write(
        `${JSON.stringify({ t: new Date().toISOString(), level, msg: message, ...base, ...fields })}\n`,
      );
    },
  };
}

export const silentLogger: NetLogger = { log() {} };

/**
 * Lets at most `perSecond` messages of a kind through per second and reports
 * how many were suppressed, so a flood of bad connections cannot flood the log.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private used = 0;
  private suppressed = 0;

  constructor(
    private readonly logger: NetLogger,
    private readonly perSecond = 20,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  log(level: LogLevel, message: string, fields?: LogFields): void {
    const now = this.clock();
    if (now - this.windowStart >= 1000) {
      if (this.suppressed > 0) {
        this.logger.log('warn', 'log messages suppressed by rate limit', { suppressed: this.suppressed });
      }
      this.windowStart = now;
      this.used = 0;
      this.suppressed = 0;
    }
    if (this.used < this.perSecond) {
      this.used++;
      this.logger.log(level, message, fields);
    } else {
      this.suppressed++;
    }
  }
}
