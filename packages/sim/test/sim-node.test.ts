import type { RaftConfig } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { SimNode } from '../src/sim-node.js';
import { recordingEnv } from './recording-env.js';

/** A SimNode wired to a recording environment instead of a simulation. */
function host(opts: { replyBeforePersist?: boolean } = {}) {
  const { env, sent, replies, syncs } = recordingEnv(opts);
  const node = new SimNode(
    'n1',
    env,
    (storage): RaftConfig => ({ id: 'n1', storage, peers: ['n1', 'n2', 'n3'], seed: 1, preVote: false }),
  );
  node.start();
  return { node, env, sent, replies, syncs };
}

/** Campaigns without pre-vote: the Ready carries a new term and vote, which must be synced. */
function campaign(node: SimNode): void {
  node.raft?.campaign();
  node.pump();
}

describe('SimNode host loop (the Ready contract)', () => {
  it('sends a Ready that must be synced only after the disk sync completes', () => {
    const { node, sent, syncs } = host();
    campaign(node);
    expect(node.syncPending).toBe(true);
    expect(syncs()).toBe(1);
    expect(sent).toEqual([]);
    node.input({ kind: 'synced', incarnation: node.incarnation });
    expect(node.syncPending).toBe(false);
    expect(sent.map((m) => `${m.type}->${m.to}`).sort()).toEqual(['vote->n2', 'vote->n3']);
  });

  it("with the injected bug 'reply-before-persist' sends before the sync", () => {
    const { node, sent } = host({ replyBeforePersist: true });
    campaign(node);
    expect(node.syncPending).toBe(true);
    expect(sent.map((m) => m.type)).toEqual(['vote', 'vote']);
  });

  it('a crash before the sync loses the unsynced term and vote; restart reads synced storage', () => {
    const { node } = host();
    campaign(node);
    expect(node.storage.initialState().hardState).toMatchObject({ term: 1, vote: 'n1' });
    node.crash();
    expect(node.up).toBe(false);
    expect(node.storage.initialState().hardState).toMatchObject({ term: 0, vote: null });
    node.start();
    expect(node.raft?.status()).toMatchObject({ term: 0, role: 'follower' });
  });

  it('a sync completion from before a crash is ignored after the restart', () => {
    const { node, sent } = host();
    campaign(node);
    const staleIncarnation = node.incarnation;
    node.crash();
    node.start();
    node.input({ kind: 'synced', incarnation: staleIncarnation });
    expect(sent).toEqual([]);
  });

  it('a synced vote survives a crash', () => {
    const { node } = host();
    campaign(node);
    node.input({ kind: 'synced', incarnation: node.incarnation });
    node.crash();
    node.start();
    expect(node.raft?.status()).toMatchObject({ term: 1, vote: 'n1' });
  });

  it('a paused node queues input and replays the ticks it missed on resume', () => {
    const { node, sent } = host();
    node.pause(true);
    for (let i = 0; i < 25; i++) node.tick(); // more than an election timeout
    expect(sent).toEqual([]);
    node.resume();
    // The missed ticks fired its election timer: it campaigns (pre-vote is off here).
    expect(node.raft?.status().role).toBe('candidate');
  });

  it('tells a client at once when a write cannot be appended here', () => {
    const { node, replies } = host();
    node.input({
      kind: 'client',
      req: { kind: 'write', client: 'c1', seq: 1, attempt: 1, cmd: { op: 'put', key: 'k', value: 'v' } },
    });
    expect(replies).toEqual([
      {
        client: 'c1',
        seq: 1,
        attempt: 1,
        node: 'n1',
        status: 'rejected',
        reason: 'notLeader',
        leaderHint: null,
      },
    ]);
  });
});
