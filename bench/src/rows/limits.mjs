// Row 1: the limits of this machine, measured in the same run: worker
// MessagePort round trip and pipelined frames/s for a typical AppendEntries
// frame, msgpack encode+decode of it, LMDB synced write batches/s and entries/s.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import { decodeMessage, encodeMessage } from '@raftkit/core';
import { typicalAppend } from '../fixtures.mjs';
import { progress } from '../progress.mjs';
import { summarize } from '../stats.mjs';

const ECHO_WORKER = new URL('../workers/port-echo.mjs', import.meta.url);
const RUNTIME_PACKAGE = fileURLToPath(new URL('../../../packages/runtime/package.json', import.meta.url));

async function startEchoWorker() {
  const worker = new Worker(ECHO_WORKER);
  const { port1, port2 } = new MessageChannel();
  const ready = new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  worker.postMessage({ port: port2 }, [port2]);
  await ready;
  return { worker, port: port1 };
}

/** Sequential round trips of `bytes` (a transferred ArrayBuffer there and back). */
async function roundTrips(port, frame, ms) {
  const lat = [];
  let buf = frame.slice().buffer;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t0 = performance.now();
    buf = await new Promise((resolve) => {
      port.once('message', (m) => resolve(m.echo));
      port.postMessage({ echo: buf }, [buf]);
    });
    lat.push(performance.now() - t0);
  }
  return summarize(lat);
}

/**
 * The critical path of one replicated write, with no Raft in it: a frame
 * relayed main -> w1 -> main -> w2 -> main -> w1 -> main (leader, follower,
 * leader: 6 hops through the main thread), 3 workers alive as in a 3-node cluster.
 */
async function relayChain(ports, frame, ms) {
  const lat = [];
  let buf = frame.slice().buffer;
  const hop = (port, b) =>
    new Promise((resolve) => {
      port.once('message', (m) => resolve(m.echo));
      port.postMessage({ echo: b }, [b]);
    });
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t0 = performance.now();
    buf = await hop(ports[0], buf);
    buf = await hop(ports[1], buf);
    buf = await hop(ports[0], buf);
    lat.push(performance.now() - t0);
  }
  return summarize(lat);
}

/** Frames sent one way with `window` unacknowledged, each acked: frames/s. */
async function pipelined(port, frame, ms, window) {
  let sent = 0;
  let acked = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  await new Promise((resolve) => {
    const send = () => {
      const copy = frame.slice().buffer; // a fresh buffer per frame, as encodeMessage makes one
      port.postMessage({ frame: copy }, [copy]);
      sent++;
    };
    port.on('message', function onAck() {
      acked++;
      if (performance.now() < end) send();
      else if (acked === sent) {
        port.off('message', onAck);
        resolve();
      }
    });
    for (let i = 0; i < window; i++) send();
  });
  const s = (performance.now() - t0) / 1000;
  return { framesPerSec: acked / s, window };
}

function codec(frame, ms) {
  const msg = typicalAppend();
  const time = (fn) => {
    for (let i = 0; i < 500; i++) fn(); // warm up
    let n = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    while (performance.now() < end) {
      for (let i = 0; i < 100; i++) fn();
      n += 100;
    }
    const us = ((performance.now() - t0) * 1000) / n;
    return { usPerOp: us, opsPerSec: 1e6 / us };
  };
  return {
    frameBytes: frame.byteLength,
    encode: time(() => encodeMessage(msg)),
    decode: time(() => decodeMessage(frame)),
    encodeDecode: time(() => decodeMessage(encodeMessage(msg))),
  };
}

/**
 * LMDB as the runtime opens it (syncCommit: overlappingSync off): awaited
 * batches of `size` 100-byte puts, in `stores` separate environments writing
 * at the same time (a 3-node cluster has three stores syncing on one disk).
 */
async function lmdbSynced(ms, size, stores = 1) {
  const { open } = createRequire(RUNTIME_PACKAGE)('lmdb');
  const dir = mkdtempSync(join(tmpdir(), 'raftkit-bench-lmdb-'));
  const envs = Array.from({ length: stores }, (_, i) => {
    const env = open({ path: join(dir, `s${i}`), compression: false, maxDbs: 4, overlappingSync: false });
    return { env, db: env.openDB({ name: 'log', encoding: 'binary' }) };
  });
  const value = new Uint8Array(116); // crc | term | type | 100-byte entry, as LmdbStorage stores it
  try {
    const lat = [];
    let batches = 0;
    const t0 = performance.now();
    const end = t0 + ms;
    const writer = async ({ env, db }) => {
      let key = 1;
      for (let w = 0; w < 5; w++) await env.batch(() => db.put(key++, value)); // open the map
      while (performance.now() < end) {
        const b0 = performance.now();
        await env.batch(() => {
          for (let i = 0; i < size; i++) db.put(key++, value);
        });
        lat.push(performance.now() - b0);
        batches++;
      }
    };
    await Promise.all(envs.map(writer));
    const s = (performance.now() - t0) / 1000;
    return {
      batchSize: size,
      stores,
      batchesPerSec: batches / s,
      entriesPerSec: (batches * size) / s,
      latencyMs: summarize(lat),
    };
  } finally {
    for (const { env } of envs) await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runLimits({ quick }) {
  const ms = quick ? 400 : 2000;
  const frame = encodeMessage(typicalAppend());
  const config = {
    frame: `encodeMessage(append of 64 x 100 B entries) = ${frame.byteLength} B`,
    workers: '3 echo workers on MessageChannel ports (as many as a 3-node cluster); round trips use worker 1',
    writePathRelay:
      'a 200-byte buffer relayed main -> w1 -> main -> w2 -> main -> w1 -> main: the 6 hops of one replicated write, without Raft',
    durationMsPerStep: ms,
    lmdb: 'lmdb-js from packages/runtime, compression off, overlappingSync false (syncCommit), env.batch awaited',
  };
  progress.step(`MessagePort round trips (${ms} ms each)`);
  const workers = [await startEchoWorker(), await startEchoWorker(), await startEchoWorker()];
  const { port } = workers[0];
  let port0;
  try {
    port0 = {
      emptyRoundTrip: await roundTrips(port, new Uint8Array(8), ms),
      frameRoundTrip: await roundTrips(port, frame, ms),
      writePathRelay: await relayChain(
        workers.map((w) => w.port),
        new Uint8Array(200),
        ms,
      ),
      pipelined: await pipelined(port, frame, ms, 64),
    };
  } finally {
    for (const w of workers) {
      w.port.postMessage({ stop: true });
      w.port.close();
      await w.worker.terminate();
    }
  }
  progress.step('msgpack encode/decode');
  const msgpack = codec(frame, ms);
  progress.step('LMDB synced batches of 1 and 64 entries; 3 stores at once');
  const lmdb1 = await lmdbSynced(ms, 1);
  const lmdb64 = await lmdbSynced(ms, 64);
  const lmdb64x3 = await lmdbSynced(ms, 64, 3);
  return {
    config,
    messagePort: port0,
    msgpack,
    lmdb: { batch1: lmdb1, batch64: lmdb64, batch64x3stores: lmdb64x3 },
  };
}
