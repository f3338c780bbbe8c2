/**
 * Defaults and validation for RaftConfig. Nonsense is refused up front with a
 * ConfigError, so the algorithm never runs on a configuration it cannot honour.
 */

import { bootstrapConf, copyConf } from './conf-state.js';
import type { RaftConfig, RaftTuning } from './config.js';
import { ConfigError } from './errors.js';
import type { Storage } from './storage.js';
import type { ConfState, NodeId, ReadMode, TimeoutMode } from './types.js';

/**
 * Defaults of every RaftTuning option with a fixed default (the others are
 * derived from these: see RaftTuning), and of RaftConfig's `priority`. The
 * one set: hosts leave an option unset rather than restate its default.
 */
export const RAFT_DEFAULTS = Object.freeze({
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  leaderStickiness: true,
  readMode: 'readIndex' as ReadMode,
  maxClockDriftTicks: 1,
  maxEntriesPerMsg: 256,
  maxBytesPerMsg: 1024 * 1024,
  maxInflightMsgs: 64,
  maxProposalBytes: 8 * 1024 * 1024,
  snapshotEntries: 10_000,
  snapshotBytes: 64 * 1024 * 1024,
  snapshotChunkBytes: 1024 * 1024,
  maxSnapshotBytes: 1024 * 1024 * 1024,
  promoteMaxLag: 64,
  checkpointInterval: 100,
  checkpointGraceIntervals: 1,
  timeouts: 'fixed' as TimeoutMode,
  adaptiveDeviationFactor: 4,
  clockRateCheck: true,
  priority: 0,
});

/** Every RaftTuning option, each with its value after defaults. */
export type ResolvedRaftTuning = { readonly [K in keyof RaftTuning]-?: NonNullable<RaftTuning[K]> };

// The compiler checks that this lists every RaftTuning option and nothing else.
const TUNING_OPTIONS: Record<keyof RaftTuning, true> = {
  electionTicks: true,
  heartbeatTicks: true,
  preVote: true,
  checkQuorum: true,
  leaderStickiness: true,
  readMode: true,
  maxClockDriftTicks: true,
  maxEntriesPerMsg: true,
  maxBytesPerMsg: true,
  maxInflightMsgs: true,
  maxProposalBytes: true,
  snapshotEntries: true,
  snapshotBytes: true,
  snapshotChunkBytes: true,
  maxSnapshotBytes: true,
  promoteMaxLag: true,
  checkpointInterval: true,
  checkpointGraceIntervals: true,
  checkpointGraceTicks: true,
  timeouts: true,
  minElectionTicks: true,
  maxElectionTicks: true,
  adaptiveDeviationFactor: true,
  priorityTransferDelayTicks: true,
  clockRateCheck: true,
};

/** The names of the RaftTuning options (hosts map flags, files and aliases onto them). */
export const RAFT_TUNING_OPTIONS = Object.freeze(Object.keys(TUNING_OPTIONS) as (keyof RaftTuning)[]);

export function isRaftTuningOption(name: string): name is keyof RaftTuning {
  return Object.hasOwn(TUNING_OPTIONS, name);
}

export interface ResolvedConfig extends ResolvedRaftTuning {
  readonly id: NodeId;
  readonly storage: Storage;
  readonly seed: number;
  readonly priority: number;
  readonly applied: number | undefined;
  readonly peers: readonly NodeId[] | undefined;
  readonly learners: readonly NodeId[];
  readonly incarnation: number;
  readonly bootstrapIncarnations: Readonly<Record<NodeId, number>>;
}

function int(name: string, value: number | undefined, fallback: number, min: number, option = name): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got ${String(value)}`, option);
  }
  return v;
}

function bool(name: string, value: boolean | undefined, fallback: boolean): boolean {
  const v = value ?? fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${name} must be a boolean, got ${String(value)}`, name);
  return v;
}

function ids(name: string, list: readonly NodeId[] | undefined): readonly NodeId[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new ConfigError(`${name} must be an array of node ids`, name);
  for (const id of list) {
    if (typeof id !== 'string' || id.length === 0)
      throw new ConfigError(`${name} contains an invalid node id`, name);
  }
  if (new Set(list).size !== list.length) throw new ConfigError(`${name} contains duplicate node ids`, name);
  return [...list];
}

/** Lease reads are sound only if followers refuse votes while they hear from a leader and a leader without a quorum steps down. */
export function leaseReadsAllowed(cfg: Pick<ResolvedConfig, 'checkQuorum' | 'leaderStickiness'>): boolean {
  return cfg.checkQuorum && cfg.leaderStickiness;
}

export interface ResolveOptions {
  /** Injected bug 'lease-without-checkquorum' only: accept lease reads without their safety preconditions. */
  readonly allowUnsafeLease?: boolean;
}

/**
 * A host's tuning, checked once by the rules every RaftNode applies, with
 * every option resolved (defaults, derived defaults). Anything a node would
 * refuse is refused here: a ConfigError whose `option` names the option (an
 * unknown name too: a misspelt option must not silently fall back to its
 * default). Hosts call it before they start anything.
 */
