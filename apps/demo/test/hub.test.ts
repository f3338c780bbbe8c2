import { describe, expect, it } from 'vitest';
import { DemoHub, type HubEvent } from '../src/hub.js';
import type { NodeStatusReport } from '../src/model.js';

const report = (id: string, over: Partial<NodeStatusReport> = {}): NodeStatusReport => ({
  id,
  role: 'follower',
  term: 1,
  leader: 'n1',
  commitIndex: 5,
  appliedIndex: 5,
  lastIndex: 5,
  leaseMs: null,
  stateHash: 'h',
  at: 1000,
  ...over,
});

describe('DemoHub', () => {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];

  it('derives health from faults, lifecycle and staleness', () => {
    let now = 1000;
    const hub = new DemoHub({ nodeIds: ids, now: () => now, staleAfterMs: 500 });
    for (const id of ids) hub.recordStatus(report(id));
    expect(hub.node('n1')!.health).toBe('up');
    hub.setFaults({
      partition: [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5'],
      ],
      isolated: [],
      delayMs: 0,
    });
    expect(hub.node('n1')!.health).toBe('partitioned');
    expect(hub.node('n3')!.health).toBe('up'); // majority side
    hub.setFaults({ partition: null, isolated: ['n4'], delayMs: 0 });
    expect(hub.node('n4')!.health).toBe('isolated');
    hub.recordLifecycle('n5', 'down');
    expect(hub.node('n5')).toMatchObject({ health: 'down', running: false, role: null });
    expect(hub.getFaults().down).toEqual(['n5']);
    now = 2000;
    expect(hub.node('n2')!.health).toBe('unresponsive');
  });

  it('ignores statuses of killed nodes and repeated lifecycle events, and records leader claims', () => {
    const hub = new DemoHub({ nodeIds: ids });
    const events: HubEvent[] = [];
    hub.on((e) => events.push(e));
    hub.recordLifecycle('n2', 'down');
    hub.recordLifecycle('n2', 'down');
    hub.recordStatus(report('n2', { role: 'leader', term: 4 }));
    expect(events.filter((e) => e.type === 'lifecycle')).toHaveLength(1);
    expect(hub.node('n2')!.role).toBeNull();
    hub.recordLifecycle('n2', 'up');
    hub.recordStatus(report('n2', { role: 'leader', term: 4 }));
    hub.recordTransition({ node: 'n3', from: 'candidate', to: 'leader', term: 5, reason: 'voteWon', at: 1 });
    expect([...hub.leaderClaims()].map(([t, s]) => [t, [...s]])).toEqual([
      [4, ['n2']],
      [5, ['n3']],
    ]);
    expect(hub.snapshot().leaderTerms).toEqual([4, 5]);
  });

  it('bounds what it keeps', () => {
    const hub = new DemoHub({ nodeIds: ids });
    for (let i = 0; i < 6000; i++) {
      hub.recordTransition({
        node: 'n1',
        from: 'follower',
        to: 'preCandidate',
        term: 1,
        reason: 'electionTimeout',
        at: i,
      });
    }
    expect(hub.allTransitions()).toHaveLength(5000);
    expect(hub.allTransitions()[0].at).toBe(1000);
  });
});
