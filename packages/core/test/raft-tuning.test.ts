/**
 * RaftTuning: every Raft option declared once, defaulted once and validated
 * once (validateRaftTuning), with the same rules a RaftNode applies to its
 * config, so hosts can refuse a bad option before they start anything.
 */
import {
  ConfigError,
  MemoryStorage,
  RAFT_DEFAULTS,
  RAFT_TUNING_OPTIONS,
  RaftNode,
  type RaftTuning,
  validateRaftTuning,
} from '@raftkit/core';
import { describe, expect, it } from 'vitest';

const node = (tuning: RaftTuning) =>
  new RaftNode({ id: 'a', peers: ['a', 'b', 'c'], seed: 1, storage: new MemoryStorage(), ...tuning });

/** The ConfigError a call throws (the test fails if it throws nothing or something else). */
function configError(fn: () => unknown): ConfigError {
  const caught = (() => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  expect(caught).toBeInstanceOf(ConfigError);
  return caught as ConfigError;
}

describe('validateRaftTuning', () => {
  it('resolves an empty tuning to the defaults, derived ones included', () => {
    const t = validateRaftTuning({});
    expect(Object.keys(t).sort()).toEqual([...RAFT_TUNING_OPTIONS].sort());
    for (const [name, value] of Object.entries(RAFT_DEFAULTS)) {
      if (name !== 'priority') expect(t[name as keyof typeof t], name).toBe(value);
    }
    // Derived from electionTicks: fixed timeouts keep the bounds at it, grace and transfer delays twice it.
    expect(t).toMatchObject({
      minElectionTicks: 10,
      maxElectionTicks: 10,
      checkpointGraceTicks: 20,
      priorityTransferDelayTicks: 20,
    });
    expect(validateRaftTuning({ electionTicks: 16, timeouts: 'adaptive' })).toMatchObject({
      minElectionTicks: 8,
      maxElectionTicks: 64,
      checkpointGraceTicks: 32,
    });
  });

  it('is idempotent: a resolved tuning resolves to itself', () => {
    const t = validateRaftTuning({
      electionTicks: 7,
      heartbeatTicks: 2,
      timeouts: 'adaptive',
      readMode: 'lease',
    });
    expect(validateRaftTuning(t)).toEqual(t);
  });

  const bad: [string, RaftTuning | Record<string, unknown>][] = [
    ['electionTicks', { electionTicks: 1 }],
    ['electionTicks', { electionTicks: 2.5 }],
    ['heartbeatTicks', { heartbeatTicks: 10 }],
    ['preVote', { preVote: 'yes' }],
    ['readMode', { readMode: 'fast' }],
    ['readMode', { readMode: 'lease', checkQuorum: false }],
    ['maxClockDriftTicks', { maxClockDriftTicks: 10 }],
    ['maxInflightMsgs', { maxInflightMsgs: 0 }],
    ['timeouts', { timeouts: 'sometimes' }],
    ['minElectionTicks', { timeouts: 'adaptive', minElectionTicks: 11 }],
    ['maxElectionTicks', { timeouts: 'adaptive', maxElectionTicks: 9 }],
    ['adaptiveDeviationFactor', { adaptiveDeviationFactor: -1 }],
    ['checkpointGraceTicks', { checkpointGraceTicks: 0 }],
    ['snapshotChunkBytes', { snapshotChunkBytes: 0 }],
    ['clockRateCheck', { clockRateCheck: 1 }],
  ];
  for (const [option, tuning] of bad) {
    it(`refuses a bad ${option} with a ConfigError naming it, as a RaftNode does (${JSON.stringify(tuning)})`, () => {
      const error = configError(() => validateRaftTuning(tuning as RaftTuning));
      expect(error.option).toBe(option);
      expect(error.message).toContain(option);
      // One set of rules: the node refuses the same tuning for the same option.
      expect(configError(() => node(tuning as RaftTuning)).option).toBe(option);
    });
  }

  it('refuses an unknown option by name, so a misspelt one cannot silently take its default', () => {
    const error = configError(() => validateRaftTuning({ electionTick: 20 } as RaftTuning));
    expect(error.option).toBe('electionTick');
    expect(error.message).toMatch(/unknown Raft option "electionTick".*electionTicks/);
    // Per-node settings are not tuning: priority belongs to one node's RaftConfig.
    expect(configError(() => validateRaftTuning({ priority: 1 } as RaftTuning)).option).toBe('priority');
    expect(configError(() => validateRaftTuning(null as unknown as RaftTuning)).option).toBeUndefined();
  });

  it('a node runs with the tuning it was given', () => {
    const n = node({ electionTicks: 6, heartbeatTicks: 2 });
    expect(n.status().timeouts).toMatchObject({ mode: 'fixed', electionTicks: 6, heartbeatTicks: 2 });
  });
});
