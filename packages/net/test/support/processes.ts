import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify as stringifyYaml } from 'yaml';
import { isBooleanFlag } from '../../src/cli/args.js';
import { RaftClient, type RaftClientOptions } from '../../src/index.js';
import { freePorts, SECRET } from './cluster.js';
import { waitFor } from './wait.js';

export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the `raftkit` CLI (dist/bin.js) to completion; `input` is written to its stdin. */
export function runCli(args: string[], timeoutMs = 30_000, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 99) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Three (or n) `raftkit node` OS processes on loopback, each with its own data dir. */
export class ProcessCluster {
  readonly procs = new Map<string, ChildProcess>();
  readonly logs = new Map<string, string[]>();
  readonly dir = mkdtempSync(join(tmpdir(), 'raftkit-procs-'));
  readonly secretFile = join(this.dir, 'secret');
  private readonly clients: RaftClient[] = [];

  private constructor(
    readonly ids: string[],
    readonly ports: Map<string, number>,
    private readonly extraArgs: string[],
  ) {
    writeFileSync(this.secretFile, `${SECRET}\n`, { mode: 0o600 });
  }

  /**
   * Start n nodes (ids `<prefix>1..<prefix>n`). `beforeStart` runs once the
   * ports and dirs are known, before any node starts (e.g. to seed data dirs).
   */
  static async start(
    n = 3,
    extraArgs: string[] = [],
    opts: {
      prefix?: string;
      beforeStart?: (c: ProcessCluster) => Promise<void>;
      /** Start every node with `raftkit node --config FILE` (its flags written as JSON or YAML). */
      configFiles?: 'json' | 'yaml';
      /** Flags and environment of one node at its first start (e.g. a priority, libfaketime). */
      perNode?: (id: string) => { extraArgs?: string[]; env?: NodeJS.ProcessEnv };
    } = {},
  ): Promise<ProcessCluster> {
    const ids = Array.from({ length: n }, (_, i) => `${opts.prefix ?? 'n'}${i + 1}`);
    const ports = await freePorts(n);
    const c = new ProcessCluster(ids, new Map(ids.map((id, i) => [id, ports[i]])), extraArgs);
    c.configFiles = opts.configFiles ?? null;
    await opts.beforeStart?.(c);
    await Promise.all(
      ids.map((id) => {
        const own = opts.perNode?.(id);
        return c.startNode(id, undefined, own?.extraArgs, own?.env);
      }),
    );
    return c;
  }

  /** Nodes start from a config file of this format instead of flags. */
  private configFiles: 'json' | 'yaml' | null = null;

  /** The data dir of node `id`. */
  dataDir(id: string): string {
    return join(this.dir, id);
  }

  /** `--peers` of node `id`: every other node of `ids`. */
  peersOf(id: string): string {
    return this.ids
      .filter((p) => p !== id)
      .map((p) => `${p}=${this.address(p)}`)
      .join(',');
  }

  address(id: string): string {
    return `127.0.0.1:${this.ports.get(id)}`;
  }

  get seeds(): string {
    return this.ids.map((id) => this.address(id)).join(',');
  }

  /** Client flags for the CLI. */
  clientArgs(seeds = this.seeds): string[] {
    return ['--cluster', seeds, '--secret-file', this.secretFile, '--cluster-id', 'test'];
  }

  /**
   * The `raftkit node` arguments of `id` (its own address unless `listen` says
   * otherwise). It is told every other node with `--peers`; `membership`
   * replaces that (e.g. `['--join', seeds]` for a new member).
   */
  nodeArgs(id: string, listen = this.address(id), membership?: string[], extraArgs: string[] = []): string[] {
    return [
      'node',
      '--id',
      id,
      '--listen',
      listen,
      ...(membership ?? ['--peers', this.peersOf(id)]),
      '--data',
      this.dataDir(id),
      '--secret-file',
      this.secretFile,
      '--cluster-id',
      'test',
      '--log-level',
      'warn',
      ...this.extraArgs,
      ...extraArgs,
    ];
  }

  /**
   * Start (or restart) node `id`; a new id gets a port and joins `ids`.
   * `membership` replaces `--peers` (e.g. `['--join', seeds]` for a new member); `env` is
   * the process environment (e.g. libfaketime's LD_PRELOAD and FAKETIME).
   */
  async startNode(
    id: string,
    membership?: string[],
    extraArgs: string[] = [],
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<void> {
    await this.reserve(id);
    const args = this.nodeArgs(id, this.address(id), membership, extraArgs);
    const argv = this.configFiles ? ['node', '--config', this.writeConfig(id, args.slice(1))] : args;
    const child = spawn(process.execPath, [BIN, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const log: string[] = this.logs.get(id) ?? [];
    this.logs.set(id, log);
    child.stdout?.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    this.procs.set(id, child);
    await waitFor(() => log.join('').includes(`${id} listening on`) || child.exitCode !== null, {
      timeoutMs: 20_000,
      what: `${id} to listen`,
    });
    if (child.exitCode !== null) throw new Error(`${id} exited with ${child.exitCode}:\n${log.join('')}`);
  }

  /** Give a new node id a port (and a place in `ids`) before it starts, e.g. to add it by address first. */
  async reserve(id: string): Promise<void> {
    if (this.ports.has(id)) return;
    const [port] = await freePorts(1);
    this.ports.set(id, port);
    this.ids.push(id);
  }

  /** Write node flags as a config file (`peers` as a map, numbers as numbers); returns its path. */
  private writeConfig(id: string, flags: string[]): string {
    const config: Record<string, unknown> = {};
    for (let i = 0; i < flags.length; i++) {
      const name = flags[i].slice(2);
      if (isBooleanFlag(name)) config[name] = true;
      else {
        const value = flags[++i];
        config[name] =
          name === 'peers'
            ? Object.fromEntries(value.split(',').map((p) => p.split('=')))
            : /^\d+$/.test(value)
              ? Number(value)
              : value;
      }
    }
    const file = join(this.dir, `${id}.${this.configFiles}`);
    writeFileSync(
      file,
      this.configFiles === 'yaml' ? stringifyYaml(config) : JSON.stringify(config, null, 2),
    );
    return file;
  }

  /** Resolves with the exit code once node `id`'s process has exited by itself. */
  exited(id: string): Promise<number | null> {
    const child = this.procs.get(id);
    if (!child) return Promise.resolve(null);
    if (child.exitCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((r) => child.once('exit', (code) => r(code)));
  }

  /** Forget a node that left the cluster (its process has exited). */
  forget(id: string): void {
    this.procs.delete(id);
    this.ids.splice(this.ids.indexOf(id), 1);
  }

  signal(id: string, signal: NodeJS.Signals): void {
    this.procs.get(id)?.kill(signal);
  }

  /** kill -9 and wait until the process is gone. */
  async kill9(id: string): Promise<void> {
    const child = this.procs.get(id);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
    this.procs.delete(id);
  }

  /** SIGTERM and wait for a graceful exit; resolves to the exit code. */
  async stop(id: string): Promise<number | null> {
    const child = this.procs.get(id);
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const code = await exited;
    this.procs.delete(id);
    return code;
  }

  /** A RaftClient to every node, closed by close(). */
  async connectClient(options: Partial<RaftClientOptions> = {}): Promise<RaftClient> {
    const client = await RaftClient.connect({
      cluster: this.seeds,
      secret: SECRET,
      clusterId: 'test',
      ...options,
    });
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    for (const client of this.clients.splice(0)) client.close();
    for (const id of [...this.procs.keys()]) {
      await this.kill9(id);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
