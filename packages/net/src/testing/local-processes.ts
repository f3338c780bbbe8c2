import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../free-ports.js';

/**
 * The `raftkit` CLI of this package (what `npx raftkit` runs): dist/bin.js
 * beside this module, or, when this module runs from src/ (the workspace's
 * tests alias the package to its sources), the built one in dist/.
 */
export const RAFTKIT_BIN = fileURLToPath(
  existsSync(new URL('../bin.js', import.meta.url))
    ? new URL('../bin.js', import.meta.url)
    : new URL('../../dist/bin.js', import.meta.url),
);

export interface LocalProcessClusterOptions {
  /** Number of nodes (ids n1..nN). Default 3. */
  readonly nodes?: number;
  /** Extra `raftkit node` flags for every node (e.g. `--state-machine ./dist/ledger.js`). */
  readonly args?: readonly string[];
  /** Working directory of the node processes (relative paths in `args` resolve from it). Default: ours. */
  readonly cwd?: string;
  /** Default 'raftkit'. */
  readonly clusterId?: string;
  /** The cluster secret. Default: 32 random bytes, base64. */
  readonly secret?: string;
  /** How long one node may take to listen. Default 20 s. */
  readonly startTimeoutMs?: number;
}

/**
 * N `raftkit node` OS processes on loopback, each with its own data dir in a
 * fresh temp dir and one generated secret: for tests and local trials of an
 * app state machine as separate processes. `kill9` and `restart` play
 * crashes; `close` kills every node and removes the temp dir.
 */
export class LocalProcessCluster {
  readonly ids: readonly string[];
  readonly dir = mkdtempSync(join(tmpdir(), 'raftkit-local-'));
  readonly secretFile = join(this.dir, 'secret');
  /** The cluster secret (in `secretFile` too): what `RaftClient.connect({ secret })` needs. */
  readonly secret: string;
  private readonly procs = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, string[]>();

  private constructor(
    private readonly ports: ReadonlyMap<string, number>,
    private readonly opts: LocalProcessClusterOptions,
  ) {
    this.ids = [...ports.keys()];
    this.secret = opts.secret ?? randomBytes(32).toString('base64');
    writeFileSync(this.secretFile, `${this.secret}\n`, { mode: 0o600 });
  }

  static async start(opts: LocalProcessClusterOptions = {}): Promise<LocalProcessCluster> {
    const n = opts.nodes ?? 3;
    const ports = await freePorts(n);
    const c = new LocalProcessCluster(new Map(ports.map((p, i) => [`n${i + 1}`, p])), opts);
    try {
      await Promise.all(c.ids.map((id) => c.restart(id)));
    } catch (error) {
      await c.close();
      throw error;
    }
    return c;
  }

  get clusterId(): string {
    return this.opts.clusterId ?? 'raftkit';
  }

  address(id: string): string {
    return `127.0.0.1:${this.ports.get(id)}`;
  }

  /** Every node's client address, comma-separated (`--cluster` / `RaftClient.connect({ cluster })`). */
  get seeds(): string {
    return this.ids.map((id) => this.address(id)).join(',');
  }

  /** The flags a `raftkit` client command needs to reach this cluster (through `seeds`, default all nodes). */
  clientArgs(seeds = this.seeds): string[] {
    return ['--cluster', seeds, '--secret-file', this.secretFile, '--cluster-id', this.clusterId];
  }

  /** What node `id` wrote to stdout and stderr so far. */
  log(id: string): string {
    return (this.logs.get(id) ?? []).join('');
  }

  isRunning(id: string): boolean {
    const p = this.procs.get(id);
    return p !== undefined && p.exitCode === null && p.signalCode === null;
  }

  /** Start node `id` (again, on its old data dir after a kill); resolves once it listens. */
  async restart(id: string): Promise<void> {
    if (this.isRunning(id)) throw new Error(`node ${id} is running`);
    const peers = this.ids
      .filter((p) => p !== id)
      .map((p) => `${p}=${this.address(p)}`)
      .join(',');
    const child = spawn(
      process.execPath,
      [
        RAFTKIT_BIN,
        'node',
        '--id',
        id,
        '--listen',
        this.address(id),
        // One node is a cluster of one, said so (a first start must be explicit).
        ...(peers === '' ? ['--single-node'] : ['--peers', peers]),
        '--data',
        join(this.dir, id),
        '--secret-file',
        this.secretFile,
        '--cluster-id',
        this.clusterId,
        '--log-level',
        'warn',
        ...(this.opts.args ?? []),
      ],
      { cwd: this.opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const log: string[] = [];
    this.logs.set(id, log);
    child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    this.procs.set(id, child);
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 20_000);
    while (!log.join('').includes(`${id} listening on`)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`node ${id} exited (${child.exitCode ?? child.signalCode}):\n${log.join('')}`);
      }
      if (Date.now() > deadline) throw new Error(`node ${id} did not listen in time:\n${log.join('')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Send `signal` to node `id` (e.g. SIGSTOP / SIGCONT to pause it). */
  signal(id: string, signal: NodeJS.Signals): void {
    this.procs.get(id)?.kill(signal);
  }

  /** SIGTERM node `id` and wait for its graceful exit; resolves to its exit code. */
  async stop(id: string): Promise<number | null> {
    const child = this.procs.get(id);
    if (!child || !this.isRunning(id)) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    return exited;
  }

  /** SIGKILL node `id` and wait until its process is gone. */
  async kill9(id: string): Promise<void> {
    const child = this.procs.get(id);
    if (!child || !this.isRunning(id)) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  /** Kill every node and remove the temp dir (data and secret). */
  async close(): Promise<void> {
    for (const id of this.ids) await this.kill9(id);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
