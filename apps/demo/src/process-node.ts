/**
 * One node of `pnpm demo --processes`: an OS process (forked by
 * process-cluster.ts) running a @raftkit/net RaftkitNode that talks to its
 * peers over authenticated TCP. The demo drives it over the IPC channel:
 * status, leadership transfer, and the fault table of this process's router
 * (so isolating a node cuts its real TCP traffic on both ends). The node's
 * events (role transitions, alerts, observations for the demo's split-brain
 * monitor, periodic status), subscribed before its first tick, are forwarded
 * to the demo as they happen.
 */

import type { RaftTuning, SplitBrainAlert } from '@raftkit/core';
import { RaftkitNode } from '@raftkit/net';
import type { ObservationData, RuntimeNodeStatus, TransitionEvent } from '@raftkit/runtime';

export interface NodeStartMessage {
  readonly type: 'start';
  readonly id: string;
  readonly port: number;
  readonly peers: Readonly<Record<string, number>>;
  readonly dataDir: string;
  readonly secret: string;
  readonly clusterId: string;
  /** The tick and the Raft tuning every node of the demo runs with. */
  readonly timing: { readonly tickMs: number; readonly raft: RaftTuning };
  /** The demo's fault table, in place before the node's first tick. */
  readonly faults: FaultState;
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
  | { readonly type: 'transition'; readonly transition: TransitionEvent }
  | { readonly type: 'alert'; readonly alert: SplitBrainAlert }
  /** What the node reports for a split-brain monitor (the demo runs one over every node). */
  | { readonly type: 'observation'; readonly observation: ObservationData }
  /** The node's status, every two ticks (for the page). */
  | { readonly type: 'status'; readonly status: RuntimeNodeStatus; readonly at: number }
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
  const node = await RaftkitNode.create({
    id: msg.id,
    listen: { host: '127.0.0.1', port: msg.port },
    peers,
    dataDir: msg.dataDir,
    secret: msg.secret,
    clusterId: msg.clusterId,
    tickMs: msg.timing.tickMs,
    raft: msg.timing.raft,
    statusIntervalMs: Math.max(10, 2 * msg.timing.tickMs),
  });
  // Subscribed before start(): the demo sees this node's first election too.
  node.events.on('transition', (transition) => send({ type: 'transition', transition }));
  node.events.on('alert', (alert) => send({ type: 'alert', alert }));
  node.events.on('observation', (observation) => send({ type: 'observation', observation }));
  node.events.on('status', (s) => {
    const status = s.nodes[node.id];
    if (status) send({ type: 'status', status, at: s.at });
  });
  applyFaults(node, msg.faults);
  await node.start();
  // An actor that died took the node down: end the process, so the demo sees it go.
  void node.stopped.then((failure) => {
    if (failure) process.exit(1);
  });
  return node;
}

let node: RaftkitNode | null = null;

process.on('message', (raw: NodeStartMessage | NodeCall) => {
  if (raw.type === 'start') {
    start(raw).then(
      (n) => {
        node = n;
        send({ type: 'ready', id: raw.id });
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
