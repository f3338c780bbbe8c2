import { renameSync, writeFileSync } from 'node:fs';
import { parsePeers } from '../address.js';
import { restoreSnapshot } from '../backup/restore.js';
import { encodeSnapshotFile } from '../backup/snapshot-file.js';
import { AdminClient, type MemberRow } from '../client/admin-client.js';
import type { ConfChangeAnswer } from '../client/protocol.js';
import { ClusterSecret } from '../handshake/secret.js';
import { optionalInt, type ParsedArgs, requireFlag, UsageError } from './args.js';
import type { Output } from './client-commands.js';
import { tlsFromFlags } from './node-command.js';
import { table } from './status-table.js';

/** How long `member add` waits for a learner that makes no progress at all before it leaves the promotion to the node. */
const PROMOTE_IDLE_MS = 2000;

/** The operator commands: `member list|add|promote|remove`, `transfer-leader`, `snapshot save|restore`, `repair`. */
export const ADMIN_COMMANDS = ['member', 'transfer-leader', 'snapshot', 'repair'] as const;

/**
 * Run one operator command. Each waits for its outcome (a membership change
 * until it is committed, a transfer until the new leader leads, a repair until
 * the node's state hash is the common one) and prints it on stdout; errors
 * go to stderr, typed (`confChangePending`, `learnerNotCaughtUp`, ...), exit 2.
 */
