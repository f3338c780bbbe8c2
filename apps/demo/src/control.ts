/**
 * The control endpoint's commands: strict validation of untrusted JSON into a
 * typed command, then execution on the real cluster. Every refusal is a
 * `ControlError` with a code the page (and tests) can switch on.
 */
import type { DemoHub } from './hub.js';
import type { ClusterControl } from './model.js';

export type ControlCommand =
  | { readonly action: 'isolate'; readonly node: string }
  | { readonly action: 'isolateLeader' }
  | { readonly action: 'partition'; readonly groups: readonly (readonly string[])[] }
  | { readonly action: 'heal' }
  | { readonly action: 'kill'; readonly node: string }
  | { readonly action: 'restart'; readonly node: string }
  | { readonly action: 'transferLeadership'; readonly to: string }
  | { readonly action: 'delay'; readonly ms: number };

export const CONTROL_ACTIONS = [
  'isolate',
  'isolateLeader',
  'partition',
  'heal',
  'kill',
  'restart',
  'transferLeadership',
  'delay',
] as const;

export type ControlErrorCode =
  | 'badRequest'
  | 'unknownAction'
  | 'unknownNode'
  | 'invalidGroups'
  | 'conflict'
  | 'clusterError';

const HTTP_STATUS: Record<ControlErrorCode, number> = {
  badRequest: 400,
  unknownAction: 400,
  unknownNode: 404,
  invalidGroups: 400,
  conflict: 409,
  clusterError: 502,
};

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly code: ControlErrorCode,
    message: string,
  ) {
    super(message);
  }
  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }
}

export const MAX_DELAY_MS = 5000;

/** Validates an untrusted request body against the known actions and node ids. */
export function parseControl(body: unknown, nodeIds: readonly string[]): ControlCommand {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ControlError('badRequest', 'the body must be a JSON object like {"action": "heal"}');
  }
  const b = body as Record<string, unknown>;
  if (typeof b.action !== 'string') throw new ControlError('badRequest', "missing string field 'action'");
  const knownNode = (field: string): string => {
    const v = b[field];
    if (typeof v !== 'string' || v === '')
      throw new ControlError('badRequest', `missing string field '${field}'`);
    if (!nodeIds.includes(v)) {
      throw new ControlError('unknownNode', `unknown node '${v}' (nodes: ${nodeIds.join(', ')})`);
    }
    return v;
  };
  switch (b.action) {
    case 'isolate':
    case 'kill':
    case 'restart':
      return { action: b.action, node: knownNode('node') };
    case 'isolateLeader':
    case 'heal':
      return { action: b.action };
    case 'transferLeadership':
      return { action: 'transferLeadership', to: knownNode('to') };
    case 'delay': {
      const ms = b.ms;
      if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_DELAY_MS) {
        throw new ControlError('badRequest', `'ms' must be an integer between 0 and ${MAX_DELAY_MS}`);
      }
      return { action: 'delay', ms };
    }
    case 'partition':
      return { action: 'partition', groups: parseGroups(b.groups, nodeIds) };
    default:
      throw new ControlError(
        'unknownAction',
        `unknown action '${b.action}' (expected one of: ${CONTROL_ACTIONS.join(', ')})`,
      );
  }
}

/** Groups must be at least two non-empty, disjoint lists of known nodes; unlisted nodes form one more group. */
function parseGroups(raw: unknown, nodeIds: readonly string[]): string[][] {
  if (
    !Array.isArray(raw) ||
    raw.some((g) => !Array.isArray(g) || g.some((n: unknown) => typeof n !== 'string'))
  ) {
    throw new ControlError('invalidGroups', "'groups' must be an array of arrays of node ids");
  }
  const groups = (raw as string[][]).map((g) => [...g]);
  const seen = new Set<string>();
  for (const g of groups) {
    if (g.length === 0) throw new ControlError('invalidGroups', 'a partition group is empty');
    for (const n of g) {
      if (!nodeIds.includes(n)) throw new ControlError('unknownNode', `unknown node '${n}' in 'groups'`);
      if (seen.has(n)) throw new ControlError('invalidGroups', `node '${n}' is in more than one group`);
      seen.add(n);
    }
  }
  const rest = nodeIds.filter((n) => !seen.has(n));
  if (rest.length > 0) groups.push(rest);
  if (groups.length < 2) throw new ControlError('invalidGroups', 'a partition needs at least two groups');
  return groups;
}

