/**
 * Worker entry of a node process's Raft actor (loaded from dist/node/actor-worker.js).
 *
 * It hosts the runtime's NodeActor (RaftNode + LMDB storage + KV state
 * machine + tick timer + Ready loop) exactly as the runtime's own worker
 * does, wired to two ports: raw Raft batches for the router, and a small
 * request/response control channel. It exists because the runtime's
 * createCluster() hosts every node id in one process; a node process must
 * host one id and reach the others through TCP (see the README).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KvStateMachine } from '@raftkit/core';
import {
  type ActorEvent,
  type DurableStorage,
  type InboundBatches,
  LmdbStorage,
  MemoryDurableStorage,
  NodeActor,
  type Reply,
  toWireError,
} from '@raftkit/runtime';
import type { ActorWorkerInit, ControlRequest, ControlResponse } from './actor-protocol.js';

const init = workerData as ActorWorkerInit;
const events = parentPort;
if (!events) throw new Error('actor-worker must run in a worker thread');
const emit = (ev: ActorEvent) => events.postMessage(ev);

async function main(): Promise<void> {
  let storage: DurableStorage | null = null;
  try {
    storage =
      init.storage.kind === 'lmdb'
        ? LmdbStorage.open({
            path: init.storage.path,
            nodeId: init.actor.id,
            mode: init.storage.mode,
            durability: 'syncCommit',
          })
        : new MemoryDurableStorage();
    const actor = new NodeActor(init.actor, storage, new KvStateMachine(), {
      sendFrames: (out, transfer) => init.raftPort.postMessage(out, transfer),
      emit,
      side: null,
    });
    init.raftPort.on('message', (m: InboundBatches) => actor.onInbound(m));
    init.controlPort.on('message', (req: ControlRequest) => {
      void handle(actor, req).then(
        (reply) => init.controlPort.postMessage({ id: req.id, reply } satisfies ControlResponse),
        (err: unknown) =>
          init.controlPort.postMessage({
            id: req.id,
            reply: { ok: false, error: toWireError(err) },
          } satisfies ControlResponse),
      );
    });
    actor.start();
    const st = actor.status();
    if (st.ok) emit({ type: 'ready', status: st.value });
  } catch (err) {
    await storage?.close().catch(() => {});
    emit({ type: 'fatal', error: toWireError(err) });
  }
}

async function handle(actor: NodeActor, req: ControlRequest): Promise<Reply<unknown>> {
  const a = req.args;
  switch (req.method) {
    case 'status':
      return actor.status();
    case 'propose':
      return actor.propose(a[0] as Uint8Array);
    case 'read':
      return actor.read(a[0] as string, a[1] as 'linearizable' | 'lease' | 'stale');
    case 'transferLeadership':
      return actor.transferLeadership(a[0] as string);
    case 'campaign':
      return actor.campaign();
    case 'shutdown':
      await actor.stop();
      init.raftPort.close();
      return { ok: true, value: undefined };
    default:
      return {
        ok: false,
        error: { code: 'INVALID_REQUEST', message: `unknown control method ${String(req.method)}` },
      };
  }
}

void main();
