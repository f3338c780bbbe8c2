import { roleMachine } from '@raftkit/core';
import { toDirectedGraph } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import {
  graphToMermaid,
  graphToSvg,
  parseDiagramArgs,
  roleMachineGraph,
  roleMachineToMermaid,
  roleMachineToSvg,
} from '../src/diagram.js';
import { layoutGraph } from '../src/diagram-layout.js';
import { machineToGraph } from '../src/statechart-graph.js';
import { sampleMachine } from './fixtures/sample-machine.js';

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
  const machine = roleMachine as unknown as AnyStateMachine;

  it('has exactly the four role states, starting as follower', () => {
    expect(g.states.map((s) => s.id).sort()).toEqual([...ROLES].sort());
    expect(g.initial).toBe('follower');
  });

  it('has one edge per targeted transition, as @xstate/graph sees the machine', () => {
    // An independent derivation: @xstate/graph's directed graph of the (flat) machine.
    // It turns targetless transitions into self-edges, so those are skipped by their definition.
    const expected: string[] = [];
    for (const child of toDirectedGraph(machine).children) {
      for (const e of child.edges) {
        if (!e.transition.target) continue;
        expected.push(`${child.stateNode.key}->${e.target.key}:${e.label.text}`);
      }
    }
    expect(g.edges.map(edgeKey).sort()).toEqual(expected.sort());
  });

  it('matches the raw machine config, guards included', () => {
    type Alt = string | { target?: string; guard?: string };
    const states = (machine.config as { states: Record<string, { on?: Record<string, Alt | Alt[]> }> })
      .states;
    const expected: string[] = [];
    for (const [state, def] of Object.entries(states)) {
      for (const [event, raw] of Object.entries(def.on ?? {})) {
        const alts = (Array.isArray(raw) ? raw : [raw]).map((a) =>
          typeof a === 'string' ? { target: a } : a,
        );
        alts.forEach((alt, i) => {
          if (!alt.target) return;
          const guard = alt.guard ?? (alts.slice(0, i).some((p) => p.guard) ? 'else' : null);
          expected.push(`${state}->${alt.target}:${event}[${guard}]`);
        });
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    expect(g.edges.map((e) => `${edgeKey(e)}[${e.guard}]`).sort()).toEqual(expected.sort());
    for (const e of g.edges) {
      expect(ROLES).toContain(e.source);
      expect(ROLES).toContain(e.target);
    }
  });

  it('can reach every role from follower', () => {
    const reached = new Set(['follower']);
    for (let changed = true; changed; ) {
      changed = false;
      for (const e of g.edges) {
        if (reached.has(e.source) && !reached.has(e.target)) {
          reached.add(e.target);
          changed = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...ROLES].sort());
  });

  it('renders both formats from the machine', () => {
    const m = roleMachineToMermaid();
    expect(m).toContain('[*] --> follower');
    expect(m.split('\n').filter((l) => l.includes('-->')).length).toBe(g.edges.length + 1);
    const svg = roleMachineToSvg({ theme: 'dark' });
    for (const r of ROLES) expect(svg).toContain(`data-state="${r}"`);
  });
});

describe('diagram CLI arguments', () => {
  it('parses formats and rejects unknown ones with a clear message', () => {
    expect(parseDiagramArgs(['--format', 'svg'])).toEqual({ format: 'svg', theme: 'light', out: null });
    expect(parseDiagramArgs(['--format=mermaid', '--theme=dark', '--out', 'x.mmd'])).toEqual({
      format: 'mermaid',
      theme: 'dark',
      out: 'x.mmd',
    });
    expect(() => parseDiagramArgs(['--format', 'png'])).toThrow(/unknown --format 'png'/);
    expect(() => parseDiagramArgs(['--bogus'])).toThrow(/unknown argument/);
    expect(() => parseDiagramArgs(['--format'])).toThrow(/needs a value/);
  });
});