export interface ControlResult {
  readonly ok: true;
  readonly action: ControlCommand['action'];
  readonly message: string;
}

/**
 * Runs validated commands on the cluster and keeps the hub's fault view in
 * step with what was actually applied.
 */
export class ControlService {
  constructor(
    private readonly cluster: ClusterControl,
    private readonly hub: DemoHub,
  ) {}

  async handle(body: unknown): Promise<ControlResult> {
    const cmd = parseControl(body, this.cluster.nodeIds);
    const message = await this.execute(cmd);
    this.hub.narrate('info', `control: ${message}`);
    return { ok: true, action: cmd.action, message };
  }

  async execute(cmd: ControlCommand): Promise<string> {
    const faults = this.hub.getFaults();
    switch (cmd.action) {
      case 'isolateLeader': {
        const leader = this.cluster.currentLeader();
        if (!leader) throw new ControlError('conflict', 'there is no leader to isolate right now');
        return this.execute({ action: 'isolate', node: leader });
      }
      case 'isolate': {
        // A stopped node may be isolated too: it then restarts cut off (the scenario uses this).
        await this.call(() => this.cluster.isolate(cmd.node));
        const isolated = faults.isolated.includes(cmd.node)
          ? faults.isolated
          : [...faults.isolated, cmd.node];
        this.hub.setFaults({ ...faults, isolated });
        return `isolated ${cmd.node}`;
      }
      case 'partition': {
        await this.call(() => this.cluster.partition(cmd.groups));
        // Like the router's fault table: a partition replaces the previous one; isolations stay.
        this.hub.setFaults({ ...faults, partition: cmd.groups });
        return `partitioned into ${cmd.groups.map((g) => `{${g.join(',')}}`).join(' | ')}`;
      }
      case 'heal': {
        await this.call(() => this.cluster.heal());
        this.hub.setFaults({ partition: null, isolated: [], delayMs: 0 });
        return 'healed all links';
      }
      case 'kill': {
        this.requireRunning(cmd.node);
        await this.call(() => this.cluster.kill(cmd.node));
        return `killed ${cmd.node}`;
      }
      case 'restart': {
        if (this.cluster.isRunning(cmd.node))
          throw new ControlError('conflict', `${cmd.node} is already running`);
        await this.call(() => this.cluster.restart(cmd.node));
        return `restarted ${cmd.node}`;
      }
      case 'transferLeadership': {
        const leader = this.cluster.currentLeader();
        if (!leader) throw new ControlError('conflict', 'there is no leader to transfer leadership from');
        if (leader === cmd.to) throw new ControlError('conflict', `${cmd.to} is already the leader`);
        this.requireRunning(cmd.to);
        await this.call(() => this.cluster.transferLeadership(cmd.to));
        return `asked ${leader} to transfer leadership to ${cmd.to}`;
      }
      case 'delay': {
        await this.call(() => this.cluster.setLinkDelay(cmd.ms));
        this.hub.setFaults({ ...faults, delayMs: cmd.ms });
        return cmd.ms === 0 ? 'removed link delay' : `added ${cmd.ms} ms delay to every link`;
      }
    }
  }

  private requireRunning(node: string): void {
    if (!this.cluster.isRunning(node))
      throw new ControlError('conflict', `${node} is down (restart it first)`);
  }

  private async call(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof ControlError) throw err;
      throw new ControlError('clusterError', `the cluster refused: ${(err as Error).message}`);
    }
  }
}
