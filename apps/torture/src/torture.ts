import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRng } from '@raftkit/core';
import { freePorts, RaftClient } from '@raftkit/net';
import {
  alertsVerdict,
  convergenceVerdict,
  harnessVerdict,
  historyVerdict,
  lostWritesVerdict,
  type Verdict,
} from './checks.js';
import { ProxiedNetwork } from './cluster-net.js';
import { LinkFaults } from './link-faults.js';
import { NemesisRunner, type TimelineEntry } from './nemesis.js';
import { FAKETIME_LIB, faketimeAvailable, NodeProcesses } from './node-processes.js';
import { ClusterObserver, type StatusRow } from './observer.js';
import { buildSchedule, type FaultStep, type NemesisKind } from './schedule.js';
import { longestGap, Workload } from './workload.js';

export interface TortureOptions {
  readonly nodes: number;
  readonly durationS: number;
  /** Requested nemeses; those unavailable here are skipped with a reason. */
  readonly nemeses: readonly NemesisKind[];
  readonly seed: number;
  /** Concurrent clients. Default 4. */
  readonly clients?: number;
  /** Keep the data and log directory even when the run passes. */
  readonly keep?: boolean;
  /** The raftkit CLI. Default: @raftkit/net's dist/bin.js in this workspace. */
  readonly bin?: string;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (line: string) => void;
}

export interface TortureResult {
  readonly ok: boolean;
  readonly seed: number;
  readonly nodes: readonly string[];
  readonly durationS: number;
  readonly nemeses: readonly NemesisKind[];
  readonly skipped: readonly { nemesis: NemesisKind; reason: string }[];
  readonly schedule: readonly FaultStep[];
  readonly timeline: readonly TimelineEntry[];
  readonly faultCounts: Readonly<Record<string, number>>;
  /** Scheduled faults not applied (the fault phase overran, or their node had left the cluster). */
  readonly faultsSkipped: number;
  readonly proxy: ProxiedNetwork['counters'];
  readonly operations: { total: number; ok: number; fail: number; info: number; ackedWrites: number };
  readonly longestUnavailableMs: number;
  /** When that window started (ms since the run started). */
  readonly longestUnavailableAt: number;
  readonly recoveryMs: number | null;
  readonly leaders: number;
  readonly verdicts: readonly Verdict[];
  /** The checker's explanation when the history is not linearizable. */
  readonly explanation?: string;
  /** Node logs and data (kept when the run fails or `keep`). */
  readonly dir: string | null;
  readonly replay: string;
}

const NET_BIN = fileURLToPath(new URL('../../../packages/net/dist/bin.js', import.meta.url));
const CLUSTER_ID = 'torture';
const TICK_MS = 50;
const ELECTION_TICKS = 20;
/** Deadline for the first leader, for recovery after the heal and for convergence. */
const SETTLE_MS = 60_000;

/** Why a nemesis cannot run here, or null when it can. */
export function unavailableReason(nemesis: NemesisKind, bin = NET_BIN): string | null {
  if (nemesis === 'clock' && !faketimeAvailable())
    return `libfaketime not installed (${FAKETIME_LIB} missing)`;
  if (nemesis === 'membership') {
    const usage = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    if (!/member promote/.test(usage) || !/member remove/.test(usage))
      return 'this raftkit CLI has no `member promote/remove` commands';
    // Without it a joined node would announce its real port and its links would bypass the proxies.
    if (!usage.includes('--advertise')) return 'this raftkit node has no --advertise flag';
  }
  return null;
}

export function replayCommand(o: Pick<TortureOptions, 'nodes' | 'durationS' | 'nemeses' | 'seed'>): string {
  return `pnpm torture --nodes ${o.nodes} --duration ${o.durationS} --nemesis ${o.nemeses.join(',') || 'none'} --seed ${o.seed}`;
}

