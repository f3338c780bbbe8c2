/**
 * Terminal output of the demo: narration lines that scroll, and (on a TTY) a
 * live block under them with one status line per node and the workload's
 * progress, redrawn in place. Without a TTY the block is printed as plain
 * lines now and then, so logs stay readable.
 */
import type { Writable } from 'node:stream';
import type { DemoHub } from './hub.js';
import type { NarrationLevel, NodeView, WorkloadView } from './model.js';

const useColour = (out: Writable) =>
  Boolean((out as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

export interface Palette {
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  cyan(s: string): string;
  role(role: string | null, s: string): string;
}

export function palette(enabled: boolean): Palette {
  const wrap = (code: string) => (s: string) => (enabled ? `\x1b[${code}m${s}\x1b[0m` : s);
  const p = {
    bold: wrap('1'),
    dim: wrap('2'),
    green: wrap('32'),
    red: wrap('31'),
    yellow: wrap('33'),
    blue: wrap('34'),
    cyan: wrap('36'),
  };
  const roleColour: Record<string, (s: string) => string> = {
    follower: p.blue,
    preCandidate: p.yellow,
    candidate: wrap('38;5;208'),
    leader: p.green,
  };
  return { ...p, role: (role, s) => (role && roleColour[role] ? roleColour[role](s) : p.dim(s)) };
}

export class Terminal {
  readonly c: Palette;
  private readonly live: boolean;
  private statusLines: string[] = [];
  private drawn = 0;
  private lastPlainStatus = 0;

  constructor(
    private readonly out: Writable = process.stdout,
    private readonly startedAt = Date.now(),
  ) {
    this.live = Boolean((out as { isTTY?: boolean }).isTTY);
    this.c = palette(useColour(out));
  }

  elapsed(at = Date.now()): string {
    return `${((at - this.startedAt) / 1000).toFixed(1).padStart(5)}s`;
  }

  /** A line that scrolls (above the live block). */
  log(line: string): void {
    if (this.live) {
      this.clearBlock();
      this.out.write(`${line}\n`);
      this.drawBlock();
    } else {
      this.out.write(`${line}\n`);
    }
  }

  /** Replace the live block. Without a TTY it is printed at most every `plainEveryMs`. */
  setStatus(lines: string[], plainEveryMs = 5000): void {
    this.statusLines = lines;
    if (this.live) {
      this.clearBlock();
      this.drawBlock();
    } else if (Date.now() - this.lastPlainStatus >= plainEveryMs) {
      this.lastPlainStatus = Date.now();
      for (const l of lines) this.out.write(`  ${l}\n`);
    }
  }

  /** Remove the live block for good (before the final report). */
  endStatus(): void {
    if (this.live) this.clearBlock();
    this.statusLines = [];
  }

  private clearBlock(): void {
    if (this.drawn > 0) this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private drawBlock(): void {
    if (this.statusLines.length === 0) return;
    this.out.write(`${this.statusLines.join('\n')}\n`);
    this.drawn = this.statusLines.length;
  }
}

const MARK: Record<NarrationLevel, string> = { step: '▶', info: '·', ok: '✓', fail: '✗' };

/** Narration goes to the terminal and to the page. */
export class Narrator {
  constructor(
    private readonly term: Terminal,
    private readonly hub: DemoHub,
  ) {}

  say(level: NarrationLevel, text: string): void {
    this.hub.narrate(level, text);
    const c = this.term.c;
    const mark = MARK[level];
    const body =
      level === 'step'
        ? c.bold(`${mark} ${text}`)
        : level === 'ok'
          ? `  ${c.green(mark)} ${text}`
          : level === 'fail'
            ? `  ${c.red(mark)} ${c.red(text)}`
            : `  ${c.dim(mark)} ${text}`;
    this.term.log(`${c.dim(`[${this.term.elapsed()}]`)} ${body}`);
  }

  step(text: string): void {
    this.say('step', text);
  }
  info(text: string): void {
    this.say('info', text);
  }
  ok(text: string): void {
    this.say('ok', text);
  }
  fail(text: string): void {
    this.say('fail', text);
  }
}

/** The live block: one line per node, then the workload. */
export function statusBlock(
  c: Palette,
  nodes: readonly NodeView[],
  workload: WorkloadView | null,
  progress: string,
): string[] {
  const lines = [c.dim('─'.repeat(72))];
  for (const n of nodes) {
    const role = n.running ? (n.role ?? 'starting') : 'down';
    lines.push(
      `  ${c.bold(n.id.padEnd(4))} ${c.role(n.running ? n.role : null, role.padEnd(12))} ` +
        `term ${String(n.term).padEnd(4)} leader ${(n.leader ?? '—').padEnd(4)} ` +
        `commit ${String(n.commitIndex).padEnd(6)} applied ${String(n.appliedIndex).padEnd(6)} ` +
        `${n.health === 'up' ? c.dim(n.health) : c.yellow(n.health)}`,
    );
  }
  const w = workload;
  lines.push(
    `  ${c.bold('workload')} ${w ? `${c.green(`${w.ok} ok`)} · ${w.failed} failed · ${w.indeterminate} unknown` : '—'}  ${progress}`,
  );
  return lines;
}

export function progressBar(fraction: number, width = 24): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)} ${String(Math.round(f * 100)).padStart(3)}%`;
}
