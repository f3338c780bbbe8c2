/**
 * One readable line per message, entry, outcome and read of the interaction
 * transcripts. Only what a reader of a scenario needs is printed, always in
 * the same order, so that a changed behaviour shows as a changed line.
 */
import {
  type Checkpoint,
  type ConfState,
  decodeConfChange,
  type Entry,
  EntryType,
  type Message,
  type NodeStatus,
  type ProposalOutcome,
  type ReadState,
  type Ready,
  type RoleTransition,
} from '@raftkit/core';

const text = new TextDecoder('utf-8', { fatal: true });

export function formatConf(conf: ConfState): string {
  return `voters=(${conf.voters.join(',')}) learners=(${conf.learners.join(',')})`;
}

function formatData(data: Uint8Array): string {
  if (data.byteLength === 0) return '';
  try {
    const s = text.decode(data);
    if (/^[\x20-\x7e]*$/.test(s)) return ` ${JSON.stringify(s)}`;
  } catch {
    // not UTF-8: its size is what a reader can use
  }
  return ` <${data.byteLength} bytes>`;
}

export function formatEntry(e: Entry): string {
  const at = `${e.term}/${e.index}`;
  if (e.type === EntryType.NoOp) return `${at} noop`;
  if (e.type === EntryType.ConfChange) {
    const { change, conf } = decodeConfChange(e.data);
    return `${at} confChange ${change.type} ${change.node} -> ${formatConf(conf)}`;
  }
  return `${at} normal${formatData(e.data)}`;
}

function formatCheckpoint(c: Checkpoint | null | undefined): string {
  return c ? ` checkpoint:${c.index}/${c.hash}` : '';
}

