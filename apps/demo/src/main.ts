/**
 * `pnpm demo`: a cluster, a KV workload, a narrated split-brain scenario, a
 * final report (exit 0 when every check holds, 1 otherwise, 2 on bad usage),
 * and the live visualizer at http://127.0.0.1:PORT meanwhile.
 */
import { HistoryRecorder } from '@raftkit/sim';
import { parseDemoArgs, USAGE, UsageError } from './args.js';
import { ControlService } from './control.js';
import { roleMachineGraph, roleMachineToSvg } from './diagram.js';
import { DemoHub } from './hub.js';
import type { DemoCluster } from './model.js';
import { startProcessCluster } from './process-cluster.js';
import { buildReport, formatReport, waitFinalStates } from './report.js';
import { runScenario } from './scenario.js';
import { type DemoServer, startDemoServer } from './server.js';
import { Narrator, progressBar, statusBlock, Terminal } from './terminal.js';
import { ThreadCluster } from './thread-cluster.js';
import { Workload } from './workload.js';

const CHECK_BUDGET_MS = 30_000;

export async function runDemo(argv: readonly string[]): Promise<number> {
  let opts: ReturnType<typeof parseDemoArgs>;
  try {
    opts = parseDemoArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`demo: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  const ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
  const hub = new DemoHub({ nodeIds: ids, mode: opts.processes ? 'processes' : 'threads' });
  const term = new Terminal();
  const c = term.c;
  const say = new Narrator(term, hub);
  term.log(
    c.bold('raftkit demo') +
      c.dim(` · ${opts.nodes} nodes · seed ${opts.seed} · ~${opts.durationS} s scenario`),
  );

  let cluster: DemoCluster | null = null;
  let server: DemoServer | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  let interrupted = false;
  const cleanup = async () => {
    if (statusTimer) clearInterval(statusTimer);
    term.endStatus();
    await server?.close().catch(() => {});
    await cluster?.close().catch(() => {});
  };
  const onSigint = () => {
    interrupted = true;
    process.stderr.write('\ninterrupted: shutting the cluster down\n');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);

  try {
    cluster = opts.processes
      ? await startProcessCluster(hub, { nodes: opts.nodes, seed: opts.seed })
      : await ThreadCluster.start(hub, { nodes: opts.nodes, seed: opts.seed });
    term.log(c.dim(cluster.description));
    const control = new ControlService(cluster, hub);
    server = await startDemoServer({
      hub,
      control,
      graph: roleMachineGraph(),
      statechartSvg: roleMachineToSvg({ theme: 'dark' }),
      port: opts.port,
    });
    term.log(
      `${c.bold('visualizer:')} ${c.cyan(server.url)}${opts.port !== 0 && server.port !== opts.port ? c.dim(` (port ${opts.port} was taken)`) : ''}`,
    );
    term.log('');

    const recorder = new HistoryRecorder({ now: () => performance.now() });
    const live = cluster;
    const workload = new Workload({
      clients: Array.from({ length: opts.clients }, () => live.client({ timeoutMs: 5000 })),
      recorder,
      seed: opts.seed,
    });
    let progress = 0;
    statusTimer = setInterval(() => {
      hub.setWorkload(workload.view());
      term.setStatus(statusBlock(c, hub.nodeViews(), workload.view(), progressBar(progress)));
    }, 250);

    const scenario = await runScenario({
      cluster,
      hub,
      control,
      narrator: say,
      durationMs: opts.durationS * 1000,
      startWorkload: () => workload.start(),
      onProgress: (f) => {
        progress = f;
      },
    });

    say.step('Stopping the workload and checking the outcome');
    await workload.stop();
    hub.setWorkload(workload.view());
    const final = await waitFinalStates(cluster, 20 * cluster.electionTimeoutMs);
    say.info(`checking ${recorder.size} recorded operations for linearizability`);
    const report = buildReport({
      history: recorder.ops(),
      hub,
      checks: scenario.checks,
      finalStates: final.states,
      converged: final.converged,
      checkBudgetMs: CHECK_BUDGET_MS,
    });
    if (statusTimer) clearInterval(statusTimer);
    statusTimer = null;
    term.endStatus();
    process.stdout.write(`${formatReport(report, c)}\n`);
    hub.narrate(
      report.ok ? 'ok' : 'fail',
      report.ok ? 'all checks passed' : 'some checks failed (see the terminal)',
    );

    if (opts.serve && !interrupted) {
      process.stdout.write(
        `\n${c.bold('serving')} ${c.cyan(server.url)} ${c.dim('— the cluster stays up with a light workload; Ctrl-C to stop')}\n`,
      );
      const trickle = new Workload({
        clients: [cluster.client({ timeoutMs: 5000 })],
        recorder: new HistoryRecorder(),
        seed: opts.seed + 1,
        thinkMs: 250,
      });
      trickle.start();
      process.off('SIGINT', onSigint);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      process.stdout.write('\nstopping\n');
      await trickle.stop();
    }
    return report.ok ? 0 : 1;
  } catch (err) {
    term.endStatus();
    process.stderr.write(`\ndemo failed: ${(err as Error).stack ?? err}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    await cleanup();
  }
}

runDemo(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