export function validateRaftTuning(tuning: RaftTuning, opts: ResolveOptions = {}): ResolvedRaftTuning {
  if (tuning === null || typeof tuning !== 'object' || Array.isArray(tuning))
    throw new ConfigError('the Raft tuning must be an object');
  for (const name of Object.keys(tuning)) {
    if (!isRaftTuningOption(name)) {
      throw new ConfigError(
        `unknown Raft option ${JSON.stringify(name)} (options: ${RAFT_TUNING_OPTIONS.join(', ')})`,
        name,
      );
    }
  }
  return resolveTuning(tuning, opts);
}

/** The RaftTuning fields of `config` resolved; other fields are ignored. */
function resolveTuning(config: RaftTuning, opts: ResolveOptions): ResolvedRaftTuning {
  const electionTicks = int('electionTicks', config.electionTicks, RAFT_DEFAULTS.electionTicks, 2);
  const heartbeatTicks = int('heartbeatTicks', config.heartbeatTicks, RAFT_DEFAULTS.heartbeatTicks, 1);
  if (heartbeatTicks >= electionTicks) {
    throw new ConfigError(
      `heartbeatTicks (${heartbeatTicks}) must be < electionTicks (${electionTicks})`,
      'heartbeatTicks',
    );
  }
  const preVote = bool('preVote', config.preVote, RAFT_DEFAULTS.preVote);
  const checkQuorum = bool('checkQuorum', config.checkQuorum, RAFT_DEFAULTS.checkQuorum);
  const leaderStickiness = bool('leaderStickiness', config.leaderStickiness, RAFT_DEFAULTS.leaderStickiness);
  const readMode = config.readMode ?? RAFT_DEFAULTS.readMode;
  if (readMode !== 'readIndex' && readMode !== 'lease') {
    throw new ConfigError(`readMode must be 'readIndex' or 'lease', got ${String(readMode)}`, 'readMode');
  }
  if (
    readMode === 'lease' &&
    !opts.allowUnsafeLease &&
    !leaseReadsAllowed({ checkQuorum, leaderStickiness })
  ) {
    throw new ConfigError("readMode 'lease' requires checkQuorum and leaderStickiness", 'readMode');
  }
  const maxClockDriftTicks = int(
    'maxClockDriftTicks',
    config.maxClockDriftTicks,
    RAFT_DEFAULTS.maxClockDriftTicks,
    0,
  );
  if (maxClockDriftTicks >= electionTicks) {
    throw new ConfigError(
      `maxClockDriftTicks (${maxClockDriftTicks}) must be < electionTicks (${electionTicks})`,
      'maxClockDriftTicks',
    );
  }
  const timeouts = config.timeouts ?? RAFT_DEFAULTS.timeouts;
  if (timeouts !== 'fixed' && timeouts !== 'adaptive') {
    throw new ConfigError(`timeouts must be 'fixed' or 'adaptive', got ${String(timeouts)}`, 'timeouts');
  }
  const adaptive = timeouts === 'adaptive';
  const minElectionTicks = int(
    'minElectionTicks',
    config.minElectionTicks,
    adaptive
      ? Math.min(
          electionTicks,
          Math.max(2, heartbeatTicks + 1, maxClockDriftTicks + 1, Math.ceil(electionTicks / 2)),
        )
      : electionTicks,
    2,
  );
  const maxElectionTicks = int(
    'maxElectionTicks',
    config.maxElectionTicks,
    adaptive ? 4 * electionTicks : electionTicks,
    2,
  );
  if (minElectionTicks > electionTicks || electionTicks > maxElectionTicks) {
    throw new ConfigError(
      `need minElectionTicks (${minElectionTicks}) <= electionTicks (${electionTicks}) <= maxElectionTicks (${maxElectionTicks})`,
      minElectionTicks > electionTicks ? 'minElectionTicks' : 'maxElectionTicks',
    );
  }
  if (heartbeatTicks >= minElectionTicks || maxClockDriftTicks >= minElectionTicks) {
    throw new ConfigError(
      `heartbeatTicks (${heartbeatTicks}) and maxClockDriftTicks (${maxClockDriftTicks}) must be < minElectionTicks (${minElectionTicks})`,
      heartbeatTicks >= minElectionTicks ? 'heartbeatTicks' : 'maxClockDriftTicks',
    );
  }
  const k = config.adaptiveDeviationFactor ?? RAFT_DEFAULTS.adaptiveDeviationFactor;
  if (typeof k !== 'number' || !Number.isFinite(k) || k < 0) {
    throw new ConfigError(
      `adaptiveDeviationFactor must be a finite number >= 0, got ${String(k)}`,
      'adaptiveDeviationFactor',
    );
  }
  return {
    electionTicks,
    heartbeatTicks,
    preVote,
    checkQuorum,
    leaderStickiness,
    readMode,
    maxClockDriftTicks,
    maxEntriesPerMsg: int('maxEntriesPerMsg', config.maxEntriesPerMsg, RAFT_DEFAULTS.maxEntriesPerMsg, 1),
    maxBytesPerMsg: int('maxBytesPerMsg', config.maxBytesPerMsg, RAFT_DEFAULTS.maxBytesPerMsg, 1),
    maxInflightMsgs: int('maxInflightMsgs', config.maxInflightMsgs, RAFT_DEFAULTS.maxInflightMsgs, 1),
    maxProposalBytes: int('maxProposalBytes', config.maxProposalBytes, RAFT_DEFAULTS.maxProposalBytes, 1),
    snapshotEntries: int('snapshotEntries', config.snapshotEntries, RAFT_DEFAULTS.snapshotEntries, 0),
    snapshotBytes: int('snapshotBytes', config.snapshotBytes, RAFT_DEFAULTS.snapshotBytes, 0),
    snapshotChunkBytes: int(
      'snapshotChunkBytes',
      config.snapshotChunkBytes,
      RAFT_DEFAULTS.snapshotChunkBytes,
      1,
    ),
    maxSnapshotBytes: int('maxSnapshotBytes', config.maxSnapshotBytes, RAFT_DEFAULTS.maxSnapshotBytes, 0),
    promoteMaxLag: int('promoteMaxLag', config.promoteMaxLag, RAFT_DEFAULTS.promoteMaxLag, 0),
    checkpointInterval: int(
      'checkpointInterval',
      config.checkpointInterval,
      RAFT_DEFAULTS.checkpointInterval,
      0,
    ),
    checkpointGraceIntervals: int(
      'checkpointGraceIntervals',
      config.checkpointGraceIntervals,
      RAFT_DEFAULTS.checkpointGraceIntervals,
      0,
    ),
    checkpointGraceTicks: int('checkpointGraceTicks', config.checkpointGraceTicks, 2 * electionTicks, 1),
    timeouts,
    minElectionTicks,
    maxElectionTicks,
    adaptiveDeviationFactor: k,
    priorityTransferDelayTicks: int(
      'priorityTransferDelayTicks',
      config.priorityTransferDelayTicks,
      2 * electionTicks,
      0,
    ),
    clockRateCheck: bool('clockRateCheck', config.clockRateCheck, RAFT_DEFAULTS.clockRateCheck),
  };
}

