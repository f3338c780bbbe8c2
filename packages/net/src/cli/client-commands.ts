import { readFile } from 'node:fs/promises';
import { MembershipChangeError, NotLeaderError, TimeoutError } from '@raftkit/runtime';
import { RaftClient } from '../client/raft-client.js';
import { ClusterSecret } from '../handshake/secret.js';
import { optionalInt, type ParsedArgs, requireFlag, UsageError } from './args.js';
import { tlsFromFlags } from './node-command.js';
import { renderStatus } from './status-table.js';

export interface Output {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

/**
 * The value of put/append: the argument, or with `--value-file F` the file's
 * contents, or with the argument `-` standard input (values too large for an
 * argument list: the kernel refuses argv of a few hundred KB). Read as UTF-8.
 */
async function valueArgument(arg: string | undefined, file: string | undefined): Promise<string> {
  if (file !== undefined) {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--value-file ${file}: ${(error as Error).message}`);
    }
  }
  if (arg !== '-') return arg as string;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The JSON argument of `command` / `query`. */
function parseJsonArg(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} takes one JSON argument: ${(error as Error).message}`);
  }
}

/** A result as one line of JSON: undefined prints null, a bigint its decimal digits, bytes their base64. */
export function toJson(value: unknown): string {
  return (
    JSON.stringify(value ?? null, (_key, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      // A Buffer arrives here already through its toJSON: { type: 'Buffer', data }.
      const b = v as { type?: unknown; data?: unknown } | null;
      if (b && b.type === 'Buffer' && Array.isArray(b.data)) return Buffer.from(b.data).toString('base64');
      return v;
    }) ?? 'null'
  );
}

/**
 * `raftkit put|append|get|cas|delete|command|query|status`. Exit codes: 0 success; 1 "no" (get:
 * absent, cas: not swapped); 2 error (message on stderr).
 */
export async function runClientCommand(args: ParsedArgs, io: Output): Promise<number> {
  const p = args.positionals;
  const json = args.flags.json === true;
  const valueFile = typeof args.flags['value-file'] === 'string' ? args.flags['value-file'] : undefined;
  if (valueFile !== undefined && args.command !== 'put' && args.command !== 'append') {
    throw new UsageError(`--value-file goes with put and append, not ${args.command}`);
  }
  const arity: Record<string, number> = {
    put: valueFile === undefined ? 2 : 1,
    append: valueFile === undefined ? 2 : 1,
    get: 1,
    cas: args.flags['expect-absent'] ? 2 : 3,
    delete: 1,
    command: 1,
    query: 1,
    status: 0,
  };
  if (p.length !== arity[args.command]) {
    throw new UsageError(`${args.command} takes ${arity[args.command]} argument(s), got ${p.length}`);
  }
  const consistency = (args.flags.consistency ?? 'linearizable') as 'linearizable' | 'lease' | 'stale';
  if (!['linearizable', 'lease', 'stale'].includes(consistency)) throw new UsageError('bad --consistency');
  const client = await RaftClient.connect({
    cluster: requireFlag(args, 'cluster'),
    secret: ClusterSecret.fromFile(requireFlag(args, 'secret-file'), (warning) =>
      io.err.write(`warning: ${warning}\n`),
    ),
    clusterId: typeof args.flags['cluster-id'] === 'string' ? args.flags['cluster-id'] : undefined,
    tls: tlsFromFlags(args, 'client'),
    timeoutMs: optionalInt(args, 'timeout-ms', 1, 3_600_000),
  });
  const print = (text: string, obj: unknown) => io.out.write(`${json ? JSON.stringify(obj) : text}\n`);
  try {
    switch (args.command) {
      case 'put':
        await client.put(p[0], await valueArgument(p[1], valueFile));
        print('OK', { ok: true, key: p[0] });
        return 0;
      case 'append':
        // The value is concatenated to the current one (an absent key starts empty).
        await client.append(p[0], await valueArgument(p[1], valueFile));
        print('OK', { ok: true, key: p[0] });
        return 0;
      case 'get': {
        const value = await client.get(p[0], { consistency });
        if (value === undefined) {
          if (json) print('', { key: p[0], found: false });
          return 1;
        }
        print(value, { key: p[0], found: true, value });
        return 0;
      }
      case 'cas': {
        const [key, expected, next] = args.flags['expect-absent'] ? [p[0], null, p[1]] : [p[0], p[1], p[2]];
        const swapped = await client.cas(key, expected, next);
        print(swapped ? 'swapped' : 'not swapped', { key, swapped });
        return swapped ? 0 : 1;
      }
      case 'delete':
        await client.delete(p[0]);
        print('OK', { ok: true, key: p[0] });
        return 0;
      case 'command':
        io.out.write(`${toJson(await client.command(parseJsonArg(p[0], 'command')))}\n`);
        return 0;
      case 'query':
        io.out.write(`${toJson(await client.query(parseJsonArg(p[0], 'query'), { consistency }))}\n`);
        return 0;
      case 'status': {
        const statuses = await client.status();
        if (json) io.out.write(`${JSON.stringify(statuses, null, 2)}\n`);
        else io.out.write(renderStatus(statuses));
        return statuses.some((s) => s.report !== null) ? 0 : 2;
      }
      default:
        throw new UsageError(`unknown command ${args.command}`);
    }
  } finally {
    client.close();
  }
}

/** One line for stderr that says what went wrong and, for the ambiguous cases, what it means. */
export function describeError(error: unknown): string {
  if (error instanceof TimeoutError)
    return `error: ${error.message} (a write may or may not have been applied)`;
  if (error instanceof NotLeaderError) return `error: ${error.message}`;
  // The drop reason first, so scripts can match it: `error: learnerNotCaughtUp: ...`.
  if (error instanceof MembershipChangeError) return `error: ${error.reason}: ${error.message}`;
  if (error instanceof Error) return `error: ${error.message}`;
  return `error: ${String(error)}`;
}
