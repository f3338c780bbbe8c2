import { roleMachine } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { roleMachineGraph, roleMachineToMermaid, roleMachineToSvg } from '../src/diagram.js';

// The derivation (from @xstate/graph's directed graph) and rendering live in @raftkit/net (tested
// there); these tests check the demo's re-exports against the machine's raw config.
const ROLES = ['follower', 'preCandidate', 'candidate', 'leader'];
const edgeKey = (e: { source: string; target: string; event: string }) =>
  `${e.source}->${e.target}:${e.event}`;

describe('the role statechart derived from roleMachine', () => {
  const g = roleMachineGraph();
  const machine = roleMachine as unknown as AnyStateMachine;

  it('has exactly the four role states, starting as follower', () => {
    expect(g.states.map((s) => s.id).sort()).toEqual([...ROLES].sort());
    expect(g.initial).toBe('follower');
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
