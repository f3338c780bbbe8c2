/**
 * Divergence detection by checkpoints: hosts report their state hash at every
 * multiple of checkpointInterval; followers piggyback theirs, the leader
 * compares and reports mismatches in Ready.divergences; a node that differs
 * from a quorum-confirmed hash quarantines itself. Never fails open: a peer
 * that does not report in time is `unverified`, never `ok`.
 */
import {
  decodeMessage,
  encodeMessage,
  InvalidArgumentError,
  MemoryStorage,
  type NodeId,
  RaftNode,
  UsageError,
} from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { bytes } from './helpers/builders.js';
import { Cluster, stateHashHex } from './helpers/cluster.js';
import { runFuzz } from './helpers/fuzz.js';

const K = 10;

function cluster(ids: NodeId[] = ['a', 'b', 'c'], extra: ConstructorParameters<typeof Cluster>[1] = {}) {
  const c = new Cluster(ids, {
    reportCheckpoints: true,
    ...extra,
    config: { checkpointInterval: K, ...extra.config },
  });
  c.elect(ids[0]);
  return c;
}

/** Propose on `leader` until its log reaches `index`, then let everything settle. */
function fillTo(c: Cluster, leader: NodeId, index: number): void {
  let i = 0;
  while (c.raft(leader).status().lastIndex < index) c.propose(leader, bytes(`v${i++}`));
  c.stabilize();
}

const hashOf = (c: Cluster, id: NodeId) => stateHashHex(c.n(id).state.hash);
const peerState = (c: Cluster, leader: NodeId, peer: NodeId) =>
  c
    .raft(leader)
    .status()
    .checkpoints.peers.find((p) => p.id === peer)?.state;

describe('checkpoints: agreement', () => {
  it('followers piggyback their checkpoints; the leader confirms them and every node is ok', () => {
    const c = cluster();
    fillTo(c, 'a', K);
    c.ticks(2);
    const st = c.raft('a').status();
    expect(st.checkpoints.latest).toEqual({ index: K, hash: hashOf(c, 'a') });
    expect(st.checkpoints.confirmed).toEqual({ index: K, hash: hashOf(c, 'a') });
    expect(st.checkpoints.peers.map((p) => [p.id, p.state, p.verifiedIndex])).toEqual([
      ['b', 'ok', K],
      ['c', 'ok', K],
    ]);
    // Followers learned the confirmed checkpoint from heartbeats and checked themselves.
    for (const id of ['b', 'c']) {
      expect(c.raft(id).status().checkpoints).toMatchObject({ self: 'ok', confirmed: { index: K } });
    }
    for (const id of c.ids) expect(c.n(id).divergences).toEqual([]);
  });

  it('before any checkpoint nothing is verified: peers are unverified, not ok', () => {
    const c = cluster();
    fillTo(c, 'a', K - 1);
    c.ticks(3);
    expect(
      c
        .raft('a')
        .status()
        .checkpoints.peers.map((p) => p.state),
    ).toEqual(['unverified', 'unverified']);
    expect(c.raft('b').status().checkpoints.self).toBe('unverified');
  });
});

describe('checkpoints: a diverged follower', () => {
  function corruptedFollower() {
    const c = cluster();
    fillTo(c, 'a', K);
    c.ticks(2);
    c.corrupt('c'); // right after checkpoint K: the next one is the first to show it
    return c;
  }

  it('is detected by the leader within one checkpoint interval, naming the node and the index', () => {
    const c = corruptedFollower();
    fillTo(c, 'a', 2 * K - 1);
    expect(c.n('a').divergences).toEqual([]);
    fillTo(c, 'a', 2 * K);
    const ticks = c.tickUntil(() => c.n('a').divergences.some((d) => d.confirmed), 3);
    expect(ticks).toBeLessThanOrEqual(2);
    expect(c.n('a').divergences.filter((d) => d.confirmed)).toEqual([
      {
        node: 'c',
        index: 2 * K,
        expected: hashOf(c, 'a'),
        actual: hashOf(c, 'c'),
        detectedBy: 'a',
        confirmed: true,
      },
    ]);
    expect(c.n('a').divergences.every((d) => d.node === 'c' && d.index === 2 * K)).toBe(true);
    expect(peerState(c, 'a', 'c')).toBe('diverged');
    expect(peerState(c, 'a', 'b')).toBe('ok');
    expect(
      c
        .raft('a')
        .status()
        .checkpoints.peers.find((p) => p.id === 'c')?.divergence,
    ).toMatchObject({
      node: 'c',
      index: 2 * K,
    });
  });

  it('checks itself against the quorum-confirmed hash, reports itself and quarantines itself', () => {
    const c = corruptedFollower();
    fillTo(c, 'a', 2 * K);
    c.ticks(3);
    expect(c.n('c').divergences).toEqual([
      {
        node: 'c',
        index: 2 * K,
        expected: hashOf(c, 'a'),
        actual: hashOf(c, 'c'),
        detectedBy: 'c',
        confirmed: true,
      },
    ]);
    const st = c.raft('c').status();
    expect(st.quarantine).toMatchObject({ kind: 'diverged', divergence: { index: 2 * K } });
    expect(st.checkpoints.self).toBe('diverged');
    // It serves no reads now.
    c.raft('c').readIndex(77);
    c.stabilize();
    expect(c.n('c').readStates.at(-1)).toMatchObject({ ctx: 77, status: 'dropped', reason: 'quarantined' });
    // The healthy follower is untouched.
    expect(c.raft('b').status().quarantine).toBeNull();
    expect(c.n('b').divergences).toEqual([]);
  });

  it('a repaired follower matches again at the next checkpoint: quarantine lifted, ok again', () => {
    const c = corruptedFollower();
    fillTo(c, 'a', 2 * K);
    c.ticks(3);
    expect(c.raft('c').status().quarantine).not.toBeNull();
    c.repairFrom('c', 'a'); // e.g. rebuilt from the leader's snapshot
    fillTo(c, 'a', 3 * K);
    c.ticks(3);
    expect(c.raft('c').status().quarantine).toBeNull();
    expect(c.raft('c').status().checkpoints.self).toBe('ok');
    expect(peerState(c, 'a', 'c')).toBe('ok');
  });

  it('a host quarantine is not lifted by a matching checkpoint', () => {
    const c = cluster();
    c.raft('b').quarantine('operator');
    fillTo(c, 'a', K);
    c.ticks(3);
    expect(c.raft('b').status().checkpoints.self).toBe('ok');
    expect(c.raft('b').status().quarantine).toMatchObject({ kind: 'host', reason: 'operator' });
  });
});

