/**
 * What the demo knows and shows: plain JSON-friendly views of the cluster,
 * sent to the page over Server-Sent Events, and the port through which the
 * page's controls act on a cluster.
 */

export type RoleName = 'follower' | 'preCandidate' | 'candidate' | 'leader';

/** `up`: running and reachable; `isolated`/`partitioned`: running behind a fault; `down`: killed. */
export type Health = 'up' | 'isolated' | 'partitioned' | 'down' | 'unresponsive';

export interface NodeView {
  readonly id: string;
  readonly role: RoleName | null;
  readonly term: number;
  /** The leader this node believes in. */
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  /** Remaining leader lease in ms when the status was taken, or null (not leader / leases off). */
  readonly leaseMs: number | null;
  readonly stateHash: string | null;
  /** Checkpoint verification: this node's own (`ok | diverged | unverified`), a leader adds its peers'; null: unknown. */
  readonly verification: string | null;
  /** Why the node is quarantined (serves no reads), or null. */
  readonly quarantine: string | null;
  readonly health: Health;
  readonly running: boolean;
  /** Wall time (ms) of the status this view is built from. */
  readonly updatedAt: number;
}

/** A node's status as the cluster reports it (the adapter normalises the runtime's shape to this). */
export interface NodeStatusReport {
  readonly id: string;
  readonly role: RoleName;
  readonly term: number;
  readonly leader: string | null;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly lastIndex: number;
  readonly leaseMs: number | null;
  readonly stateHash: string | null;
  readonly verification?: string | null;
  readonly quarantine?: string | null;
  readonly at: number;
}

export interface TransitionView {
  readonly node: string;
  readonly from: RoleName;
  readonly to: RoleName;
  readonly term: number;
  readonly reason: string;
  /** Wall time (ms). */
  readonly at: number;
}

export interface AlertView {
  readonly kind: string;
  readonly severity: 'safety' | 'warning';
  readonly at: number;
  readonly nodes: readonly string[];
  readonly term: number | null;
  readonly index: number | null;
  readonly duration: number | null;
  readonly message: string;
}

export type NarrationLevel = 'step' | 'info' | 'ok' | 'fail';

export interface NarrationView {
  readonly at: number;
  readonly level: NarrationLevel;
  readonly text: string;
}

/** A node stopping or starting (kill / restart), for the timeline. */
export interface LifecycleView {
  readonly node: string;
  readonly at: number;
  readonly kind: 'down' | 'up';
}

export interface FaultView {
  /** Current partition groups (null: none). */
  readonly partition: readonly (readonly string[])[] | null;
  /** Nodes cut off from all others (on top of any partition). */
  readonly isolated: readonly string[];
  readonly down: readonly string[];
  readonly delayMs: number;
}

export interface WorkloadView {
  readonly ok: number;
  readonly failed: number;
  readonly indeterminate: number;
  readonly pending: number;
}

export interface DemoSnapshot {
  /** Random per server process: lets the page notice that the server restarted. */
  readonly serverId: string;
  readonly startedAt: number;
  readonly now: number;
  readonly mode: 'threads' | 'processes';
  readonly nodes: readonly NodeView[];
  readonly transitions: readonly TransitionView[];
  readonly lifecycle: readonly LifecycleView[];
  readonly alerts: readonly AlertView[];
  readonly narration: readonly NarrationView[];
  readonly faults: FaultView;
  readonly workload: WorkloadView | null;
  /** Terms in which some node was seen leading. */
  readonly leaderTerms: readonly number[];
}

/** The operations the page's controls (and the scenario) perform on a cluster. */
export interface ClusterControl {
  readonly nodeIds: readonly string[];
  isRunning(id: string): boolean;
  /** The leader according to the freshest statuses, or null when none is known. */
  currentLeader(): string | null;
  isolate(id: string): Promise<void>;
  partition(groups: readonly (readonly string[])[]): Promise<void>;
  heal(): Promise<void>;
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  /** Ask the current leader to hand leadership to `to`. */
  transferLeadership(to: string): Promise<void>;
  /** One-way delay added to every link (0 removes it). */
  setLinkDelay(ms: number): Promise<void>;
}

/** The KV client surface the workload drives (RaftClient from the runtime or from net). */
export interface KvClient {
  put(key: string, value: string): Promise<unknown>;
  get(key: string, opts?: { consistency?: 'linearizable' | 'lease' | 'stale' }): Promise<string | undefined>;
  /** `expected === null`: swap only if absent. Resolves whether it swapped. */
  cas(key: string, expected: string | null, value: string): Promise<boolean>;
  delete(key: string): Promise<unknown>;
  append(key: string, suffix: string): Promise<unknown>;
}

/** A running cluster as the demo uses it: controls, clients, fresh statuses. */
export interface DemoCluster extends ClusterControl {
  /** One line for the terminal, e.g. "5 worker-thread actors, LMDB under /tmp/…". */
  readonly description: string;
  /** Timing the scenario's deadlines are derived from. */
  readonly electionTimeoutMs: number;
  client(opts?: { via?: string; timeoutMs?: number }): KvClient;
  waitForLeader(timeoutMs: number): Promise<string>;
  /** Asks every running node for its status now (null for a node that is down or did not answer). */
  statuses(): Promise<ReadonlyMap<string, NodeStatusReport | null>>;
  close(): Promise<void>;
}
