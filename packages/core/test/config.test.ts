import { ConfigError, MemoryStorage, RAFT_DEFAULTS, RaftNode } from '@raftkit/core';
import { describe, expect, it } from 'vitest';
import { entriesWithTerms } from './helpers/builders.js';

const ok = () => ({ id: 'a', peers: ['a', 'b', 'c'], seed: 1, storage: new MemoryStorage() });

describe('config validation refuses nonsense with ConfigError', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['heartbeatTicks >= electionTicks', { heartbeatTicks: 10, electionTicks: 10 }],
    ['electionTicks below 2', { electionTicks: 1 }],
    ['non-integer ticks', { electionTicks: 2.5 }],
    ['lease reads without CheckQuorum', { readMode: 'lease', checkQuorum: false }],
    ['lease reads without stickiness', { readMode: 'lease', leaderStickiness: false }],
    ['unknown read mode', { readMode: 'fast' }],
    ['self not in peers at bootstrap', { peers: ['b', 'c'] }],
    ['no peers and empty storage', { peers: undefined }],
    ['duplicate peers', { peers: ['a', 'a', 'b'] }],
    ['a node both voter and learner', { learners: ['b'] }],
    ['a non-finite seed', { seed: Number.NaN }],
    ['empty id', { id: '' }],
    ['maxClockDriftTicks >= electionTicks', { maxClockDriftTicks: 10 }],
    ['zero maxInflightMsgs', { maxInflightMsgs: 0 }],
    ['non-boolean preVote', { preVote: 'yes' }],
    ['missing storage', { storage: undefined }],
  ];
  for (const [name, patch] of bad) {
    it(name, () => {
      expect(() => new RaftNode({ ...ok(), ...patch } as never)).toThrow(ConfigError);
    });
  }

  it('applied outside [snapshot index, commit] is refused', () => {
    const storage = new MemoryStorage({
      entries: entriesWithTerms([1, 1]),
      hardState: { term: 1, vote: null, commit: 1 },
    });
    expect(() => new RaftNode({ ...ok(), storage, applied: 2 })).toThrow(ConfigError);
    expect(new RaftNode({ ...ok(), storage, applied: 1 }).status().appliedIndex).toBe(1);
  });
});

describe('config defaults and membership', () => {
  it('split-brain defences are on by default', () => {
    expect(RAFT_DEFAULTS).toMatchObject({
      preVote: true,
      checkQuorum: true,
      leaderStickiness: true,
      readMode: 'readIndex',
    });
  });

  it('a learner may bootstrap itself through `learners`', () => {
    const n = new RaftNode({ ...ok(), id: 'd', learners: ['d'] });
    expect(n.status().conf).toEqual({ voters: ['a', 'b', 'c'], learners: ['d'] });
  });

  it('membership stored in storage wins over bootstrap peers on restart', () => {
    const storage = new MemoryStorage({ confState: { voters: ['a', 'x', 'y'], learners: [] } });
    const n = new RaftNode({ ...ok(), storage });
    expect(n.status().conf.voters).toEqual(['a', 'x', 'y']);
  });
});
