import type { StateMachineSpec } from '@raftkit/runtime';
import { formatHostPort, parseAddressList, parseHostPort, parsePeers } from '../address.js';
import { RemovedFromClusterError } from '../errors.js';
import { ClusterSecret } from '../handshake/secret.js';
import { type LogLevel, stderrLogger } from '../log.js';
import { RaftkitNode } from '../node/raftkit-node.js';
import { loadTlsFiles } from '../tls-options.js';
import { optionalInt, type ParsedArgs, requireFlag, UsageError } from './args.js';
import { withConfigFile } from './config-file.js';
import { raftTuningFromFlags } from './raft-flags.js';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * `raftkit node ...`: run one node in this process until SIGTERM/SIGINT, then
 * stop gracefully (the actor flushes and closes its store, links close).
 * A second signal exits at once.
 */
export async function runNode(commandLine: ParsedArgs, out: NodeJS.WritableStream): Promise<number> {
  // --config FILE: the same flags from a JSON or YAML file (the command line wins).
  const args = withConfigFile(commandLine);
  const id = requireFlag(args, 'id');
  const listen = parseHostPort(requireFlag(args, 'listen'), true);
  const peers = parsePeers(typeof args.flags.peers === 'string' ? args.flags.peers : '');
  const dataDir = requireFlag(args, 'data');
  const level = (args.flags['log-level'] ?? 'info') as LogLevel;
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  const logger = stderrLogger(level);
  const secret = ClusterSecret.fromFile(requireFlag(args, 'secret-file'), (warning) =>
    logger.log('warn', warning, { node: id }),
  );
  const tls = tlsFromFlags(args, 'node');
  const node = await RaftkitNode.start({
    id,
    listen,
    peers,
    dataDir,
    secret,
    clusterId: typeof args.flags['cluster-id'] === 'string' ? args.flags['cluster-id'] : undefined,
    metricsPort: optionalInt(args, 'metrics-port', 0, 65535),
    udpPort: args.flags['no-udp'] ? false : optionalInt(args, 'udp-port', 0, 65535),
    tickMs: optionalInt(args, 'tick-ms', 1, 60_000),
    raft: raftTuningFromFlags(args),
    snapshotCatchUpEntries: optionalInt(args, 'snapshot-catch-up-entries', 0, 1_000_000_000),
    priority: optionalInt(args, 'priority', 0, 1_000_000),
    stateMachine: stateMachineFlags(args),
    tls,
    logger,
    ...(typeof args.flags.join === 'string' ? { join: parseAddressList(args.flags.join) } : {}),
    learner: args.flags.learner === true,
    ...(typeof args.flags.advertise === 'string' ? { advertise: parseHostPort(args.flags.advertise) } : {}),
    singleNode: args.flags['single-node'] === true,
    autoRepair: args.flags['auto-repair'] === true,
  });
  const metrics = node.metricsAddress ? ` metrics http://${formatHostPort(node.metricsAddress)}/metrics` : '';
  const udp = node.transport.udpPort === null ? ' udp off' : ` udp ${node.transport.udpPort}`;
  out.write(`${id} listening on ${formatHostPort(node.address)}${udp}${metrics}\n`);

  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (signal: string) => {
      if (signalled) {
        process.exit(1);
      }
      signalled = true;
      out.write(`${id} received ${signal}, stopping\n`);
      // A leader hands over first: a rolling restart costs at most one (fast) election per node.
      node
        .handOverLeadership()
        .then((to) => {
          if (to) out.write(`${id} handed leadership to ${to}\n`);
          return node.stop();
        })
        .then(
          () => resolve(0),
          () => resolve(1),
        );
    };
    if (process.env.RAFTKIT_TEST_HOOKS === '1') {
      // Test hook (fault harnesses, repair tests): SIGUSR2 flips one applied value, bypassing the log.
      process.on('SIGUSR2', () => {
        node.actor.injectCorruption().then(
          (c) => process.stderr.write(`${id} test hook: corrupted ${c.key} at index ${c.index}\n`),
          (error: unknown) => process.stderr.write(`${id} test hook failed: ${(error as Error).message}\n`),
        );
      });
    }
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
    // A node whose actor died stops by itself: exit non-zero so a supervisor restarts it.
    void node.stopped.then((failure) => {
      if (failure instanceof RemovedFromClusterError && !signalled) {
        // Not a failure: the cluster let this node go. A supervisor must not restart it.
        process.stderr.write(`${failure.message}: stopped serving, exiting\n`);
        resolve(0);
        return;
      }
      if (failure && !signalled) {
        process.stderr.write(`error: node ${id} failed: ${failure.message}\n`);
        resolve(1);
      }
    });
  });
}

/**
 * `--state-machine PATH[#export] [--state-machine-options JSON] [--on-apply-error reject|halt]`:
 * an app machine module instead of the KV store (PATH relative to the current directory).
 */
export function stateMachineFlags(args: ParsedArgs): StateMachineSpec | undefined {
  const path = args.flags['state-machine'];
  const json = args.flags['state-machine-options'];
  const onApplyError = args.flags['on-apply-error'];
  if (path === undefined) {
    if (json !== undefined || onApplyError !== undefined) {
      throw new UsageError('--state-machine-options and --on-apply-error need --state-machine');
    }
    return undefined;
  }
  if (typeof path !== 'string' || path === '') throw new UsageError('--state-machine needs a module path');
  const hash = path.lastIndexOf('#');
  const module = hash < 0 ? path : path.slice(0, hash);
  const name = hash < 0 ? undefined : path.slice(hash + 1);
  if (module === '' || name === '')
    throw new UsageError(`--state-machine ${path}: expected PATH or PATH#export`);
  let options: unknown;
  if (typeof json === 'string') {
    try {
      options = JSON.parse(json);
    } catch (error) {
      throw new UsageError(`--state-machine-options is not JSON: ${(error as Error).message}`);
    }
  }
  if (onApplyError !== undefined && onApplyError !== 'reject' && onApplyError !== 'halt') {
    throw new UsageError('--on-apply-error must be reject or halt');
  }
  return {
    module,
    ...(name !== undefined ? { export: name } : {}),
    ...(options !== undefined ? { options } : {}),
    ...(onApplyError !== undefined ? { onApplyError } : {}),
  };
}

/** TLS files from the flags. A node needs a certificate and key; a client may give only --tls-ca. */
export function tlsFromFlags(args: ParsedArgs, role: 'node' | 'client') {
  const flag = (name: string) =>
    typeof args.flags[name] === 'string' ? (args.flags[name] as string) : undefined;
  const cert = flag('tls-cert');
  const key = flag('tls-key');
  const ca = flag('tls-ca');
  if (cert === undefined && key === undefined && ca === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (role === 'node' && cert === undefined)
    throw new UsageError('a TLS node needs --tls-cert and --tls-key');
  return loadTlsFiles({ cert, key, ca });
}