/**
 * One torture run: N `raftkit node` processes behind fault proxies, clients
 * recording a history, the seeded fault schedule, a full heal, then the
 * checks (linearizable history, no acknowledged write lost, one state hash
 * everywhere, no safety alert, no node lost on the way).
 */
export async function runTorture(options: TortureOptions): Promise<TortureResult> {
  const progress = options.progress ?? (() => {});
  const bin = options.bin ?? NET_BIN;
  const ids = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`);
  const skipped: { nemesis: NemesisKind; reason: string }[] = [];
  const nemeses = options.nemeses.filter((n) => {
    const reason = unavailableReason(n, bin);
    if (reason) skipped.push({ nemesis: n, reason });
    return reason === null;
  });
  for (const s of skipped) progress(`nemesis ${s.nemesis} skipped: ${s.reason}`);
  const durationMs = options.durationS * 1000;
  const schedule = buildSchedule({ seed: options.seed, nodes: ids, durationMs, nemeses });

  const dir = mkdtempSync(join(tmpdir(), 'raftkit-torture-'));
  mkdirSync(join(dir, 'data'));
  const secretFile = join(dir, 'secret');
  const clientSecret = randomBytes(32).toString('base64');
  writeFileSync(secretFile, `${clientSecret}\n`, { mode: 0o600 });

  const t0 = performance.now();
  const timeline: TimelineEntry[] = [];
  const note = (text: string) => {
    const t = Math.round(performance.now() - t0);
    timeline.push({ t, text });
    progress(`[${(t / 1000).toFixed(1).padStart(6)}s] ${text}`);
  };
  const problems: string[] = [];
  const faults = new LinkFaults();
  const ports = await freePorts(ids.length);
  const nodePorts = new Map(ids.map((id, i) => [id, ports[i]]));
  const proxyRng = new SeededRng(options.seed, 'proxy-drops');
  const network = await ProxiedNetwork.start(nodePorts, faults, () => proxyRng.float());
  const processes = new NodeProcesses({
    bin,
    dir,
    secretFile,
    clusterId: CLUSTER_ID,
    ports: nodePorts,
    peerAddress: (id) => network.address(id),
    nodeArgs: [
      '--tick-ms',
      `${TICK_MS}`,
      '--election-ticks',
      `${ELECTION_TICKS}`,
      '--no-udp',
      '--log-level',
      'warn',
    ],
    onExit: (exit) => {
      const text = `${exit.node} exited on its own (code ${exit.code}, signal ${exit.signal})`;
      problems.push(text);
      note(text);
    },
  });
  const seeds = ids.map((id) => processes.address(id)).join(',');
  const connect = (timeoutMs = 4000) =>
    RaftClient.connect({
      cluster: seeds,
      secret: clientSecret,
      clusterId: CLUSTER_ID,
      timeoutMs,
      attemptTimeoutMs: 1000,
    });

  const clients: RaftClient[] = [];
  let observer: ClusterObserver | null = null;
  let nemesis: NemesisRunner | null = null;
  let outcome: TortureResult | null = null;
  try {
    note(`starting ${ids.length} nodes (logs in ${dir})`);
    await Promise.all(ids.map((id) => processes.start(id)));
    const statusClient = await connect();
    clients.push(statusClient);
    const obs = new ClusterObserver(
      statusClient,
      (id, term) => note(`leader ${id} (term ${term})`),
      2 * ELECTION_TICKS * TICK_MS,
      (id) => processes.incarnation(id),
    );
    observer = obs;
    obs.start();
    await until(() => obs.leader !== null, SETTLE_MS, 'a first leader');

    for (let i = 0; i < (options.clients ?? 4); i++) clients.push(await connect());
    const workloadStart = performance.now();
    const workload = new Workload({ clients: clients.slice(1), seed: options.seed });
    note(
      `workload: ${clients.length - 1} clients; ${schedule.length} faults scheduled over ${options.durationS} s`,
    );

    const runner = new NemesisRunner({
      faults,
      processes,
      observer: obs,
      nodes: ids,
      log: note,
      bin,
      clientFlags: ['--secret-file', secretFile, '--cluster-id', CLUSTER_ID],
    });
    nemesis = runner;
    const faultsStart = performance.now();
    await runner.run(schedule, faultsStart, durationMs);
    await sleepUntil(faultsStart + durationMs);
    note('heal everything');
    await runner.healAll();
    const healedAt = performance.now();
    const okAtHeal = workload.okCount;
    let recoveryMs: number | null = null;
    try {
      await until(() => workload.okCount >= okAtHeal + 20, SETTLE_MS, 'operations after the heal');
      recoveryMs = Math.round(performance.now() - healedAt);
      note(`cluster serves again (${recoveryMs} ms after the heal)`);
    } catch (error) {
      problems.push(`no progress after the heal: ${(error as Error).message}`);
    }
    const result = await workload.stop();
    const workloadEnd = performance.now();
    note(
      `workload stopped: ${result.ops.length} recorded operations, ${result.acked.size} acknowledged unique writes`,
    );

    let rows: StatusRow[] = [];
    let converged = convergenceVerdict(rows, ids);
    const convergeDeadline = performance.now() + SETTLE_MS;
    while (performance.now() < convergeDeadline) {
      rows = await obs.poll(2000);
      converged = convergenceVerdict(rows, ids);
      if (converged.ok) break;
      await sleep(250);
    }
    note(converged.ok ? 'converged' : 'did not converge');
    await obs.stop();

    const readBack = await readAll(statusClient, result.acked.keys());
    const history = historyVerdict(result.ops);
    const gap = longestGap(result.okTimes, workloadStart, workloadEnd);
    const verdicts: Verdict[] = [
      history,
      lostWritesVerdict(result.acked, readBack),
      converged,
      alertsVerdict([
        ...obs.safetyAlerts(),
        ...processes.alerts.map((a) => ({ source: `${a.node} log`, kind: a.kind, message: a.message })),
      ]),
      harnessVerdict([...problems, ...runner.errors]),
    ];
    const ok = verdicts.every((v) => v.ok);
    outcome = {
      ok,
      seed: options.seed,
      nodes: ids,
      durationS: options.durationS,
      nemeses,
      skipped,
      schedule,
      timeline,
      faultCounts: Object.fromEntries(runner.counts),
      faultsSkipped: runner.skipped,
      proxy: network.counters,
      operations: {
        total: result.ops.length,
        ok: result.ok,
        fail: result.fail,
        info: result.info,
        ackedWrites: result.acked.size,
      },
      longestUnavailableMs: Math.round(gap.ms),
      longestUnavailableAt: Math.round(gap.at - t0),
      recoveryMs,
      leaders: timeline.filter((e) => e.text.startsWith('leader ')).length,
      verdicts,
      explanation: history.ok ? undefined : history.explanation,
      dir: ok && !options.keep ? null : dir,
      replay: replayCommand({ ...options, nemeses: options.nemeses }),
    };
    return outcome;
  } finally {
    nemesis?.stop();
    await observer?.stop();
    for (const c of clients) c.close();
    await processes.closeAll();
    await network.close();
    if (outcome && outcome.dir === null) rmSync(dir, { recursive: true, force: true });
  }
}

/** Read every key (linearizable get), a few at a time; a read that fails is kept as its Error. */
async function readAll(
  client: RaftClient,
  keys: Iterable<string>,
): Promise<Map<string, string | undefined | Error>> {
  const queue = [...keys];
  const out = new Map<string, string | undefined | Error>();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let key = queue.pop(); key !== undefined; key = queue.pop()) {
        try {
          out.set(key, await client.get(key));
        } catch (error) {
          out.set(key, error as Error);
        }
      }
    }),
  );
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function sleepUntil(deadline: number): Promise<void> {
  const left = deadline - performance.now();
  if (left > 0) await sleep(left);
}

/** Poll `cond` every 50 ms until true; throws after `timeoutMs` naming `what`. */
async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
