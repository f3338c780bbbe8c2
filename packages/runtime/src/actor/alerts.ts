/**
 * The alerts an actor raises from what its RaftNode reports (Ready): each
 * says what happened, where, and what the operator should do.
 */
import type { ClockSkew, Divergence, IdentityConflict, SplitBrainAlert } from '@raftkit/core';

export function divergenceAlert(d: Divergence, at: number): SplitBrainAlert {
  return {
    kind: 'divergence',
    severity: 'safety',
    at,
    nodes: [d.node],
    term: null,
    index: d.index,
    duration: null,
    message:
      `node ${d.node}: state hash ${d.actual} at checkpoint ${d.index} differs from the ` +
      `quorum-confirmed ${d.expected} (detected by ${d.detectedBy}); ${d.node} is quarantined`,
    hashes: { [d.node]: d.actual },
    minority: [d.node],
  };
}

/**
 * A member spoke under another incarnation than the configuration binds: its
 * store was replaced (wiped, restored, copied) under the old id. Safe (none of
 * its votes or acknowledgements count), but it cannot rejoin by itself.
 */
export function identityConflictAlert(c: IdentityConflict, at: number): SplitBrainAlert {
  return {
    kind: 'identityConflict',
    severity: 'warning',
    at,
    nodes: [c.node],
    term: c.term,
    index: null,
    duration: null,
    message:
      `node ${c.node} speaks as store incarnation ${c.actual}, but the configuration binds it to ` +
      `${c.expected}: its data directory was replaced (wiped, restored or copied) under the old id. ` +
      `None of its votes or acknowledgements count until it is removed and added again: run ` +
      `\`raftkit repair ${c.node}\` (in-process: cluster.repair('${c.node}')). Detected by ${c.detectedBy}.`,
  };
}

/** A follower measured the leader's clock outside the lease's bound: that follower no longer extends the lease. */
export function clockSkewAlert(k: ClockSkew, at: number): SplitBrainAlert {
  return {
    kind: 'clockSkew',
    severity: 'warning',
    at,
    nodes: [k.leader, k.peer],
    term: k.term,
    index: null,
    duration: null,
    message:
      `clock of leader ${k.leader} runs at ${k.rate.toFixed(3)}x the clock of ${k.peer} ` +
      `(lease bound ${k.minRate.toFixed(3)}): ${k.peer} no longer extends ${k.leader}'s lease; lease reads ` +
      'fall back to ReadIndex. Check the clocks and the load of both nodes (NTP, VM throttling, libfaketime, ' +
      'a stalled event loop).',
  };
}
