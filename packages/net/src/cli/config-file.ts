import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigFileError } from '../errors.js';
import { isBooleanFlag, NODE_FLAGS, type ParsedArgs } from './args.js';
import { RAFT_FLAGS, raftFlagOf } from './raft-flags.js';

/** Keys whose values are paths: relative ones are taken from the config file's directory. */
const PATH_KEYS = new Set(['data', 'secret-file', 'tls-cert', 'tls-key', 'tls-ca', 'state-machine']);

/**
 * `raftkit node --config FILE`: the node's flags as a JSON or YAML map, keys
 * the flag names (`tick-ms`, or `tickMs`). Values are what the flag would
 * take; `peers` may also be a map `{ n2: "host:port" }`, `join` a list,
 * `state-machine-options` any JSON value, and `raft` a map of Raft options by
 * their core names (each mapped onto its flag, RAFT_FLAGS). Paths are relative to the file.
 * The result goes through exactly the flag validation of the command line
 * (flags given on the command line as well win). Anything the file cannot
 * say is a ConfigFileError naming the file and the key.
 */
export function withConfigFile(args: ParsedArgs): ParsedArgs {
  const file = args.flags.config;
  if (typeof file !== 'string') return args;
  const fromFile = readNodeConfig(file);
  const fromLine = Object.fromEntries(
    Object.entries(args.flags).filter(([k, v]) => k !== 'config' && v !== undefined),
  );
  return { ...args, flags: { ...fromFile, ...fromLine } };
}

export function readNodeConfig(file: string): Record<string, string | boolean> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigFileError(
      file,
      null,
      `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const doc = parseDocument(file, text);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigFileError(file, null, 'expected a map of node options (e.g. "id: n1")');
  }
  const flags: Record<string, string | boolean> = {};
  for (const [rawKey, value] of Object.entries(doc as Record<string, unknown>)) {
    if (rawKey === 'raft') {
      Object.assign(flags, raftSection(file, value));
      continue;
    }
    const key = rawKey.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    if (!(NODE_FLAGS as readonly string[]).includes(key)) {
      throw new ConfigFileError(file, rawKey, `unknown option (node options: ${NODE_FLAGS.join(', ')})`);
    }
    if (value === null || value === undefined) continue;
    flags[key] = flagValue(file, rawKey, key, value);
  }
  return flags;
}

/**
 * `raft: { electionTicks: 20, timeouts: adaptive }`: Raft tuning options by
 * their core names (RaftTuning), each mapped onto its flag (RAFT_FLAGS).
 */
function raftSection(file: string, value: unknown): Record<string, string | boolean> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigFileError(file, 'raft', `expected a map of Raft options, got ${JSON.stringify(value)}`);
  }
  const flags: Record<string, string | boolean> = {};
  for (const [option, v] of Object.entries(value as Record<string, unknown>)) {
    const flag = raftFlagOf(option);
    if (flag === undefined) {
      throw new ConfigFileError(
        file,
        `raft.${option}`,
        `not a Raft option a node takes (raft options: ${RAFT_FLAGS.map((f) => f.option).join(', ')})`,
      );
    }
    if (v === null || v === undefined) continue;
    flags[flag] = flagValue(file, `raft.${option}`, flag, v);
  }
  return flags;
}

function parseDocument(file: string, text: string): unknown {
  const ext = extname(file).toLowerCase();
  const asJson = () => JSON.parse(text) as unknown;
  const asYaml = () => parseYaml(text) as unknown;
  try {
    if (ext === '.json') return asJson();
    if (ext === '.yaml' || ext === '.yml') return asYaml();
    try {
      return asJson();
    } catch {
      return asYaml();
    }
  } catch (error) {
    const kind = ext === '.json' ? 'JSON' : 'YAML';
    throw new ConfigFileError(file, null, `not valid ${kind}: ${(error as Error).message.split('\n')[0]}`);
  }
}

function flagValue(file: string, rawKey: string, key: string, value: unknown): string | boolean {
  const wrong = (what: string): never => {
    throw new ConfigFileError(file, rawKey, `expected ${what}, got ${JSON.stringify(value)}`);
  };
  if (isBooleanFlag(key)) return typeof value === 'boolean' ? value : wrong('true or false');
  if (key === 'peers' && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>)
      .map(
        ([id, address]) =>
          `${id}=${typeof address === 'string' ? address : wrong('a map of id: "host:port"')}`,
      )
      .join(',');
  }
  if ((key === 'peers' || key === 'join') && Array.isArray(value)) {
    return value.map((v) => (typeof v === 'string' ? v : wrong('a list of strings'))).join(',');
  }
  if (key === 'state-machine-options') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return wrong('a string or a number');
  if (PATH_KEYS.has(key)) return resolvePath(file, key, value);
  return value;
}

/** A relative path in the file is relative to the file, not to the working directory. */
function resolvePath(file: string, key: string, value: string): string {
  // --state-machine PATH#export: only the path part is a path.
  const [path, ...rest] = key === 'state-machine' ? value.split('#') : [value];
  const absolute = isAbsolute(path) ? path : resolve(dirname(file), path);
  return [absolute, ...rest].join('#');
}
