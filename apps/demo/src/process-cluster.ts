/**
 * `pnpm demo --processes`: the same cluster as one OS process per node
 * (process-node.ts running a @raftkit/net RaftkitNode), talking over
 * authenticated TCP on loopback; clients connect over TCP too. The demo
 * drives each process over its IPC channel (status, transfer, faults), kills
 * with SIGKILL and restarts from the node's data dir. Each node pushes its
 * events (transitions, alerts, observations, status) as they happen; the
 * split-brain monitor over the whole cluster runs here, fed with every node's
 * observations (a node's own monitor sees only that node).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type SplitBrainAlert, SplitBrainMonitor } from '@raftkit/core';
import { ClusterSecret, freePorts, TcpCluster } from '@raftkit/net';
import {
  type ClusterOptions,
  DEFAULT_TICK_MS,
  type ObservationData,
  RaftClient,
  type RuntimeNodeStatus,
  raftTuningOf,
} from '@raftkit/runtime';
import type { DemoHub } from './hub.js';
import type { DemoCluster, KvClient, NodeStatusReport } from './model.js';
import type { FaultState, NodeCall, NodeCallBody, NodeMessage, NodeStartMessage } from './process-node.js';
import { toAlertView, toStatusReport } from './thread-cluster.js';
import { waitUntil } from './wait.js';

// Resolves to dist/process-node.js from both src/ (tests) and dist/.
const NODE_ENTRY = fileURLToPath(new URL('../dist/process-node.js', import.meta.url));
const CLUSTER_ID = 'raftkit-demo';

export class ProcessModeError extends Error {
  override readonly name = 'ProcessModeError';
}

interface Child {
  readonly proc: ChildProcess;
  readonly pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
  running: boolean;
}

export class ProcessCluster implements DemoCluster {
  readonly nodeIds: readonly string[];
  readonly description: string;
  readonly electionTimeoutMs: number;
  private readonly children = new Map<string, Child>();
  private readonly targets = new Set<TcpCluster>();
  private readonly monitor: SplitBrainMonitor;
  /** Alerts already shown: a node's own monitor and ours may report the same single-node alert. */
  private readonly alertsSeen = new Set<string>();
  private faults: { partition: string[][] | null; isolated: Set<string>; delayMs: number } = {
    partition: null,
    isolated: new Set(),
    delayMs: 0,
  };
  private seq = 0;
  private closed = false;

  private constructor(
    private readonly hub: DemoHub,
    private readonly ports: ReadonlyMap<string, number>,
    private readonly dataDir: string,
    private readonly secret: string,
    private readonly timing: NodeStartMessage['timing'],
  ) {
    // The tuning the nodes will resolve (the runtime's one mapping and defaults), for the timings shown.
    const { electionTicks } = raftTuningOf({ raft: timing.raft });
    const { tickMs } = timing;
    this.nodeIds = hub.nodeIds;
    this.electionTimeoutMs = 2 * electionTicks * tickMs;
    this.monitor = new SplitBrainMonitor({ electionTimeout: electionTicks * tickMs });
    this.description =
      `${this.nodeIds.length} OS processes, one node each, over authenticated TCP on 127.0.0.1:` +
      `${[...ports.values()].join(',')} · LMDB under ${dataDir} · election timeout ` +
      `${electionTicks * tickMs}-${2 * electionTicks * tickMs} ms`;
  }

  static async start(
    hub: DemoHub,
    opts: Pick<ClusterOptions, 'tickMs' | 'raft'> = {},
  ): Promise<ProcessCluster> {
    const ids = hub.nodeIds;
    const ports = await freePorts(ids.length);
    const dataDir = mkdtempSync(join(tmpdir(), 'raftkit-demo-procs-'));
    const cluster = new ProcessCluster(
      hub,
      new Map(ids.map((id, i) => [id, ports[i]])),
      dataDir,
      randomBytes(32).toString('hex'),
      { tickMs: opts.tickMs ?? DEFAULT_TICK_MS, raft: opts.raft ?? {} },
    );
    hub.markClusterStarted();
    try {
      await Promise.all(ids.map((id) => cluster.spawn(id)));
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  // ------------------------------------------------------------------ processes

  private spawn(id: string): Promise<void> {
    const proc = fork(NODE_ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const child: Child = { proc, pending: new Map(), running: false };
    this.children.set(id, child);
    const peers = Object.fromEntries([...this.ports].filter(([p]) => p !== id));
    const start: NodeStartMessage = {
      type: 'start',
      id,
      port: this.ports.get(id)!,
      peers,
      dataDir: join(this.dataDir, id),
      secret: this.secret,
      clusterId: CLUSTER_ID,
      timing: this.timing,
      faults: this.faultState(),
    };
    return new Promise<void>((resolve, reject) => {
      proc.on('message', (m: NodeMessage) => {
        switch (m.type) {
          case 'ready':
            child.running = true;
            this.hub.recordLifecycle(id, 'up');
            // The faults may have changed while it started: apply the current ones.
            void this.call(id, { op: 'faults', faults: this.faultState() }).then(() => resolve(), reject);
            return;
          case 'startFailed':
            reject(new ProcessModeError(`node ${id} failed to start: ${m.error}`));
            return;
          case 'transition': {
            const t = m.transition;
            this.hub.recordTransition({
              node: t.node,
              from: t.from,
              to: t.to,
              term: t.term,
              reason: t.reason,
              at: t.at,
            });
            return;
          }
          case 'alert':
            this.recordAlert(m.alert);
            return;
          case 'observation':
            this.observe(m.observation);
            return;
          case 'status':
            if (!this.closed) this.hub.recordStatus(toStatusReport(m.status, m.at));
            return;
          case 'reply': {
            const p = child.pending.get(m.seq);
            child.pending.delete(m.seq);
            if (m.ok) p?.resolve(m.value);
            else p?.reject(new Error(m.error));
            return;
          }
        }
      });
      proc.on('exit', (code, signal) => {
        const wasRunning = child.running;
        child.running = false;
        for (const p of child.pending.values()) p.reject(new Error(`node ${id} exited`));
        child.pending.clear();
        if (wasRunning) this.hub.recordLifecycle(id, 'down');
        else reject(new ProcessModeError(`node ${id} exited during start-up (${signal ?? `code ${code}`})`));
      });
      proc.send(start);
    });
  }

  private call(id: string, body: NodeCallBody): Promise<unknown> {
    const child = this.children.get(id);
    if (!child?.proc.connected) return Promise.reject(new Error(`node ${id} is not running`));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      child.pending.set(seq, { resolve, reject });
      child.proc.send({ ...body, type: 'call', seq } as NodeCall);
    });
  }

  /** The fault table every process applies to its own router. */
  private faultState(): FaultState {
    return {
      partition: this.faults.partition,
      isolated: [...this.faults.isolated],
      delayMs: this.faults.delayMs,
    };
  }

  private async broadcastFaults(): Promise<void> {
    await Promise.all(
      this.nodeIds
        .filter((id) => this.isRunning(id))
        .map((id) => this.call(id, { op: 'faults', faults: this.faultState() })),
    );
  }

  /** An observation a node pushed, to the split-brain monitor in the order each node sent them. */
  private observe(o: ObservationData): void {
    if (this.closed) return;
    for (const a of this.monitor.observe(o)) this.recordAlert(a);
  }

  private recordAlert(a: SplitBrainAlert): void {
    const key = `${a.kind}|${a.at}|${a.nodes.join(',')}|${a.message}`;
    if (this.alertsSeen.has(key)) return;
    if (this.alertsSeen.size >= 10_000) this.alertsSeen.clear();
    this.alertsSeen.add(key);
    this.hub.recordAlert(toAlertView(a));
  }

  // ------------------------------------------------------------------ DemoCluster

  isRunning(id: string): boolean {
    return this.children.get(id)?.running ?? false;
  }

  currentLeader(): string | null {
    let best: { id: string; term: number } | null = null;
    for (const n of this.hub.nodeViews()) {
      if (n.running && n.role === 'leader' && (!best || n.term > best.term)) best = n;
    }
    return best?.id ?? null;
  }

  async isolate(id: string): Promise<void> {
    this.faults.isolated.add(id);
    await this.broadcastFaults();
  }

  async partition(groups: readonly (readonly string[])[]): Promise<void> {
    this.faults.partition = groups.map((g) => [...g]);
    await this.broadcastFaults();
  }

  async heal(): Promise<void> {
    this.faults = { partition: null, isolated: new Set(), delayMs: 0 };
    await this.broadcastFaults();
  }

  async setLinkDelay(ms: number): Promise<void> {
    this.faults.delayMs = ms;
    await this.broadcastFaults();
  }

  async kill(id: string): Promise<void> {
    const child = this.children.get(id);
    if (!child?.running) return;
    const exited = new Promise((r) => child.proc.once('exit', r));
    child.proc.kill('SIGKILL');
    await exited;
  }

  async restart(id: string): Promise<void> {
    if (this.isRunning(id)) throw new ProcessModeError(`node ${id} is running`);
    await this.spawn(id);
  }

  async transferLeadership(to: string): Promise<void> {
    const leader = this.currentLeader();
    if (!leader) throw new ProcessModeError('no leader');
    await this.call(leader, { op: 'transfer', to });
  }

  client(opts: { via?: string; timeoutMs?: number } = {}): KvClient {
    const clientId = randomUUID();
    const target = new TcpCluster({
      seeds: [...this.ports.values()].map((port) => ({ host: '127.0.0.1', port })),
      secret: ClusterSecret.from(this.secret),
      clusterId: CLUSTER_ID,
      clientId,
    });
    this.targets.add(target);
    const ready = target.discover().then(
      () =>
        new RaftClient(target, {
          clientId,
          via: opts.via,
          timeoutMs: opts.timeoutMs,
          retryBaseMs: this.timing.tickMs,
        }),
    );
    ready.catch(() => {}); // each operation reports a failed discovery itself
    return {
      put: (k, v) => ready.then((c) => c.put(k, v)),
      get: (k, o) => ready.then((c) => c.get(k, o)),
      cas: (k, e, v) => ready.then((c) => c.cas(k, e, v)),
      delete: (k) => ready.then((c) => c.delete(k)),
      append: (k, s) => ready.then((c) => c.append(k, s)),
    };
  }

  async waitForLeader(timeoutMs: number): Promise<string> {
    const quorum = Math.floor(this.nodeIds.length / 2) + 1;
    return waitUntil(
      'a leader',
      async () => {
        const all = [...(await this.statuses()).values()].filter((s): s is NodeStatusReport => s !== null);
        const leader = all.find(
          (s) =>
            s.role === 'leader' && all.filter((f) => f.leader === s.id && f.term === s.term).length >= quorum,
        );
        return leader?.id ?? null;
      },
      timeoutMs,
      25,
    );
  }

  async statuses(): Promise<ReadonlyMap<string, NodeStatusReport | null>> {
    const out = new Map<string, NodeStatusReport | null>();
    await Promise.all(
      this.nodeIds.map(async (id) => {
        if (!this.isRunning(id)) {
          out.set(id, null);
          return;
        }
        const st = (await this.call(id, { op: 'status' }).catch(() => null)) as RuntimeNodeStatus | null;
        const at = Date.now();
        if (!st) {
          out.set(id, null);
          return;
        }
        out.set(id, toStatusReport(st, at));
      }),
    );
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.targets) t.close();
    await Promise.all(
      [...this.children].map(async ([id, child]) => {
        if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
        const exited = new Promise((r) => child.proc.once('exit', r));
        const timer = setTimeout(() => child.proc.kill('SIGKILL'), 5000);
        await this.call(id, { op: 'stop' }).catch(() => child.proc.kill('SIGKILL'));
        await exited;
        clearTimeout(timer);
      }),
    );
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export async function startProcessCluster(
  hub: DemoHub,
  _opts: { nodes: number; seed: number },
): Promise<DemoCluster> {
  return ProcessCluster.start(hub);
}
