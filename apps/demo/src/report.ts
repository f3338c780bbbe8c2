/**
 * The final report: operations, the linearizability verdict of the recorded
 * history, elections and terms, the longest stale leadership, the monitor's
 * alerts and the per-node state hashes. `ok` is what the exit code says.
 */
import { type CheckResult, checkOperations, type KvOp, kvModel, kvOperations } from '@raftkit/sim';
import { electionStats, leaderTenures, longestStaleLeadership, sameTermLeaders } from './analysis.js';
import type { DemoHub } from './hub.js';
import type { AlertView, DemoCluster, NodeStatusReport } from './model.js';
import type { Check } from './scenario.js';
import type { Palette } from './terminal.js';
import { waitUntil } from './wait.js';

export interface NodeFinalState {
  readonly node: string;
  readonly appliedIndex: number;
  readonly stateHash: string | null;
}

export interface DemoReport {
  readonly ops: {
    readonly total: number;
    readonly ok: number;
    readonly failed: number;
    readonly indeterminate: number;
  };
  readonly linearizability: {
    readonly verdict: CheckResult['verdict'];
    readonly operationsChecked: number;
    readonly elapsedMs: number;
    readonly detail: string | null;
  };
  readonly elections: ReturnType<typeof electionStats>;
  readonly staleLeader: { readonly node: string; readonly term: number; readonly ms: number } | null;
  readonly monitorStaleLeaderMs: number | null;
  readonly alerts: readonly AlertView[];
  readonly finalStates: readonly NodeFinalState[];
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

/** Waits until every node has applied the same index with the same state hash (the workload has stopped). */
export async function waitFinalStates(
  cluster: DemoCluster,
  timeoutMs: number,
): Promise<{ states: NodeFinalState[]; converged: boolean }> {
  let last: NodeFinalState[] = [];
  try {
    await waitUntil(
      'final convergence',
      async () => {
        const st = await cluster.statuses();
        last = cluster.nodeIds.map((id) => {
          const s: NodeStatusReport | null = st.get(id) ?? null;
          return { node: id, appliedIndex: s?.appliedIndex ?? -1, stateHash: s?.stateHash ?? null };
        });
        const leader = [...st.values()].find((s) => s?.role === 'leader');
        return (
          leader &&
          last.every(
            (n) =>
              n.appliedIndex === leader.commitIndex &&
              n.stateHash !== null &&
              n.stateHash === last[0].stateHash,
          )
        );
      },
      timeoutMs,
      50,
    );
    return { states: last, converged: true };
  } catch {
    return { states: last, converged: false };
  }
}

export function buildReport(args: {
  history: readonly KvOp[];
  hub: DemoHub;
  checks: readonly Check[];
  finalStates: readonly NodeFinalState[];
  converged: boolean;
  checkBudgetMs: number;
}): DemoReport {
  const { history, hub } = args;
  const ops = {
    total: history.length,
    ok: history.filter((o) => o.status === 'ok').length,
    failed: history.filter((o) => o.status === 'fail').length,
    indeterminate: history.filter((o) => o.status === 'info').length,
  };
  const operations = kvOperations(history);
  const result = checkOperations(kvModel, operations, { budgetMs: args.checkBudgetMs });
  const detail =
    result.verdict === 'nonLinearizable' && result.violation
      ? `key ${result.violation.partition}: ${result.violation.blocked.map((b) => b.description).join('; ')}`
      : result.verdict === 'unknown'
        ? `search budget exhausted (${result.budgetExhausted})`
        : null;

  const transitions = hub.allTransitions();
  const snapshot = hub.snapshot();
  const claims = hub.leaderClaims();
  const elections = electionStats(transitions);
  const staleLeader = longestStaleLeadership(leaderTenures(transitions, snapshot.lifecycle, Date.now()));
  const alerts = hub.allAlerts();
  const staleDurations = alerts
    .filter((a) => a.kind === 'staleLeader' && a.duration !== null)
    .map((a) => a.duration!);
  const doubleLeaders = sameTermLeaders(claims);
  const safety = alerts.filter((a) => a.severity === 'safety');
  const hashes = new Set(args.finalStates.map((s) => s.stateHash));

  const finalChecks: Check[] = [
    {
      name: 'history is linearizable',
      ok: result.verdict === 'linearizable',
      detail: `${result.verdict} (${operations.length} operations checked in ${Math.round(result.elapsedMs)} ms)${detail ? `: ${detail}` : ''}`,
    },
    {
      name: 'at most one leader per term',
      ok: doubleLeaders.length === 0,
      detail:
        doubleLeaders.length === 0
          ? `${claims.size} terms had a leader, one each; terms up to ${elections.maxTerm}`
          : doubleLeaders.map((d) => `term ${d.term}: ${d.nodes.join(', ')}`).join('; '),
    },
    {
      name: 'no safety alert from the monitor',
      ok: safety.length === 0,
      detail:
        safety.length === 0
          ? `${alerts.length} alert(s), none of severity 'safety'`
          : safety.map((a) => a.message).join('; '),
    },
    {
      name: 'all nodes end in the same state',
      ok: args.converged && hashes.size === 1 && !hashes.has(null),
      detail: args.converged
        ? `every node applied index ${args.finalStates[0]?.appliedIndex} with state hash ${args.finalStates[0]?.stateHash}`
        : `did not converge: ${args.finalStates.map((s) => `${s.node}@${s.appliedIndex}`).join(', ')}`,
    },
    { name: 'the workload made progress', ok: ops.ok > 0, detail: `${ops.ok} operations succeeded` },
  ];
  const checks = [...args.checks, ...finalChecks];
  return {
    ops,
    linearizability: {
      verdict: result.verdict,
      operationsChecked: operations.length,
      elapsedMs: result.elapsedMs,
      detail,
    },
    elections,
    staleLeader,
    monitorStaleLeaderMs: staleDurations.length ? Math.max(...staleDurations) : null,
    alerts,
    finalStates: args.finalStates,
    checks,
    ok: checks.every((c) => c.ok),
  };
}

export function formatReport(r: DemoReport, c: Palette): string {
  const out: string[] = [];
  const h = (s: string) => out.push('', c.bold(s));
  const row = (k: string, v: string) => out.push(`  ${k.padEnd(30)} ${v}`);
  out.push('', c.bold('══ raftkit demo report ══════════════════════════════════════════════'));

  h('Operations');
  row('total', String(r.ops.total));
  row('ok', c.green(String(r.ops.ok)));
  row('failed (certainly not applied)', String(r.ops.failed));
  row('indeterminate (outcome unknown)', String(r.ops.indeterminate));
  const v = r.linearizability.verdict;
  row(
    'linearizability (sim checker)',
    (v === 'linearizable' ? c.green : c.red)(v) +
      c.dim(
        ` · ${r.linearizability.operationsChecked} ops in ${Math.round(r.linearizability.elapsedMs)} ms`,
      ) +
      (r.linearizability.detail ? `\n${' '.repeat(33)}${r.linearizability.detail}` : ''),
  );

  h('Elections');
  row('leaders elected', String(r.elections.elections));
  row('campaigns observed (term bumps)', String(r.elections.campaigns));
  row('pre-vote rounds observed', String(r.elections.preVotes));
  row('highest term', String(r.elections.maxTerm));
  row('leader by term', r.elections.leaders.map((l) => `t${l.term}:${l.node}`).join(' ') || '—');
  row(
    'longest stale leadership',
    r.staleLeader
      ? `${r.staleLeader.ms} ms (${r.staleLeader.node} of term ${r.staleLeader.term}, after a newer leader was elected)`
      : 'none: every deposed leader stepped down before its successor was elected',
  );
  if (r.monitorStaleLeaderMs !== null) row('  as the monitor measured', `${r.monitorStaleLeaderMs} ms`);

  h('Monitor alerts');
  if (r.alerts.length === 0) out.push(`  ${c.green('none')}`);
  for (const a of [...r.alerts].reverse()) {
    const sev = a.severity === 'safety' ? c.red(a.severity) : c.yellow(a.severity);
    out.push(`  ${sev.padEnd(7)} ${a.kind}: ${a.message}`);
  }

  h('Final state per node');
  for (const s of r.finalStates) row(s.node, `applied ${s.appliedIndex}  hash ${s.stateHash ?? '—'}`);

  h('Checks');
  for (const k of r.checks)
    out.push(`  ${k.ok ? c.green('✓') : c.red('✗')} ${k.name} ${c.dim(`— ${k.detail}`)}`);
  out.push('');
  out.push(
    r.ok
      ? c.green(c.bold('ALL CHECKS PASSED'))
      : c.red(c.bold(`${r.checks.filter((k) => !k.ok).length} CHECK(S) FAILED`)),
  );
  return out.join('\n');
}
