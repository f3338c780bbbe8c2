import { readdirSync, readFileSync } from 'node:fs';
import { checkHistoryText, parseJepsenLog } from '@raftkit/sim';
import { describe, expect, it } from 'vitest';
import { porcupineDataDir } from './checker-data-dir.js';

const dir = porcupineDataDir();

function expectedJepsenVerdicts(): Map<string, 'linearizable' | 'nonLinearizable'> {
  const verdicts = new Map<string, 'linearizable' | 'nonLinearizable'>();
  for (const line of readFileSync(`${dir}jepsen/EXPECTED.tsv`, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [file, verdict] = line.split('\t');
    if (verdict !== 'linearizable' && verdict !== 'not-linearizable')
      throw new Error(`bad EXPECTED.tsv line: ${line}`);
    verdicts.set(file, verdict === 'linearizable' ? 'linearizable' : 'nonLinearizable');
  }
  return verdicts;
}

describe('Jepsen etcd histories (jepsen/EXPECTED.tsv)', () => {
  const expected = expectedJepsenVerdicts();

  it('has the 102 verdicts the README promises (23 linearizable, 79 not)', () => {
    const values = [...expected.values()];
    expect(expected.size).toBe(102);
    expect(values.filter((v) => v === 'linearizable')).toHaveLength(23);
    expect(values.filter((v) => v === 'nonLinearizable')).toHaveLength(79);
  });

  it('the one log without a verdict (etcd_095) is empty, and is refused rather than passed', () => {
    const logs = readdirSync(`${dir}jepsen`).filter((f) => f.endsWith('.log'));
    expect(logs.filter((f) => !expected.has(f))).toEqual(['etcd_095.log']);
    const text = readFileSync(`${dir}jepsen/etcd_095.log`, 'utf8');
    expect(() => checkHistoryText(text)).toThrow(/empty/);
  });

  it('agrees with every verdict, all 102 histories single-threaded', () => {
    const histories = [...expected].map(([file, verdict]) => ({
      file,
      verdict,
      text: readFileSync(`${dir}jepsen/${file}`, 'utf8'),
    }));
    const disagreements: string[] = [];
    const started = performance.now();
    for (const { file, verdict, text } of histories) {
      const { format, result } = checkHistoryText(text);
      expect(format).toBe('jepsen');
      if (result.verdict !== verdict)
        disagreements.push(`${file}: got ${result.verdict}, expected ${verdict}`);
      if (result.verdict === 'nonLinearizable') {
        // Every violation comes with something that cannot be ordered.
        expect(result.violation?.blocked.length).toBeGreaterThan(0);
      }
    }
    const elapsed = performance.now() - started;
    console.log(`checker: ${histories.length} Jepsen histories in ${elapsed.toFixed(0)} ms (single thread)`);
    expect(disagreements).toEqual([]);
  });

  it('reads :info as indeterminate, :fail :cas as a cas that did not swap, nil reads as empty', () => {
    // etcd_000 has all of them; spot-check the parse against the raw lines.
    const ops = parseJepsenLog(readFileSync(`${dir}jepsen/etcd_000.log`, 'utf8'));
    expect(ops.some((o) => o.outcome === 'info' && o.ret === null && o.f === 'write')).toBe(true);
    expect(ops.some((o) => o.outcome === 'fail' && o.f === 'cas' && o.ret !== null)).toBe(true);
    expect(ops[0]).toMatchObject({ process: 0, f: 'read', outcome: 'ok', read: null });
  });
});

describe('Porcupine KV histories', () => {
  const files = readdirSync(`${dir}kv`).filter((f) => f.endsWith('.txt'));

  it('has the 6 files', () => {
    expect(files.sort()).toEqual([
      'c01-bad.txt',
      'c01-ok.txt',
      'c10-bad.txt',
      'c10-ok.txt',
      'c50-bad.txt',
      'c50-ok.txt',
    ]);
  });

  it.each(files)('%s: -ok is linearizable, -bad is not', (file) => {
    const { format, result } = checkHistoryText(readFileSync(`${dir}kv/${file}`, 'utf8'));
    expect(format).toBe('porcupine-kv');
    expect(result.partitions).toBe(file.startsWith('c01') ? result.partitions : 10);
    expect(result.verdict).toBe(file.endsWith('-ok.txt') ? 'linearizable' : 'nonLinearizable');
    if (result.verdict === 'nonLinearizable') {
      const v = result.violation!;
      expect(v.blocked.some((op) => op.reason === 'illegal' || op.reason === 'deadEnd')).toBe(true);
      expect(v.deadline).not.toBeNull();
    }
  });
});
