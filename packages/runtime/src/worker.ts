/**
 * Entry point of an actor worker (loaded from dist/worker.js). Opens the
 * node's storage and state machine, starts the NodeActor, wires its ports:
 * raw Raft frames on raftPort (and on the direct ports to peer actors the
 * router hands over there), the Comlink control API on controlPort,
 * batched proposals and reads on opsPort, side work on sidePort, and events
 * on parentPort.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bootstrapConf } from '@raftkit/core';
import * as Comlink from 'comlink';
import { NodeActor } from './actor/node-actor.js';
import { OpsServer } from './actor/ops-server.js';
import { KILL_MESSAGE, KILLED_EXIT_CODE, type WorkerInit } from './actor/worker-init.js';
import type { ActorEvent, NodeControlApi } from './control/api.js';
import { portEndpoint } from './control/comlink-endpoint.js';
import { toWireError } from './error-wire.js';
import { createStateMachine } from './machine/state-machine-spec.js';
import { SideWorkClient } from './side-work/client.js';
import { PoolSnapshotCodec } from './side-work/snapshot-codec.js';
import type { DurableStorage } from './storage/durable-storage.js';
import { LmdbStorage } from './storage/lmdb-storage.js';
import { MemoryDurableStorage } from './storage/memory-storage.js';
import { DirectPeers } from './transport/direct-peers.js';
import type { RouterToActor } from './transport/port-protocol.js';

const init = workerData as WorkerInit;
const events = parentPort;
if (!events) throw new Error('worker.ts must run in a worker thread');
const emit = (ev: ActorEvent) => events.postMessage(ev);
// `cluster.kill`: end this thread at once, between two tasks (process.exit in a worker ends only the
// worker). Not worker.terminate() from outside: that can interrupt lmdb-js inside a native call, whose
// error then cannot be thrown in a terminating thread and aborts the whole process (seen under load).
events.on('message', (m: unknown) => {
  if ((m as { type?: string } | null)?.type === KILL_MESSAGE) process.exit(KILLED_EXIT_CODE);
});
events.unref();

async function main(): Promise<void> {
  let storage: DurableStorage | null = null;
  const side = new SideWorkClient(init.sidePort);
  try {
    // Written into a new store, so a restart rebuilds the membership without being told again.
    const boot = bootstrapConf(init.actor.peers, init.actor.learners ?? [], init.actor.bootstrapIncarnations);
    storage =
      init.storage.kind === 'lmdb'
        ? LmdbStorage.open({
            path: init.storage.path,
            nodeId: init.actor.id,
            mode: init.storage.mode,
            durability: init.storage.durability,
            bootstrapConf: boot,
            ...(init.actor.incarnation !== undefined ? { incarnation: init.actor.incarnation } : {}),
          })
        : new MemoryDurableStorage(boot, init.actor.incarnation);
    const sm = await createStateMachine(init.actor.machine, init.actor.id);
    const codec = new PoolSnapshotCodec(side, {
      compression: init.actor.snapshot.compression,
      level: init.actor.snapshot.level,
    });
    // Direct ports arrive on raftPort, whose listener is added once the actor exists.
    const direct = new DirectPeers((m) => actor.onInbound(m));
    const actor = await NodeActor.create(init.actor, storage, sm, {
      sendFrames: (out) => {
        const rest = direct.route(out);
        if (rest !== null) init.raftPort.postMessage(rest, rest.bufs);
      },
      emit,
      side,
      codec,
      directTraffic: () => direct.traffic(),
    });
    init.raftPort.on('message', (m: RouterToActor) => {
      if ('kind' in m) direct.onControl(m);
      else actor.onInbound(m);
    });
    const ops = new OpsServer(init.opsPort, actor);

    const api: NodeControlApi = {
      status: () => actor.status(),
      transferLeadership: (to) => actor.transferLeadership(to),
      confChange: (change) => actor.confChange(change),
      campaign: () => actor.campaign(),
      verifyStateHash: () => actor.verifyStateHash(),
      injectCorruption: (key) => actor.injectCorruption(key),
      quarantine: (reason) => actor.quarantine(reason),
      releaseQuarantine: () => actor.releaseQuarantine(),
      snapshotState: () => {
        const r = actor.snapshotState();
        if (r.ok) {
          const data = r.value.data;
          if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) {
            return Comlink.transfer(r, [data.buffer as ArrayBuffer]);
          }
        }
        return r;
      },
      shutdown: async () => {
        try {
          await actor.stop();
          side.close();
          ops.close();
          direct.close();
          init.raftPort.close();
          return { ok: true, value: undefined };
        } catch (err) {
          return { ok: false, error: toWireError(err) };
        }
      },
    };
    Comlink.expose(api, portEndpoint(init.controlPort));
    actor.start();
    const st = actor.status();
    if (st.ok) emit({ type: 'ready', status: st.value });
    actor.announceStart();
  } catch (err) {
    await storage?.close().catch(() => {});
    side.close();
    emit({ type: 'fatal', error: toWireError(err) });
  }
}

void main();
