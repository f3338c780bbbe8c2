import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, rmSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A clock for one node process under libfaketime: a wall-clock offset and a rate (1 = real speed). */
export interface ClockSkew {
  readonly offsetS: number;
  readonly rate: number;
}

/** How long a SIGTERMed node may take to stop before it gets SIGKILL. */
const GRACEFUL_STOP_MS = 15_000;

export const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** A safety alert a node logged (one JSON line on stderr, level error). */
export interface LoggedAlert {
  readonly node: string;
  readonly kind: string;
  readonly message: string;
}

/** A node process that ended without the harness asking it to. */
export interface UnexpectedExit {
  readonly node: string;
  readonly code: number | null;
  readonly signal: string | null;
  readonly at: number;
}

export interface NodeProcessesOptions {
  /** `packages/net/dist/bin.js`. */
  readonly bin: string;
  readonly dir: string;
  readonly secretFile: string;
  readonly clusterId: string;
  readonly ports: ReadonlyMap<string, number>;
  /** The address the other nodes reach node `id` at (its fault proxy): their `--peers` entry and its `--advertise`. */
  readonly peerAddress: (id: string) => string;
  readonly nodeArgs: readonly string[];
  readonly onExit?: (exit: UnexpectedExit) => void;
}

/**
 * The `raftkit node` OS processes of the harness: start (optionally under a
 * skewed clock), kill -9, SIGSTOP / SIGCONT, SIGTERM. Each node's output is
 * appended to `<dir>/<id>.log`; lines that report a safety alert are kept.
 */
export class NodeProcesses {
  private readonly procs = new Map<string, ChildProcess>();
  private readonly paused = new Set<string>();
  private readonly expectedExit = new Set<ChildProcess>();
  /** Processes started per node id, wipes included: the incarnation the harness's monitor sees. */
  private readonly starts = new Map<string, number>();
  /** Nodes whose data dir was wiped: they may only come back as new members (`--join`). */
  private readonly wiped = new Set<string>();
  private readonly logs = new Map<string, WriteStream>();
  readonly alerts: LoggedAlert[] = [];
  readonly ids: string[];

  constructor(private readonly opts: NodeProcessesOptions) {
    this.ids = [...opts.ports.keys()];
  }

  address(id: string): string {
    return `127.0.0.1:${this.opts.ports.get(id)}`;
  }

  logFile(id: string): string {
    return join(this.opts.dir, `${id}.log`);
  }

  isRunning(id: string): boolean {
    return this.procs.has(id);
  }

  isPaused(id: string): boolean {
    return this.paused.has(id);
  }