describe('checkpoints: a diverged leader', () => {
  it('is outvoted by a quorum: it reports itself, quarantines itself and hands leadership over', () => {
    const c = cluster();
    fillTo(c, 'a', K);
    c.ticks(2);
    c.corrupt('a');
    fillTo(c, 'a', 2 * K);
    const [good, bad] = [hashOf(c, 'b'), hashOf(c, 'a')];
    c.ticks(3);
    const self = c.n('a').divergences.filter((d) => d.node === 'a');
    expect(self).toEqual([
      { node: 'a', index: 2 * K, expected: good, actual: bad, detectedBy: 'a', confirmed: true },
    ]);
    // What it said about its followers before the quorum spoke was never confirmed.
    expect(
      c
        .n('a')
        .divergences.filter((d) => d.node !== 'a')
        .every((d) => !d.confirmed),
    ).toBe(true);
    c.tickUntil(() => c.leader()?.id !== 'a', 30);
    expect(['b', 'c']).toContain(c.leader()?.id);
    expect(c.raft('a').status().quarantine?.kind).toBe('diverged');
    // A corrupted leader never sent a confirmed hash of its own: the healthy followers did not condemn themselves.
    for (const id of ['b', 'c']) {
      expect(c.raft(id).status().quarantine).toBeNull();
      expect(c.n(id).divergences.filter((d) => d.node === id)).toEqual([]);
    }
  });

  it('with two voters a mismatch cannot be confirmed: reported unconfirmed, the peer is diverged for the leader', () => {
    const c = cluster(['a', 'b']);
    fillTo(c, 'a', K);
    c.ticks(2);
    c.corrupt('b');
    fillTo(c, 'a', 2 * K);
    c.ticks(3);
    expect(c.n('a').divergences).toEqual([
      {
        node: 'b',
        index: 2 * K,
        expected: hashOf(c, 'a'),
        actual: hashOf(c, 'b'),
        detectedBy: 'a',
        confirmed: false,
      },
    ]);
    expect(peerState(c, 'a', 'b')).toBe('diverged');
    expect(c.raft('a').status().quarantine).toBeNull();
  });
});

describe('checkpoints never fail open', () => {
  it('a peer that stops reporting becomes unverified once the leader passed its checkpoint by the grace', () => {
    const c = cluster(['a', 'b', 'c'], {
      config: { checkpointGraceIntervals: 1, checkpointGraceTicks: 1000 },
    });
    fillTo(c, 'a', K);
    c.ticks(2);
    expect(peerState(c, 'a', 'b')).toBe('ok');
    c.isolate('b');
    // Verified at K: ok while the leader's applied index is below K + (1 + 1) * K.
    fillTo(c, 'a', 3 * K - 1);
    expect(c.raft('a').status().appliedIndex).toBe(3 * K - 1);
    expect(peerState(c, 'a', 'b')).toBe('ok');
    fillTo(c, 'a', 3 * K);
    expect(peerState(c, 'a', 'b')).toBe('unverified');
    expect(peerState(c, 'a', 'c')).toBe('ok');
  });

  it('a silent peer becomes unverified after checkpointGraceTicks even with no new entries', () => {
    const c = cluster(['a', 'b', 'c'], { config: { checkpointGraceTicks: 15 } });
    fillTo(c, 'a', K);
    c.ticks(2);
    c.isolate('b');
    c.ticks(15);
    expect(peerState(c, 'a', 'b')).toBe('ok');
    c.ticks(2);
    expect(peerState(c, 'a', 'b')).toBe('unverified');
    expect(peerState(c, 'a', 'c')).toBe('ok');
  });

  it('a peer whose host never reports stays unverified however far the cluster goes', () => {
    const c = cluster(['a', 'b', 'c'], { perNode: { c: { checkpointInterval: 0 } } });
    fillTo(c, 'a', 5 * K);
    c.ticks(3);
    expect(peerState(c, 'a', 'c')).toBe('unverified');
    expect(peerState(c, 'a', 'b')).toBe('ok');
    expect(c.raft('c').status().checkpoints.self).toBe('unverified');
  });
});

