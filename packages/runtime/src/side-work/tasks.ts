import { crc32 } from 'node:zlib';
import { digestBytes } from '../machine/snapshot-digest.js';
import { createStateMachine } from '../machine/state-machine-spec.js';
import { packEnvelope, SnapshotEnvelopeError, unpackEnvelope } from '../snapshot/envelope.js';
import type { SideResult, SideTask } from './protocol.js';

/** Piscina task module (loaded from dist): runs one side task in a pool thread. */
export default async function run(task: SideTask): Promise<SideResult> {
  switch (task.kind) {
    case 'stateHash': {
      const sm = await createStateMachine(task.machine);
      try {
        // KvStateMachine.restore rebuilds the state and hashes it from scratch
        // (and refuses a snapshot whose content does not match its hash). A
        // machine without its own hash is checked by a round trip instead: the
        // restored state must snapshot to the same bytes (the same digest).
        sm.restore(task.snapshot);
      } catch (err) {
        return { kind: 'stateHash', full: null, ok: false, message: (err as Error).message };
      }
      const full = sm.derivesHash ? digestBytes(sm.snapshot()) : sm.hash();
      const ok = full === task.expected;
      return {
        kind: 'stateHash',
        full,
        ok,
        message: ok ? null : `incremental hash ${task.expected} but full recomputation gives ${full}`,
      };
    }
    case 'digest':
      return { kind: 'digest', hash: digestBytes(task.data) };
    case 'crc32':
      return { kind: 'crc32', crc: crc32(task.data) };
    case 'snapshotPack': {
      const t0 = performance.now();
      const envelope = packEnvelope(task.data, { compression: task.compression, level: task.level });
      return { kind: 'snapshotPack', envelope, crc: crc32(envelope), ms: performance.now() - t0 };
    }
    case 'snapshotUnpack': {
      const t0 = performance.now();
      const crc = crc32(task.data);
      try {
        const data = unpackEnvelope(task.data);
        return { kind: 'snapshotUnpack', data, crc, error: null, ms: performance.now() - t0 };
      } catch (err) {
        if (!(err instanceof SnapshotEnvelopeError)) throw err;
        return { kind: 'snapshotUnpack', data: null, crc, error: err.message, ms: performance.now() - t0 };
      }
    }
  }
}
