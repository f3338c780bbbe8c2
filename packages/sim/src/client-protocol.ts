/**
 * What simulated clients and node hosts say to each other. Requests carry the
 * client's session (clientId, seq) so that a retried write is applied at most
 * once; `attempt` only tells replies of different tries apart in the trace.
 */
import type { DropReason, KvCommand, NodeId, ReadMode } from '@raftkit/core';

export type ClientRequest =
  | {
      readonly kind: 'write';
      readonly client: string;
      readonly seq: number;
      readonly attempt: number;
      readonly cmd: KvCommand;
    }
  | {
      readonly kind: 'read';
      readonly client: string;
      readonly seq: number;
      readonly attempt: number;
      readonly key: string;
      readonly mode: ReadMode;
    };

export type ClientReply =
  /** Done. Writes: applied exactly once (cas says whether it swapped). Reads: the value (null = absent). */
  | {
      readonly status: 'ok';
      readonly client: string;
      readonly seq: number;
      readonly attempt: number;
      readonly node: NodeId;
      readonly value?: string | null;
      readonly swapped?: boolean;
    }
  /** This attempt was definitely not applied (never appended, or overwritten): try elsewhere. */
  | {
      readonly status: 'rejected';
      readonly client: string;
      readonly seq: number;
      readonly attempt: number;
      readonly node: NodeId;
      readonly reason: DropReason | 'staleSession' | 'badRequest';
      readonly leaderHint: NodeId | null;
    }
  /** This attempt may or may not be applied (leadership changed before it was known committed). */
  | {
      readonly status: 'indeterminate';
      readonly client: string;
      readonly seq: number;
      readonly attempt: number;
      readonly node: NodeId;
      readonly reason: DropReason;
      readonly leaderHint: NodeId | null;
    };

export function describeRequest(r: ClientRequest): string {
  if (r.kind === 'read') return `${r.client}#${r.seq}.${r.attempt} get ${r.key} (${r.mode})`;
  const c = r.cmd;
  switch (c.op) {
    case 'put':
      return `${r.client}#${r.seq}.${r.attempt} put ${c.key}=${c.value}`;
    case 'append':
      return `${r.client}#${r.seq}.${r.attempt} append ${c.key}+=${c.value}`;
    case 'delete':
      return `${r.client}#${r.seq}.${r.attempt} delete ${c.key}`;
    case 'cas':
      return `${r.client}#${r.seq}.${r.attempt} cas ${c.key} ${c.expected}->${c.value}`;
  }
}

export function describeReply(r: ClientReply): string {
  const head = `${r.client}#${r.seq}.${r.attempt} from ${r.node}`;
  switch (r.status) {
    case 'ok':
      return `${head} ok${r.value !== undefined ? ` value=${r.value}` : ''}${r.swapped !== undefined ? ` swapped=${r.swapped}` : ''}`;
    case 'rejected':
      return `${head} rejected ${r.reason} hint=${r.leaderHint}`;
    case 'indeterminate':
      return `${head} indeterminate ${r.reason}`;
  }
}