export async function runAdminCommand(args: ParsedArgs, io: Output): Promise<number> {
  const p = args.positionals;
  const json = args.flags.json === true;
  if (args.command === 'snapshot' && p[0] === 'restore') return runRestore(args, io);
  const sub = args.command === 'member' || args.command === 'snapshot' ? p[0] : undefined;
  const operand = args.command === 'member' || args.command === 'snapshot' ? p.slice(1) : p;
  checkArity(args.command, sub, operand);
  const clusterId = typeof args.flags['cluster-id'] === 'string' ? args.flags['cluster-id'] : undefined;
  const admin = await AdminClient.connect({
    cluster: requireFlag(args, 'cluster'),
    secret: ClusterSecret.fromFile(requireFlag(args, 'secret-file')),
    clusterId,
    tls: tlsFromFlags(args, 'client'),
    timeoutMs: optionalInt(args, 'timeout-ms', 1, 3_600_000),
  });
  const print = (text: string, obj: unknown) => io.out.write(`${json ? JSON.stringify(obj) : text}\n`);
  try {
    switch (`${args.command}${sub ? ` ${sub}` : ''}`) {
      case 'member list': {
        const rows = await admin.members();
        if (json) io.out.write(`${JSON.stringify(rows, null, 2)}\n`);
        else io.out.write(renderMembers(rows));
        return 0;
      }
      case 'member add': {
        const id = operand[0];
        const address = requireFlag(args, 'address');
        const added = await admin.changeMembership({ type: 'addLearner', node: id, address });
        print(describeChange(`${id} added as a learner`, added), {
          ok: true,
          change: 'addLearner',
          node: id,
          ...added,
        });
        if (args.flags.learner === true) return 0;
        // Promoted once caught up; a learner that is not running yet is left to promote itself (--join).
        const promoted = await admin.promoteWhenCaughtUp(id, PROMOTE_IDLE_MS);
        if (promoted === null) {
          print(
            `${id} is not catching up (not running yet?): start it with raftkit node --id ${id} --join ...; it is promoted once caught up`,
            { ok: true, change: 'promote', node: id, promoted: false },
          );
          return 0;
        }
        print(describeChange(`${id} promoted to voter`, promoted), {
          ok: true,
          change: 'promote',
          node: id,
          ...promoted,
        });
        return 0;
      }
      case 'member promote': {
        const r = await admin.changeMembership({ type: 'promote', node: operand[0] });
        print(describeChange(`${operand[0]} promoted to voter`, r), {
          ok: true,
          change: 'promote',
          node: operand[0],
          ...r,
        });
        return 0;
      }
      case 'member remove': {
        const r = await admin.changeMembership({ type: 'remove', node: operand[0] });
        print(describeChange(`${operand[0]} removed`, r), {
          ok: true,
          change: 'remove',
          node: operand[0],
          ...r,
        });
        return 0;
      }
      case 'transfer-leader': {
        const to = requireFlag(args, 'to');
        await admin.transferLeader(to);
        print(`${to} is the leader`, { ok: true, leader: to });
        return 0;
      }
      case 'repair': {
        const r = (await admin.repair(operand[0])) as {
          index: number;
          hash: string;
          via: string;
          ms: number;
        };
        print(
          `${operand[0]} repaired: state hash ${r.hash} at index ${r.index} (caught up by ${r.via}, ${r.ms} ms)`,
          { ok: true, node: operand[0], ...r },
        );
        return 0;
      }
      case 'snapshot save': {
        const file = operand[0];
        const snap = await admin.snapshot();
        const bytes = encodeSnapshotFile(
          {
            clusterId: clusterId ?? 'raftkit',
            node: snap.node,
            index: snap.index,
            term: snap.term,
            voters: snap.voters,
            learners: snap.learners,
            stateHash: snap.stateHash,
            takenAt: new Date().toISOString(),
          },
          snap.data,
        );
        // Written whole or not at all: a crash mid-write leaves no half file under the name.
        const tmp = `${file}.tmp-${process.pid}`;
        writeFileSync(tmp, bytes);
        renameSync(tmp, file);
        print(
          `saved index ${snap.index} term ${snap.term} state hash ${snap.stateHash} (${bytes.length} bytes, from ${snap.node}) to ${file}`,
          {
            ok: true,
            file,
            index: snap.index,
            term: snap.term,
            stateHash: snap.stateHash,
            bytes: bytes.length,
          },
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command ${args.command} ${sub ?? ''}`.trim());
    }
  } finally {
    admin.close();
  }
}

async function runRestore(args: ParsedArgs, io: Output): Promise<number> {
  const operand = args.positionals.slice(1);
  if (operand.length !== 1) throw new UsageError('snapshot restore takes FILE');
  const dataDir = requireFlag(args, 'data');
  const id = requireFlag(args, 'id');
  const header = await restoreSnapshot({
    file: operand[0],
    dataDir,
    id,
    peers: parsePeers(typeof args.flags.peers === 'string' ? args.flags.peers : ''),
    clusterId: typeof args.flags['cluster-id'] === 'string' ? args.flags['cluster-id'] : undefined,
  });
  const text = `restored index ${header.index} term ${header.term} state hash ${header.stateHash} into ${dataDir} as ${id}`;
  io.out.write(`${args.flags.json ? JSON.stringify({ ok: true, dataDir, id, ...header }) : text}\n`);
  return 0;
}

function checkArity(command: string, sub: string | undefined, operand: readonly string[]): void {
  const want: Record<string, number> = {
    'member list': 0,
    'member add': 1,
    'member promote': 1,
    'member remove': 1,
    'transfer-leader': 0,
    repair: 1,
    'snapshot save': 1,
  };
  const key = `${command}${sub ? ` ${sub}` : ''}`;
  const n = want[key];
  if (n === undefined) {
    throw new UsageError(
      command === 'member'
        ? 'member takes list, add ID, promote ID or remove ID'
        : command === 'snapshot'
          ? 'snapshot takes save FILE or restore FILE'
          : `unknown command ${key}`,
    );
  }
  if (operand.length !== n) throw new UsageError(`${key} takes ${n} argument(s), got ${operand.length}`);
}

function describeChange(what: string, r: ConfChangeAnswer): string {
  const learners = r.learners.length ? `; learners ${r.learners.join(',')}` : '';
  return `${what} at index ${r.index} (leader ${r.leader}; voters ${r.voters.join(',')}${learners})`;
}

function renderMembers(rows: readonly MemberRow[]): string {
  return `${table(
    ['ID', 'ADDRESS', 'ROLE', 'MATCH', 'HEALTH', 'LEADER'],
    rows.map((r) => [
      r.id,
      r.address ?? '-',
      r.role,
      r.match === null ? '-' : String(r.match),
      r.health ?? '-',
      r.leader ? '*' : '',
    ]),
  )}
`;
}
