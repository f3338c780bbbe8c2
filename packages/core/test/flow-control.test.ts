/**
 * Flow control: proposals batched into entries, entries into messages,
 * probe vs replicate, the inflight window (etcd testdata probe_and_replicate,
 * replicate_pause, heartbeat_resp_recovers_from_probing).
 */
import { describe, expect, it } from 'vitest';
import { appendResp, bytes, heartbeatResp, ofType } from './helpers/builders.js';
import { Cluster } from './helpers/cluster.js';
import { type Harnessed, makeLeader, makeNode, type NodeOptions } from './helpers/single.js';

/** A leader of term 1 whose followers acknowledged its no-op (so they are in replicate state). */
function replicatingLeader(opts: NodeOptions = {}): Harnessed {
  const h = makeNode('1', ['1', '2', '3'], opts);
  makeLeader(h);
  h.stepAll(appendResp('2', '1', 1, 1), appendResp('3', '1', 1, 1));
  return h;
}

describe('flow control', () => {
  it('many proposals before one Ready become entries of one append per follower', () => {
    const h = replicatingLeader();
    for (let i = 0; i < 10; i++) h.node.propose(bytes(`p${i}`));
    const rd = h.node.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const apps = ofType(rd.messages, 'append');
    expect(apps).toHaveLength(2);
    for (const a of apps) expect(a.entries).toHaveLength(10);
    h.node.advance();
  });

  it('maxEntriesPerMsg splits a batch into pipelined messages', () => {
    const h = replicatingLeader({ maxEntriesPerMsg: 3 });
    for (let i = 0; i < 10; i++) h.node.propose(bytes(`p${i}`));
    const apps = ofType(h.drain().messages, 'append').filter((m) => m.to === '2');
    expect(apps.map((m) => m.entries.length)).toEqual([3, 3, 3, 1]);
    expect(apps.map((m) => m.prevIndex)).toEqual([1, 4, 7, 10]);
  });

  it('maxBytesPerMsg limits payload per message, but an oversized entry still goes alone', () => {
    const h = replicatingLeader({ maxBytesPerMsg: 250 });
    for (let i = 0; i < 4; i++) h.node.propose(new Uint8Array(100));
    h.node.propose(new Uint8Array(1000));
    const apps = ofType(h.drain().messages, 'append').filter((m) => m.to === '2');
    expect(apps.map((m) => m.entries.length)).toEqual([2, 2, 1]);
  });

  it('in probe state a follower gets one append per round trip', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h); // the no-op probe is in flight to both followers
    h.node.propose(bytes('a'));
    h.node.propose(bytes('b'));
    expect(ofType(h.drain().messages, 'append')).toEqual([]);
    expect(h.status.progress.find((p) => p.id === '2')?.state).toBe('probe');
    // The answer to the probe switches it to replicate and releases the rest.
    const d = h.stepAll(appendResp('2', '1', 1, 1));
    expect(h.status.progress.find((p) => p.id === '2')?.state).toBe('replicate');
    expect(ofType(d.messages, 'append').filter((m) => m.to === '2')[0].entries).toHaveLength(2);
  });

  it('in replicate state appends are pipelined up to maxInflightMsgs, then pause until acknowledged', () => {
    const h = replicatingLeader({ maxEntriesPerMsg: 1, maxInflightMsgs: 2 });
    for (let i = 0; i < 5; i++) h.node.propose(bytes(`p${i}`));
    let toTwo = ofType(h.drain().messages, 'append').filter((m) => m.to === '2');
    expect(toTwo.map((m) => m.entries[0].index)).toEqual([2, 3]);
    expect(h.status.progress.find((p) => p.id === '2')?.inflight).toBe(2);
    toTwo = ofType(h.stepAll(appendResp('2', '1', 1, 2)).messages, 'append').filter((m) => m.to === '2');
    expect(toTwo.map((m) => m.entries[0]?.index)).toEqual([4]);
  });

  it('a rejection in replicate state sends the follower back to probe', () => {
    const h = replicatingLeader();
    h.node.propose(bytes('x'));
    h.drain();
    h.node.propose(bytes('y'));
    h.drain(); // pipelined: prevIndex 2
    // A rejection at or below the match point is stale and ignored...
    h.stepAll(appendResp('2', '1', 1, 1, true, 1, 1));
    expect(h.status.progress.find((p) => p.id === '2')?.state).toBe('replicate');
    // ...a real one (prevIndex 2: the first append was lost) switches to probe at match + 1.
    h.stepAll(appendResp('2', '1', 1, 2, true, 1, 1));
    expect(h.status.progress.find((p) => p.id === '2')).toMatchObject({ state: 'probe', next: 2 });
  });

  it('heartbeat responses recover a follower whose appends were all lost', () => {
    const c = new Cluster(['1', '2', '3'], { config: { maxInflightMsgs: 2, maxEntriesPerMsg: 1 } });
    c.elect('1');
    for (let i = 0; i < 6; i++) c.propose('1', bytes(`lost${i}`));
    c.processAll();
    c.queue = c.queue.filter((m) => !(m.type === 'append' && m.to === '3')); // lose everything for 3
    c.stabilize();
    expect(c.raft('3').status().lastIndex).toBeLessThan(7);
    c.ticks(5);
    expect(c.raft('3').status().lastIndex).toBe(7);
    expect(c.raft('3').status().commitIndex).toBe(7);
  });

  it('a heartbeat response from a probing follower unpauses the probe', () => {
    const h = makeNode('1', ['1', '2', '3']);
    makeLeader(h);
    h.node.propose(bytes('a'));
    h.drain(); // paused: the first probe was "lost"
    const d = h.stepAll(heartbeatResp('2', '1', 1, 0));
    expect(ofType(d.messages, 'append').filter((m) => m.to === '2')).toHaveLength(1);
  });

  it("a proposal larger than maxProposalBytes is dropped as 'tooLarge' and never appended", () => {
    const h = replicatingLeader({ maxProposalBytes: 10 });
    const id = h.node.propose(new Uint8Array(11));
    const d = h.drain();
    expect(d.outcomes).toEqual([{ id, status: 'dropped', reason: 'tooLarge', leaderHint: null }]);
    expect(d.entries).toEqual([]);
  });

  it("the leader's own entries count toward the quorum: with 3 voters one follower ack commits", () => {
    const h = replicatingLeader();
    const id = h.node.propose(bytes('q'));
    h.drain();
    expect(h.stepAll(appendResp('3', '1', 1, 2)).outcomes).toEqual([
      { id, status: 'committed', index: 2, term: 1 },
    ]);
  });
});
