import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  graphToMermaid,
  graphToSvg,
  layoutGraph,
  machineToGraph,
  parseDiagramArgs,
  roleMachineGraph,
  roleMachineToMermaid,
  roleMachineToSvg,
  UsageError,
} from '../src/index.js';
import { sampleMachine } from './fixtures/sample-machine.js';
import { runCli } from './support/processes.js';

const ROLES = ['follower', 'preCandidate', 'candidate', 'leader'];
const edgeKey = (e: { source: string; target: string; event: string }) =>
  `${e.source}->${e.target}:${e.event}`;

describe('machineToGraph on a machine with every transition form', () => {
  const g = machineToGraph(sampleMachine as unknown as AnyStateMachine);

  it('takes the top-level states and the initial state', () => {
    expect(g.machineId).toBe('sample');
    expect(g.initial).toBe('follower');
    expect(g.states.map((s) => s.id)).toEqual(ROLES);
    expect(g.states[0].description).toBe('follows a leader');
  });

  it('derives exactly the transitions that change the top-level state', () => {
    expect(g.edges.map(edgeKey).sort()).toEqual(
      [
        // root-level HIGHER applies in every state
        'follower->follower:HIGHER',
        'preCandidate->follower:HIGHER',
        'candidate->follower:HIGHER',
        'leader->follower:HIGHER',
        'follower->preCandidate:TIMEOUT',
        'follower->candidate:TIMEOUT',
        'preCandidate->candidate:WON',
        'preCandidate->follower:LOST',
        'candidate->leader:WON',
        'candidate->follower:LOST',
        'candidate->candidate:TIMEOUT',
        'leader->follower:(always)',
      ].sort(),
    );
    expect(g.edges.filter((e) => e.fromAnyState).map((e) => e.source)).toEqual(ROLES);
    // targetless TICK and the leader's internal substate moves are not role changes
    expect(g.edges.some((e) => e.event === 'TICK')).toBe(false);
  });

  it('names guards, including combinators', () => {
    const guardOf = (k: string) => g.edges.find((e) => edgeKey(e) === k)?.guard;
    expect(guardOf('follower->preCandidate:TIMEOUT')).toBe('canCampaign');
    expect(guardOf('follower->candidate:TIMEOUT')).toBe('else');
    expect(guardOf('candidate->leader:WON')).toBeNull();
    expect(guardOf('preCandidate->candidate:WON')).toBe('(canCampaign && isPromotable)');
    expect(guardOf('leader->follower:(always)')).toBe('!quorumLost');
  });

  it('gives every edge a unique id', () => {
    expect(new Set(g.edges.map((e) => e.id)).size).toBe(g.edges.length);
  });

  it('renders Mermaid with one arrow per edge and the initial marker', () => {
    const m = graphToMermaid(g);
    const lines = m.trim().split('\n');
    expect(lines[0]).toBe('stateDiagram-v2');
    expect(lines).toContain('  [*] --> follower');
    expect(lines).toContain('  follower --> preCandidate : TIMEOUT [canCampaign]');
    expect(lines.filter((l) => l.includes('-->')).length).toBe(g.edges.length + 1);
  });

  it('renders an SVG with one group per state and one merged arrow per state pair', () => {
    const svg = graphToSvg(g);
    for (const s of ROLES) expect(svg).toContain(`data-state="${s}"`);
    const pairs = new Set(g.edges.map((e) => `${e.source}|${e.target}`));
    expect(svg.match(/class="sc-edge"/g)?.length).toBe(pairs.size);
    expect(svg.startsWith('<svg')).toBe(true);
  });

  it('lays the states out without overlapping boxes, inside the canvas', () => {
    const l = layoutGraph(g);
    for (const a of l.states) {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(l.width);
      expect(a.y + a.height).toBeLessThanOrEqual(l.height);
      for (const b of l.states) {
        if (a === b) continue;
        const apart =
          a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }
  });
});

describe('the role statechart derived from roleMachine', () => {
  const g = roleMachineGraph();

  it('has exactly the four role states, starting as follower, every edge between roles', () => {
    expect(g.states.map((s) => s.id).sort()).toEqual([...ROLES].sort());
    expect(g.initial).toBe('follower');
    expect(g.edges.length).toBeGreaterThan(0);
    for (const e of g.edges) {
      expect(ROLES).toContain(e.source);
      expect(ROLES).toContain(e.target);
    }
  });

  it('renders both formats from the machine', () => {
    const m = roleMachineToMermaid();
    expect(m).toContain('[*] --> follower');
    expect(m.split('\n').filter((l) => l.includes('-->')).length).toBe(g.edges.length + 1);
    const svg = roleMachineToSvg({ theme: 'dark' });
    for (const r of ROLES) expect(svg).toContain(`data-state="${r}"`);
  });
});

describe('raftkit diagram', () => {
  it('parses formats and rejects unknown ones with a clear message', () => {
    expect(parseDiagramArgs(['--format', 'svg'])).toEqual({ format: 'svg', theme: 'light', out: null });
    expect(parseDiagramArgs(['--format=mermaid', '--theme=dark', '--out', 'x.mmd'])).toEqual({
      format: 'mermaid',
      theme: 'dark',
      out: 'x.mmd',
    });
    expect(() => parseDiagramArgs(['--format', 'png'])).toThrow(UsageError);
    expect(() => parseDiagramArgs(['--format', 'png'])).toThrow(/unknown --format 'png'/);
    expect(() => parseDiagramArgs(['--bogus'])).toThrow(/unknown argument/);
    expect(() => parseDiagramArgs(['--format'])).toThrow(/needs a value/);
  });

  it('prints Mermaid and SVG derived from roleMachine (dist/bin.js), or writes them to --out', async () => {
    const m = await runCli(['diagram', '--format', 'mermaid']);
    expect(m.code, m.stderr).toBe(0);
    expect(m.stdout).toBe(roleMachineToMermaid());
    expect(m.stdout.startsWith('stateDiagram-v2\n  [*] --> follower\n')).toBe(true);
    expect(m.stdout).toContain('candidate --> leader : VOTE_WON');
    const s = await runCli(['diagram', '--format', 'svg']);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/^<svg [^>]*viewBox=/);
    expect(s.stdout).toContain('data-state="preCandidate"');
    const dir = mkdtempSync(join(tmpdir(), 'raftkit-diagram-'));
    try {
      const file = join(dir, 'roles.svg');
      const w = await runCli(['diagram', '--format=svg', '--theme', 'dark', '--out', file]);
      expect(w.code, w.stderr).toBe(0);
      expect(w.stdout).toBe('');
      expect(readFileSync(file, 'utf8')).toBe(roleMachineToSvg({ theme: 'dark' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('docs/role-statechart.md holds the current chart', () => {
    const doc = readFileSync(new URL('../../../docs/role-statechart.md', import.meta.url), 'utf8');
    const block = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block, 'regenerate it: pnpm raftkit diagram --format mermaid (into the mermaid block)').toBe(
      roleMachineToMermaid(),
    );
  });

  it('refuses an unknown format with the usage and exit 2', async () => {
    const r = await runCli(['diagram', '--format', 'png']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown --format 'png'");
    expect(r.stderr).toContain('raftkit diagram [--format mermaid|svg]');
  });
});
