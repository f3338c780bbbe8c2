// Row 7: the linearizability checker (@raftkit/sim) on the shared histories:
// every Jepsen etcd history and the Porcupine KV histories, on one thread and
// on the Piscina pool (checkFilesParallel), parsing included.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFilesParallel, checkHistoryFile } from '@raftkit/sim';
import { progress } from '../progress.mjs';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DATA_DIR = join(REPO_ROOT, '..', 'shared', 'data', 'porcupine');

function expectedVerdicts(dir) {
  const file = join(dir, 'EXPECTED.tsv');
  const out = new Map();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, verdict] = line.trim().split('\t');
    if (name && verdict) out.set(name, verdict === 'linearizable' ? 'linearizable' : 'not-linearizable');
  }
  return out;
}

/** Maps a CheckResult verdict to EXPECTED.tsv's words. */
function word(verdict) {
  if (verdict === 'linearizable' || verdict === 'ok') return 'linearizable';
  if (verdict === 'nonLinearizable') return 'not-linearizable';
  return verdict;
}

function tally(names, outcomes, expected) {
  const verdicts = {};
  let matched = 0;
  let withExpected = 0;
  const mismatches = [];
  const errors = [];
  outcomes.forEach((o, i) => {
    const v = o.error ? 'error' : word(o.result.verdict);
    if (o.error) errors.push(`${names[i]}: ${o.error.slice(0, 160)}`);
    verdicts[v] = (verdicts[v] ?? 0) + 1;
    const exp = expected.get(names[i]);
    if (exp) {
      withExpected++;
      if (exp === v) matched++;
      else mismatches.push(`${names[i]}: ${v} (expected ${exp})`);
    }
  });
  return {
    verdicts,
    withExpected,
    matchedExpected: matched,
    mismatches: mismatches.slice(0, 10),
    errors: errors.slice(0, 5),
  };
}

async function judge(label, dir, filter, threads) {
  const names = readdirSync(dir).filter(filter).sort();
  const paths = names.map((n) => join(dir, n));
  const expected = expectedVerdicts(dir);
  // KV files carry their verdict in the name (-ok / -bad).
  for (const n of names) {
    if (n.endsWith('-ok.txt')) expected.set(n, 'linearizable');
    if (n.endsWith('-bad.txt')) expected.set(n, 'not-linearizable');
  }
  progress.step(`${label}: ${names.length} histories, one thread`);
  const t0 = performance.now();
  const single = [];
  for (const p of paths) {
    try {
      single.push({ result: (await checkHistoryFile(p)).result });
    } catch (e) {
      single.push({ error: e.message });
    }
  }
  const singleMs = performance.now() - t0;
  progress.step(`${label}: ${names.length} histories, Piscina pool of ${threads}`);
  const t1 = performance.now();
  const pooled = await checkFilesParallel(paths, { threads });
  const poolMs = performance.now() - t1;
  const steps = single.reduce((a, o) => a + (o.result?.steps ?? 0), 0);
  return {
    label,
    histories: names.length,
    singleThreadMs: singleMs,
    poolMs,
    poolThreads: threads,
    searchSteps: steps || null,
    single: tally(names, single, expected),
    pool: tally(names, pooled, expected),
  };
}

export async function runChecker() {
  if (!existsSync(DATA_DIR)) {
    return {
      skipped: `the shared histories are missing: ${DATA_DIR} (the repository expects ../shared beside it)`,
    };
  }
  const threads = availableParallelism();
  const config = {
    data: DATA_DIR,
    singleThread: 'checkHistoryFile per file in sequence (read + parse + check), one thread',
    pool: `checkFilesParallel(paths, { threads: ${threads} }) incl. pool start-up and teardown`,
    formats: 'auto-detected (jepsen register logs; porcupine-kv EDN)',
    porcupineGoSeconds: 0.75,
  };
  const jepsen = await judge('Jepsen etcd', join(DATA_DIR, 'jepsen'), (n) => n.endsWith('.log'), threads);
  const kv = await judge('Porcupine KV', join(DATA_DIR, 'kv'), (n) => n.endsWith('.txt'), threads);
  return { config, results: [jepsen, kv] };
}
