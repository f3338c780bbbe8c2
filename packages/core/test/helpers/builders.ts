/** Terse builders for entries and messages in tests. */
import type {
  AppendMessage,
  AppendResponseMessage,
  Entry,
  HeartbeatMessage,
  HeartbeatResponseMessage,
  Message,
  NodeId,
  VoteMessage,
  VoteResponseMessage,
} from '@raftkit/core';

const enc = new TextEncoder();
const dec = new TextDecoder();

export const bytes = (s: string): Uint8Array => enc.encode(s);
export const text = (b: Uint8Array): string => dec.decode(b);

export function entry(index: number, term: number, data = ''): Entry {
  return { index, term, type: 0, data: bytes(data) };
}

/** Entries 1..n with the given terms, e.g. entriesWithTerms([1,1,2]) -> (1,1) (2,1) (3,2). */
export function entriesWithTerms(terms: readonly number[], from = 1): Entry[] {
  return terms.map((t, i) => entry(from + i, t));
}

export function append(
  from: NodeId,
  to: NodeId,
  term: number,
  prevIndex: number,
  prevTerm: number,
  entries: Entry[] = [],
  commit = 0,
): AppendMessage {
  return { type: 'append', from, to, term, prevIndex, prevTerm, entries, commit };
}

export function appendResp(
  from: NodeId,
  to: NodeId,
  term: number,
  index: number,
  reject = false,
  hintIndex = 0,
  hintTerm = 0,
): AppendResponseMessage {
  return { type: 'appendResp', from, to, term, index, reject, hintIndex, hintTerm, checkpoint: null };
}

export function vote(
  from: NodeId,
  to: NodeId,
  term: number,
  lastIndex: number,
  lastTerm: number,
  opts: { pre?: boolean; transfer?: boolean } = {},
): VoteMessage {
  return {
    type: opts.pre ? 'preVote' : 'vote',
    from,
    to,
    term,
    lastIndex,
    lastTerm,
    transfer: opts.transfer ?? false,
  };
}

export function voteResp(
  from: NodeId,
  to: NodeId,
  term: number,
  reject = false,
  pre = false,
): VoteResponseMessage {
  return { type: pre ? 'preVoteResp' : 'voteResp', from, to, term, reject };
}

export function heartbeat(from: NodeId, to: NodeId, term: number, commit = 0, seq = 1): HeartbeatMessage {
  return { type: 'heartbeat', from, to, term, commit, seq };
}

export function heartbeatResp(from: NodeId, to: NodeId, term: number, seq: number): HeartbeatResponseMessage {
  return { type: 'heartbeatResp', from, to, term, seq, checkpoint: null };
}

/** The message variant(s) whose `type` may be T (vote and preVote share one interface). */
type MessageOfType<T extends Message['type']> = Message extends infer M
  ? M extends Message
    ? { type: T } extends { type: M['type'] }
      ? M
      : never
    : never
  : never;

export function ofType<T extends Message['type']>(msgs: readonly Message[], type: T): MessageOfType<T>[] {
  return msgs.filter((m) => m.type === type) as MessageOfType<T>[];
}