describe('reportCheckpoint input validation', () => {
  it('refuses bad indices and hashes with a typed error and records nothing', () => {
    const c = cluster();
    fillTo(c, 'a', K);
    const atK = hashOf(c, 'a');
    fillTo(c, 'a', K + 3);
    const a = c.raft('a');
    expect(() => a.reportCheckpoint(K + 1, 'x')).toThrow(InvalidArgumentError);
    expect(() => a.reportCheckpoint(0, 'x')).toThrow(InvalidArgumentError);
    expect(() => a.reportCheckpoint(2 * K, 'x')).toThrow(InvalidArgumentError); // not applied yet
    expect(() => a.reportCheckpoint(K, '')).toThrow(InvalidArgumentError);
    expect(() => a.reportCheckpoint(K, 'h'.repeat(300))).toThrow(InvalidArgumentError);
    expect(a.status().checkpoints.latest).toEqual({ index: K, hash: atK });
    expect(a.checkpointDue(K)).toBe(true);
    expect(a.checkpointDue(K + 1)).toBe(false);
  });

  it('with checkpointInterval 0 reportCheckpoint is a UsageError and checkpointDue is always false', () => {
    const n = new RaftNode({
      id: 'a',
      peers: ['a'],
      seed: 1,
      storage: new MemoryStorage(),
      checkpointInterval: 0,
    });
    expect(n.checkpointDue(1000)).toBe(false);
    expect(() => n.reportCheckpoint(1000, 'x')).toThrow(UsageError);
    expect(n.status().checkpoints.interval).toBe(0);
  });
});

describe('wire format of the new optional fields (backward compatible)', () => {
  const cp = { index: 2000, hash: '00ff00ff' };

  it('a heartbeat carries the confirmed checkpoint only when there is one', () => {
    const plain = { type: 'heartbeat', from: 'a', to: 'b', term: 3, commit: 9, seq: 4 } as const;
    const withCp = { ...plain, checkpoint: cp };
    expect(decodeMessage(encodeMessage(withCp))).toEqual(withCp);
    expect(decodeMessage(encodeMessage(plain))).toEqual(plain);
    // No checkpoint: byte-for-byte the frame an older node sends.
    expect(encodeMessage({ ...plain, checkpoint: null })).toEqual(encodeMessage(plain));
    expect(encodeMessage(withCp).byteLength).toBeGreaterThan(encodeMessage(plain).byteLength);
  });

  it('a heartbeat response carries quarantined / priority only when not default', () => {
    const plain = { type: 'heartbeatResp', from: 'b', to: 'a', term: 3, seq: 4, checkpoint: cp } as const;
    const ext = { ...plain, quarantined: true, priority: 7 };
    expect(decodeMessage(encodeMessage(ext))).toEqual(ext);
    expect(decodeMessage(encodeMessage({ ...plain, priority: 2 }))).toEqual({
      ...plain,
      quarantined: false,
      priority: 2,
    });
    expect(encodeMessage({ ...plain, quarantined: false, priority: 0 })).toEqual(encodeMessage(plain));
  });

  it('malformed optional fields are rejected with a typed error', () => {
    expect(() =>
      encodeMessage({
        type: 'heartbeatResp',
        from: 'b',
        to: 'a',
        term: 3,
        seq: 4,
        checkpoint: null,
        priority: -1,
      }),
    ).toThrow();
    expect(() =>
      encodeMessage({
        type: 'heartbeat',
        from: 'a',
        to: 'b',
        term: 3,
        commit: 0,
        seq: 1,
        checkpoint: { index: -1, hash: 'x' },
      }),
    ).toThrow();
    const n = new RaftNode({ id: 'b', peers: ['a', 'b'], seed: 1, storage: new MemoryStorage() });
    expect(() =>
      n.step({
        type: 'heartbeatResp',
        from: 'a',
        to: 'b',
        term: 0,
        seq: 1,
        checkpoint: { index: 1, hash: 5 as unknown as string },
      }),
    ).toThrow(/checkpoint/);
  });
});

describe('no false positives', () => {
  it('randomized schedules (crashes, partitions, snapshots, membership changes) never report a divergence', () => {
    let verified = 0;
    for (let seed = 700; seed < 715; seed++) {
      verified += runFuzz(seed, { nodes: 3, checkpoints: true, compaction: true }).checkpointsVerified;
    }
    for (let seed = 720; seed < 730; seed++) {
      verified += runFuzz(seed, {
        nodes: 3,
        checkpoints: true,
        compaction: true,
        membership: true,
      }).checkpointsVerified;
    }
    expect(verified).toBeGreaterThan(100); // checkpoints were really confirmed along the way
  });
});
