/**
 * One node of `pnpm demo --processes`: an OS process (forked by
 * process-cluster.ts) running a @raftkit/net RaftkitNode that talks to its
 * peers over authenticated TCP. The demo drives it over the IPC channel:
 * status, leadership transfer, and the fault table of this process's router
 * (so isolating a node cuts its real TCP traffic on both ends). Role
 * transitions and alerts the node logs are forwarded to the demo.
 */

import type { Role, TransitionReason } from '@raftkit/core';
import { type LogFields, type LogLevel, RaftkitNode } from '@raftkit/net';

export interface NodeStartMessage {
  readonly type: 'start';
  readonly id: string;
  readonly port: number;
  readonly peers: Readonly<Record<string, number>>;
  readonly dataDir: string;
  readonly secret: string;
  readonly clusterId: string;
  readonly tickMs: number;
  readonly electionTicks: number;
}

export interface FaultState {
  readonly partition: readonly (readonly string[])[] | null;
  readonly isolated: readonly string[];
  readonly delayMs: number;
}

export type NodeCallBody =
  | { readonly op: 'status' }
  | { readonly op: 'transfer'; readonly to: string }
  | { readonly op: 'faults'; readonly faults: FaultState }
  | { readonly op: 'stop' };

export type NodeCall = NodeCallBody & { readonly type: 'call'; readonly seq: number };

export type NodeMessage =
  | { readonly type: 'ready'; readonly id: string }
  | { readonly type: 'startFailed'; readonly error: string }
  | {
      readonly type: 'transition';
      readonly node: string;
      readonly from: Role;
      readonly to: Role;
      readonly term: number;
      readonly reason: TransitionReason;
      readonly at: number;
    }
  | { readonly type: 'alert'; readonly alert: unknown }
  /** The node's status, pushed every two ticks and right after each role transition (for the monitor and the page). */
  | { readonly type: 'observation'; readonly status: unknown; readonly at: number }
  | {
      readonly type: 'reply';
      readonly seq: number;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly error?: string;
    };

const send = (m: NodeMessage) => process.send?.(m);

function applyFaults(node: RaftkitNode, f: FaultState): void {
  const table = node.router.faults;
  table.heal();
  if (f.partition) table.partition(f.partition);
  for (const id of f.isolated) table.isolate(id);
  // Only this node's outgoing traffic: the receiving process must not add the delay a second time.
  if (f.delayMs > 0) table.setLinkFaults({ delayMs: f.delayMs }, { from: node.id });
}

async function start(msg: NodeStartMessage): Promise<RaftkitNode> {
  const peers = new Map(Object.entries(msg.peers).map(([id, port]) => [id, { host: '127.0.0.1', port }]));
  return RaftkitNode.start({
    id: msg.id,
    listen: { host: '127.0.0.1', port: msg.port },
    peers,
    dataDir: msg.dataDir,
    secret: msg.secret,
    clusterId: msg.clusterId,
    tickMs: msg.tickMs,
    electionTicks: msg.electionTicks,
    logger: {
      // The node reports its role transitions and alerts through its log.
      log(_level: LogLevel, message: string, fields?: LogFields) {
        if (message === 'role transition' && fields) {
          observeSoon();
          send({
            type: 'transition',
            node: String(fields.node),
            from: fields.from as Role,
            to: fields.to as Role,
            term: Number(fields.term),
            reason: fields.reason as TransitionReason,
            at: Date.now(),
          });
        } else if (message === 'split-brain alert' && fields) {
          send({ type: 'alert', alert: fields.alert });
        }
      },
    },
  });
}

let node: RaftkitNode | null = null;
let observing = false;
let again = false;

/** Push the node's status now (coalesced: one request in flight, one more queued at most). */
function observeSoon(): void {
  if (observing) {
    again = true;
    return;
  }
  const n = node;
  if (!n) return;
  observing = true;
  n.actor
    .status()
    .then((status) => send({ type: 'observation', status, at: Date.now() }))
    .catch(() => {})
    .finally(() => {
      observing = false;
      if (again) {
        again = false;
        observeSoon();
      }
    });
}

process.on('message', (raw: NodeStartMessage | NodeCall) => {
  if (raw.type === 'start') {
    start(raw).then(
      (n) => {
        node = n;
        send({ type: 'ready', id: raw.id });
        setInterval(observeSoon, Math.max(10, 2 * raw.tickMs)).unref();
        observeSoon();
      },
      (err) => {
        send({ type: 'startFailed', error: (err as Error).message });
        process.exit(1);
      },
    );
    return;
  }
  const reply = (p: Promise<unknown>) =>
    p.then(
      (value) => send({ type: 'reply', seq: raw.seq, ok: true, value }),
      (err) => send({ type: 'reply', seq: raw.seq, ok: false, error: (err as Error).message }),
    );
  const n = node;
  if (!n) {
    send({ type: 'reply', seq: raw.seq, ok: false, error: 'node not started' });
    return;
  }
  switch (raw.op) {
    case 'status':
      reply(n.actor.status());
      break;
    case 'transfer':
      reply(n.actor.transferLeadership(raw.to));
      break;
    case 'faults':
      reply(Promise.resolve().then(() => applyFaults(n, raw.faults)));
      break;
    case 'stop':
      reply(n.stop()).then(() => process.exit(0));
      break;
  }
});

// The demo going away (IPC closed) ends this node too.
process.on('disconnect', () => {
  void (node?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