/** `from->to type term:T ...`: the fields that carry the protocol, by message type. */
export function formatMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term:${m.term}${m.inc ? ` inc:${m.inc}` : ''}`;
  switch (m.type) {
    case 'append': {
      const entries = m.entries.length > 0 ? ` entries:[${m.entries.map(formatEntry).join(', ')}]` : '';
      return `${head} log:${m.prevTerm}/${m.prevIndex} commit:${m.commit}${entries}`;
    }
    case 'appendResp':
      return m.reject
        ? `${head} rejected index:${m.index} hint:${m.hintTerm}/${m.hintIndex}${formatCheckpoint(m.checkpoint)}`
        : `${head} index:${m.index}${formatCheckpoint(m.checkpoint)}`;
    case 'vote':
    case 'preVote':
      return `${head} log:${m.lastTerm}/${m.lastIndex}${m.transfer ? ' transfer' : ''}`;
    case 'voteResp':
    case 'preVoteResp':
      return `${head} ${m.reject ? 'rejected' : 'granted'}`;
    case 'heartbeat':
      return `${head} commit:${m.commit} seq:${m.seq}${formatCheckpoint(m.checkpoint)}`;
    case 'heartbeatResp': {
      const extra = [
        m.quarantined ? ' quarantined' : '',
        m.priority ? ` priority:${m.priority}` : '',
        formatCheckpoint(m.checkpoint),
      ].join('');
      return `${head} seq:${m.seq}${extra}`;
    }
    case 'timeoutNow':
      return head;
    case 'readIndex':
      return `${head} ctx:${m.ctx}`;
    case 'readIndexResp':
      return `${head} ctx:${m.ctx} ${m.reject ? 'rejected' : `index:${m.index}`}`;
    case 'snapshot': {
      const end = m.offset + m.chunk.byteLength;
      const crc = (m.checksum >>> 0).toString(16).padStart(8, '0');
      return `${head} snap:${m.meta.term}/${m.meta.index} bytes:${m.offset}-${end}/${m.totalBytes} crc:${crc}${m.done ? ' done' : ''}`;
    }
    case 'snapshotResp':
      return `${head} snap:${m.snapshotIndex} next:${m.nextOffset}${m.reject ? ' rejected' : ''}${m.done ? ' done' : ''}`;
  }
}

export function formatTransition(t: RoleTransition): string {
  return `${t.node} ${t.from} -> ${t.to} term:${t.term} (${t.reason})`;
}

export function formatOutcome(o: ProposalOutcome): string {
  return o.status === 'committed'
    ? `proposal ${o.id} committed ${o.term}/${o.index}`
    : `proposal ${o.id} dropped ${o.reason}${o.leaderHint ? ` hint:${o.leaderHint}` : ''}`;
}

export function formatReadState(r: ReadState): string {
  return r.status === 'ready'
    ? `read ${r.ctx} ready index:${r.index} mode:${r.mode}`
    : `read ${r.ctx} dropped ${r.reason}${r.leaderHint ? ` hint:${r.leaderHint}` : ''}`;
}

/** A Ready, section by section; empty sections are left out. */
export function formatReady(rd: Ready): string[] {
  const out = [
    `Ready mustSync:${rd.mustSync}${rd.messagesMayPrecedePersist ? ' messagesMayPrecedePersist' : ''}`,
  ];
  const section = (title: string, lines: readonly string[]) => {
    if (lines.length > 0) out.push(`${title}:`, ...lines.map((l) => `  ${l}`));
  };
  section('transitions', rd.transitions.map(formatTransition));
  if (rd.softState) {
    const s = rd.softState;
    out.push(`softState: ${s.role} term:${s.term} leader:${s.leader ?? 'none'}`);
  }
  if (rd.hardState) {
    const h = rd.hardState;
    out.push(`hardState: term:${h.term} vote:${h.vote ?? 'none'} commit:${h.commit}`);
  }
  if (rd.snapshot) {
    const m = rd.snapshot.meta;
    out.push(`snapshot: ${m.term}/${m.index} ${formatConf(m.conf)} <${rd.snapshot.data.byteLength} bytes>`);
  }
  section('entries', rd.entries.map(formatEntry));
  section('committed', rd.committedEntries.map(formatEntry));
  section('messages', rd.messages.map(formatMessage));
  section('outcomes', rd.outcomes.map(formatOutcome));
  section('readStates', rd.readStates.map(formatReadState));
  section(
    'snapshotRejections',
    rd.snapshotRejections.map(
      (r) => `${r.node} refused ${r.snapshotTerm}/${r.index} from ${r.from}: ${r.reason}`,
    ),
  );
  section(
    'divergences',
    rd.divergences.map(
      (d) =>
        `${d.node} at ${d.index}: expected ${d.expected} got ${d.actual} (by ${d.detectedBy}${d.confirmed ? ', confirmed' : ''})`,
    ),
  );
  return out;
}

/** The parts of `status()` a scenario is about (not the measurements: rtt, clock rates). */
export function formatStatus(s: NodeStatus): string[] {
  const out = [
    `${s.id} ${s.role} term:${s.term} vote:${s.vote ?? 'none'} leader:${s.leader ?? 'none'}`,
    `  log:${s.firstIndex}..${s.lastIndex} commit:${s.commitIndex} applied:${s.appliedIndex} tick:${s.tick}`,
    `  conf: ${formatConf(s.conf)}${s.pendingConfIndex ? ` pending:${s.pendingConfIndex}` : ''}`,
  ];
  for (const p of s.progress) {
    const learner = p.isLearner ? ' learner' : '';
    const active = p.recentActive ? ' active' : '';
    out.push(
      `  progress ${p.id}: ${p.state} match:${p.match} next:${p.next} inflight:${p.inflight}${active}${learner}`,
    );
  }
  const cp = s.checkpoints;
  if (cp.latest || cp.confirmed) {
    const at = (c: Checkpoint | null) => (c ? `${c.index}/${c.hash}` : 'none');
    out.push(`  checkpoints latest:${at(cp.latest)} confirmed:${at(cp.confirmed)} self:${cp.self}`);
    for (const p of cp.peers) out.push(`  checkpoints of ${p.id}: ${p.state} reported:${at(p.lastReported)}`);
  }
  if (s.leaseUntilTick !== null) out.push(`  lease until tick ${s.leaseUntilTick}`);
  if (s.transferee) out.push(`  transferring to ${s.transferee}`);
  if (s.quarantine) out.push(`  quarantined (${s.quarantine.kind}): ${s.quarantine.reason}`);
  if (s.incomingSnapshot) {
    const i = s.incomingSnapshot;
    out.push(`  receiving snapshot ${i.index} from ${i.from}: ${i.receivedBytes}/${i.totalBytes} bytes`);
  }
  if (s.snapshotsInstalled || s.snapshotsRejected) {
    out.push(`  snapshots installed:${s.snapshotsInstalled} rejected:${s.snapshotsRejected}`);
  }
  return out;
}
