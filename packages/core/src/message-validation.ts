/**
 * Structural checks on a message handed to RaftNode.step(). The codec already
 * validates frames off the wire; this guards in-process hosts (simulator,
 * tests) too, so a malformed message is refused with a typed error before it
 * can touch any state.
 */
import { MAX_HASH_LENGTH } from './codec.js';
import { decodeConfChange } from './conf-change.js';
import { InvalidMessageError } from './errors.js';
import type { Message, NodeId } from './types.js';

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';

/** A checkpoint field: absent, null, or { index, hash } as the codec would carry it. */
function isCheckpointField(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v !== 'object') return false;
  const c = v as { index?: unknown; hash?: unknown };
  return isNat(c.index) && typeof c.hash === 'string' && c.hash.length <= MAX_HASH_LENGTH;
}

function bad(m: Message, field: string): never {
  throw new InvalidMessageError(
    `${String(m.type)} message from ${String(m.from)}: invalid ${field}`,
    'invalidField',
  );
}

/** Two lists of non-empty node ids, no id twice across both. */
function isMembers(voters: unknown, learners: unknown): boolean {
  if (!Array.isArray(voters) || !Array.isArray(learners)) return false;
  const all: unknown[] = [...voters, ...learners];
  return all.every((id) => typeof id === 'string' && id.length > 0) && new Set(all).size === all.length;
}

function isConfChange(data: Uint8Array): boolean {
  try {
    decodeConfChange(data);
    return true;
  } catch {
    return false;
  }
}

export function validateMessage(m: Message, self: NodeId): void {
  if (m === null || typeof m !== 'object') {
    throw new InvalidMessageError('message must be an object', 'invalidField');
  }
  if (m.to !== self) {
    throw new InvalidMessageError(
      `message addressed to ${String(m.to)} was stepped into ${self}`,
      'wrongRecipient',
    );
  }
  if (typeof m.from !== 'string' || m.from.length === 0 || m.from === self) bad(m, 'from');
  if (!isNat(m.term)) bad(m, 'term');
  if (m.inc !== undefined && !isNat(m.inc)) bad(m, 'inc');
  switch (m.type) {
    case 'append': {
      if (!isNat(m.prevIndex)) bad(m, 'prevIndex');
      if (!isNat(m.prevTerm) || m.prevTerm > m.term) bad(m, 'prevTerm');
      if (!isNat(m.commit)) bad(m, 'commit');
      if (!Array.isArray(m.entries)) bad(m, 'entries');
      let prevTerm = m.prevTerm;
      for (let i = 0; i < m.entries.length; i++) {
        const e = m.entries[i];
        if (e === null || typeof e !== 'object' || e.index !== m.prevIndex + 1 + i) {
          throw new InvalidMessageError(
            `append from ${m.from}: entry ${i} is not at index ${m.prevIndex + 1 + i}`,
            'inconsistentEntries',
          );
        }
        if (!isNat(e.term) || e.term < prevTerm || e.term > m.term) {
          throw new InvalidMessageError(
            `append from ${m.from}: entry ${e.index} has term ${String(e.term)} out of order`,
            'inconsistentEntries',
          );
        }
        if (e.type !== 0 && e.type !== 1 && e.type !== 2) bad(m, `entries[${i}].type`);
        if (!(e.data instanceof Uint8Array)) bad(m, `entries[${i}].data`);
        // A membership entry takes effect when appended: a malformed one must never reach the log.
        if (e.type === 2 && !isConfChange(e.data)) bad(m, `entries[${i}] (malformed conf change)`);
        prevTerm = e.term;
      }
      return;
    }
    case 'appendResp':
      if (!isBool(m.reject) || !isNat(m.index) || !isNat(m.hintIndex) || !isNat(m.hintTerm)) bad(m, 'fields');
      if (!isCheckpointField(m.checkpoint)) bad(m, 'checkpoint');
      return;
    case 'vote':
    case 'preVote':
      if (!isNat(m.lastIndex) || !isNat(m.lastTerm) || !isBool(m.transfer)) bad(m, 'fields');
      return;
    case 'voteResp':
    case 'preVoteResp':
      if (!isBool(m.reject)) bad(m, 'reject');
      return;
    case 'heartbeat':
      if (!isNat(m.commit) || !isNat(m.seq)) bad(m, 'fields');
      if (!isCheckpointField(m.checkpoint)) bad(m, 'checkpoint');
      if (m.tick !== undefined && !isNat(m.tick)) bad(m, 'tick');
      return;
    case 'heartbeatResp':
      if (!isNat(m.seq)) bad(m, 'seq');
      if (!isCheckpointField(m.checkpoint)) bad(m, 'checkpoint');
      if (m.quarantined !== undefined && !isBool(m.quarantined)) bad(m, 'quarantined');
      if (m.priority !== undefined && !isNat(m.priority)) bad(m, 'priority');
      if (m.clockRate !== undefined && !isNat(m.clockRate)) bad(m, 'clockRate');
      return;
    case 'timeoutNow':
      return;
    case 'readIndex':
      if (!isNat(m.ctx)) bad(m, 'ctx');
      return;
    case 'readIndexResp':
      if (!isNat(m.ctx) || !isNat(m.index) || !isBool(m.reject)) bad(m, 'fields');
      return;
    case 'snapshot': {
      const meta = m.meta;
      if (!meta || !isNat(meta.index) || !isNat(meta.term) || meta.term > m.term) bad(m, 'meta');
      if (!meta.conf || !isMembers(meta.conf.voters, meta.conf.learners)) bad(m, 'meta.conf');
      if (!isNat(m.offset) || !isNat(m.totalBytes) || !isNat(m.checksum) || !isBool(m.done)) bad(m, 'fields');
      if (!(m.chunk instanceof Uint8Array) || m.offset + m.chunk.byteLength > m.totalBytes) bad(m, 'chunk');
      return;
    }
    case 'snapshotResp':
      if (!isNat(m.snapshotIndex) || !isNat(m.nextOffset) || !isBool(m.reject) || !isBool(m.done))
        bad(m, 'fields');
      return;
    default:
      throw new InvalidMessageError(
        `unknown message type ${String((m as { type?: unknown }).type)}`,
        'invalidField',
      );
  }
}
