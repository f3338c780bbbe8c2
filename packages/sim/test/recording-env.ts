import type { Message } from '@raftkit/core';
import type { ClientReply } from '../src/client-protocol.js';
import { InvariantSuite } from '../src/invariants/index.js';
import type { NodeEnv } from '../src/sim-node.js';

/**
 * The environment of a SimNode tested on its own, instead of a simulation:
 * it records the messages sent, the client replies and the syncs asked for.
 */
export function recordingEnv(opts: { invariants?: InvariantSuite; replyBeforePersist?: boolean } = {}) {
  const sent: Message[] = [];
  const replies: ClientReply[] = [];
  let syncs = 0;
  const env: NodeEnv = {
    now: 0,
    invariants: opts.invariants ?? new InvariantSuite(),
    replyBeforePersist: opts.replyBeforePersist ?? false,
    scheduleSync: () => {
      syncs++;
    },
    send: (m) => sent.push(m),
    reply: (r) => replies.push(r),
    changed: () => {},
    clusterEvent: () => {},
    crashFired: () => {},
    log: () => {},
    maxCatchUpTicks: 30,
  };
  return { env, sent, replies, syncs: () => syncs };
}
