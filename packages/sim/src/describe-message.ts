/** One-line, deterministic descriptions of Raft messages for the event trace. */
import type { Message } from '@raftkit/core';

export function describeMessage(m: Message): string {
  switch (m.type) {
    case 'append':
      return `append t${m.term} prev=(${m.prevIndex},${m.prevTerm}) n=${m.entries.length}${m.entries.length > 0 ? ` [${m.entries[0].index}..${m.entries[m.entries.length - 1].index}]` : ''} commit=${m.commit}`;
    case 'appendResp':
      return `appendResp t${m.term} ${m.reject ? `reject ${m.index} hint=(${m.hintIndex},${m.hintTerm})` : `ok ${m.index}`}`;
    case 'vote':
    case 'preVote':
      return `${m.type} t${m.term} last=(${m.lastIndex},${m.lastTerm})${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${m.type} t${m.term} ${m.reject ? 'reject' : 'grant'}`;
    case 'heartbeat':
      return `heartbeat t${m.term} commit=${m.commit} seq=${m.seq}`;
    case 'heartbeatResp':
      return `heartbeatResp t${m.term} seq=${m.seq}`;
    case 'readIndex':
      return `readIndex t${m.term} ctx=${m.ctx}`;
    case 'readIndexResp':
      return `readIndexResp t${m.term} ctx=${m.ctx} ${m.reject ? 'reject' : `index=${m.index}`}`;
    case 'timeoutNow':
      return `timeoutNow t${m.term}`;
    case 'snapshot':
      return `snapshot t${m.term} index=${m.meta.index} offset=${m.offset}/${m.totalBytes}${m.done ? ' done' : ''}`;
    case 'snapshotResp':
      return `snapshotResp t${m.term} index=${m.snapshotIndex} next=${m.nextOffset}${m.reject ? ' reject' : ''}`;
  }
}
