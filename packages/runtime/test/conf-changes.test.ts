import { MemoryStorage, type Message, RaftNode } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { ConfChangeRequests } from '../src/actor/conf-changes.js';
import type { Reply } from '../src/control/api.js';
import { fromWireError } from '../src/error-wire.js';
import { LeaderNotReadyError } from '../src/errors.js';

/** Three in-thread RaftNodes with a hand-driven network: just enough to hold a leader before its first commit. */
function trio() {
  const ids = ['a', 'b', 'c'];
  const storages = new Map(ids.map((id) => [id, new MemoryStorage()]));
  const nodes = new Map(
    ids.map((id) => [
      id,
      new RaftNode({ id, peers: ids, storage: storages.get(id) as MemoryStorage, seed: 7 }),
    ]),
  );
  let inFlight: Message[] = [];
  let applied = 0;
  /** One Ready per node: persist, collect messages, apply (the leader's applied index is tracked). */
  const process = (onOutcomes?: (node: RaftNode, rd: ReturnType<RaftNode['ready']>) => void) => {
    for (const [id, node] of nodes) {
      if (!node.hasReady()) continue;
      const rd = node.ready();
      const st = storages.get(id) as MemoryStorage;
      st.append(rd.entries);
      if (rd.hardState) st.setHardState(rd.hardState);
      st.sync();
      inFlight.push(...rd.messages);
      if (id === 'a') {
        for (const e of rd.committedEntries) applied = e.index;
        onOutcomes?.(node, rd);
      }
      node.advance();
    }
  };
  const deliver = () => {
    const msgs = inFlight;
    inFlight = [];
    for (const m of msgs) nodes.get(m.to)?.step(m);
  };
  return { a: nodes.get('a') as RaftNode, process, deliver, applied: () => applied };
}

describe('ConfChangeRequests', () => {
  it("retries a change the new leader dropped 'leaderNotReady' until its first commit, then resolves", () => {
    const t = trio();
    t.a.campaign();
    for (let i = 0; i < 6 && t.a.status().role !== 'leader'; i++) {
      t.process();
      t.deliver();
    }
    t.process(); // the leader's no-op is appended and sent, not acknowledged yet
    expect(t.a.status().role).toBe('leader');
    const reqs = new ConfChangeRequests('a', 30);
    const replies: Reply<{ index: number }>[] = [];
    reqs.submit(t.a, { type: 'addLearner', node: 'd' }, (r) => replies.push(r));
    const outcomes = () =>
      t.process((node, rd) => {
        for (const o of rd.outcomes) reqs.onOutcome(o, node, t.applied());
        reqs.onApplied(t.applied());
      });
    outcomes();
    expect(replies).toEqual([]); // dropped leaderNotReady, kept for a retry
    expect(reqs.awaitingRetry).toBe(1);
    // The no-op commits; on the next tick the change is proposed again and commits too.
    for (let i = 0; i < 4; i++) {
      t.deliver();
      outcomes();
    }
    reqs.onTick(t.a);
    for (let i = 0; i < 6 && replies.length === 0; i++) {
      outcomes();
      t.deliver();
    }
    expect(replies).toHaveLength(1);
    expect(replies[0].ok).toBe(true);
    expect(t.a.status().conf.learners).toEqual(['d']);
  });

  it('reports LeaderNotReadyError once the retry deadline passed', () => {
    const t = trio();
    t.a.campaign();
    for (let i = 0; i < 6 && t.a.status().role !== 'leader'; i++) {
      t.process();
      t.deliver();
    }
    t.process();
    const reqs = new ConfChangeRequests('a', 3);
    const replies: Reply<{ index: number }>[] = [];
    reqs.submit(t.a, { type: 'addLearner', node: 'd' }, (r) => replies.push(r));
    // No message is delivered any more: the leader never commits. Tick past the deadline.
    for (let i = 0; i < 5 && replies.length === 0; i++) {
      t.process((node, rd) => {
        for (const o of rd.outcomes) reqs.onOutcome(o, node, t.applied());
      });
      t.a.tick();
      reqs.onTick(t.a);
    }
    expect(replies).toHaveLength(1);
    const r = replies[0];
    expect(r.ok).toBe(false);
    if (!r.ok) expect(fromWireError(r.error)).toBeInstanceOf(LeaderNotReadyError);
  });
});