export function resolveConfig(config: RaftConfig, opts: ResolveOptions = {}): ResolvedConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError('config must be an object');
  if (typeof config.id !== 'string' || config.id.length === 0)
    throw new ConfigError('id must be a non-empty string', 'id');
  const s = config.storage as Partial<Storage> | undefined;
  if (
    !s ||
    typeof s.initialState !== 'function' ||
    typeof s.term !== 'function' ||
    typeof s.entries !== 'function'
  ) {
    throw new ConfigError('storage must implement the Storage interface', 'storage');
  }
  if (typeof config.seed !== 'number' || !Number.isFinite(config.seed)) {
    throw new ConfigError(`seed must be a finite number, got ${String(config.seed)}`, 'seed');
  }
  const tuning = resolveTuning(config, opts);
  const applied = config.applied === undefined ? undefined : int('applied', config.applied, 0, 0);
  const peers = ids('peers', config.peers);
  const learners = ids('learners', config.learners) ?? [];
  if (peers) {
    const overlap = learners.find((l) => peers.includes(l));
    if (overlap !== undefined)
      throw new ConfigError(`node ${overlap} is both a voter and a learner`, 'learners');
  }
  return {
    ...tuning,
    id: config.id,
    storage: config.storage,
    seed: config.seed,
    priority: int('priority', config.priority, RAFT_DEFAULTS.priority, 0),
    applied,
    peers,
    learners,
    incarnation: int('incarnation', config.incarnation, 0, 0),
    bootstrapIncarnations: incarnationMap(config.bootstrapIncarnations),
  };
}

function incarnationMap(
  value: Readonly<Record<NodeId, number>> | undefined,
): Readonly<Record<NodeId, number>> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object')
    throw new ConfigError('bootstrapIncarnations must be an object', 'bootstrapIncarnations');
  const out: Record<NodeId, number> = {};
  for (const [id, inc] of Object.entries(value))
    out[id] = int(`bootstrapIncarnations.${id}`, inc, 0, 1, 'bootstrapIncarnations');
  return out;
}

/**
 * The membership to start with: what storage recorded, else the bootstrap
 * peers from config. At bootstrap this node must be a member.
 */
export function resolveMembership(
  cfg: Pick<ResolvedConfig, 'id' | 'peers' | 'learners'> & {
    readonly bootstrapIncarnations?: Readonly<Record<NodeId, number>>;
  },
  stored: ConfState | null,
): ConfState {
  if (stored) {
    if (stored.voters.length === 0) throw new ConfigError('stored membership has no voters');
    return copyConf(stored);
  }
  if (!cfg.peers || cfg.peers.length === 0) {
    throw new ConfigError('peers must list the voters when storage holds no membership (bootstrap)', 'peers');
  }
  if (!cfg.peers.includes(cfg.id) && !cfg.learners.includes(cfg.id)) {
    throw new ConfigError(`node ${cfg.id} is not in peers or learners at bootstrap`, 'peers');
  }
  return bootstrapConf(cfg.peers, cfg.learners, cfg.bootstrapIncarnations);
}