  /**
   * Spawn the node and resolve once it listens (rejects if it exits first or
   * takes over `timeoutMs`). `join`: start it as a new learner of the running
   * cluster (`--join` these client addresses, `--learner`) instead of `--peers`.
   */
  async start(
    id: string,
    opts: { clock?: ClockSkew; join?: string } = {},
    timeoutMs = 30_000,
  ): Promise<void> {
    if (this.procs.has(id)) throw new Error(`${id} is already running`);
    const { clock, join: seeds } = opts;
    // Started empty with --peers it would be a fresh voter under an old identity (it could vote twice).
    if (this.wiped.has(id) && !seeds)
      throw new Error(`${id} lost its data: it can only come back with --join`);
    const peers = this.ids
      .filter((p) => p !== id)
      .map((p) => `${p}=${this.opts.peerAddress(p)}`)
      .join(',');
    const args = [
      this.opts.bin,
      'node',
      '--id',
      id,
      '--listen',
      this.address(id),
      ...(seeds ? ['--join', seeds, '--learner'] : ['--peers', peers]),
      '--advertise',
      this.opts.peerAddress(id),
      '--data',
      this.dataDir(id),
      '--secret-file',
      this.opts.secretFile,
      '--cluster-id',
      this.opts.clusterId,
      ...this.opts.nodeArgs,
    ];
    const env = { ...process.env };
    if (clock) {
      env.LD_PRELOAD = FAKETIME_LIB;
      env.FAKETIME = `${clock.offsetS >= 0 ? '+' : ''}${clock.offsetS}s x${clock.rate}`;
    }
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.starts.set(id, this.incarnation(id) + 1);
    this.procs.set(id, child);
    let log = this.logs.get(id);
    if (!log) {
      log = createWriteStream(this.logFile(id), { flags: 'a' });
      this.logs.set(id, log);
    }
    const sink = log;
    sink.write(`--- start ${new Date().toISOString()}${clock ? ` FAKETIME=${env.FAKETIME}` : ''}\n`);
    let listening = false;
    let lastError = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${id} did not listen within ${timeoutMs} ms`)),
        timeoutMs,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        sink.write(`${line}\n`);
        if (!listening && line.includes(`${id} listening on`)) {
          listening = true;
          this.wiped.delete(id);
          clearTimeout(timer);
          resolve();
        }
      });
      createInterface({ input: child.stderr! }).on('line', (line) => {
        sink.write(`${line}\n`);
        if (line.startsWith('error:')) lastError = line;
        const alert = safetyAlert(id, line);
        if (alert) this.alerts.push(alert);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.procs.get(id) === child) this.procs.delete(id);
        this.paused.delete(id);
        sink.write(`--- exit code ${code} signal ${signal}\n`);
        if (!this.expectedExit.has(child)) {
          this.opts.onExit?.({ node: id, code, signal, at: performance.now() });
        }
        if (!listening)
          reject(
            new Error(
              `${id} exited (code ${code}, signal ${signal}) before listening${lastError ? `: ${lastError}` : ''}; see ${this.logFile(id)}`,
            ),
          );
      });
    });
    await ready;
  }

  /** kill -9; resolves when the process is gone. */
  async kill(id: string): Promise<void> {
    await this.end(id, 'SIGKILL');
  }

  /** SIGTERM (graceful stop); resolves when the process is gone. */
  async stop(id: string): Promise<void> {
    this.resume(id);
    await this.end(id, 'SIGTERM');
  }

  /** The node is about to exit by itself (e.g. removed from the cluster): not a crash. `false` takes it back. */
  expectExit(id: string, expected = true): void {
    const child = this.procs.get(id);
    if (!child) return;
    if (expected) this.expectedExit.add(child);
    else this.expectedExit.delete(child);
  }

  /** Resolves true once the node's process is gone, false after `timeoutMs`. */
  async exited(id: string, timeoutMs: number): Promise<boolean> {
    const child = this.procs.get(id);
    if (!child) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Delete the node's data dir (it must not be running): it can come back only as a new member. */
  wipe(id: string): void {
    if (this.procs.has(id)) throw new Error(`${id} is running`);
    rmSync(this.dataDir(id), { recursive: true, force: true });
    this.wiped.add(id);
  }

  /**
   * How many processes of node `id` were started. The node's own `epoch`
   * counts starts of its data dir, which begins again at 0 when the dir is
   * wiped; this one never goes back.
   */
  incarnation(id: string): number {
    return this.starts.get(id) ?? 0;
  }

  wasWiped(id: string): boolean {
    return this.wiped.has(id);
  }

  dataDir(id: string): string {
    return join(this.opts.dir, 'data', id);
  }

  pause(id: string): void {
    const child = this.procs.get(id);
    if (!child) return;
    child.kill('SIGSTOP');
    this.paused.add(id);
  }

  resume(id: string): void {
    const child = this.procs.get(id);
    if (!child || !this.paused.has(id)) return;
    child.kill('SIGCONT');
    this.paused.delete(id);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.procs.keys()].map((id) => this.kill(id)));
    await Promise.all([...this.logs.values()].map((s) => new Promise((r) => s.end(r))));
  }

  private async end(id: string, signal: NodeJS.Signals): Promise<void> {
    const child = this.procs.get(id);
    if (!child) return;
    this.expectedExit.add(child);
    const gone = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    if (signal === 'SIGKILL') this.paused.delete(id);
    // A graceful stop that hangs is ended the hard way (the harness must go on).
    const hard = signal === 'SIGKILL' ? null : setTimeout(() => child.kill('SIGKILL'), GRACEFUL_STOP_MS);
    await gone;
    if (hard) clearTimeout(hard);
  }
}

/** The alert in a node's JSON log line when it is a safety alert, else null. */
export function safetyAlert(node: string, line: string): LoggedAlert | null {
  if (!line.includes('"safety"')) return null;
  try {
    const entry = JSON.parse(line) as {
      severity?: string;
      kind?: string;
      msg?: string;
      alert?: { message?: string };
    };
    if (entry.severity !== 'safety') return null;
    return { node, kind: String(entry.kind), message: entry.alert?.message ?? entry.msg ?? line };
  } catch {
    return null;
  }
}

export function faketimeAvailable(): boolean {
  return existsSync(FAKETIME_LIB);
}
