/**
 * The interpreter behind the interaction transcripts: a few RaftNodes, each
 * with a host that obeys the Ready contract (persist -> send -> apply ->
 * advance) over a MemoryStorage, and one queue of sent messages that moves
 * only when a command says so. Every command drives a node through its public
 * API; what it prints is the readable trace of formats.ts. The commands are
 * listed in the core README ("Interaction transcripts").
 */
import {
  type ConfChangeType,
  isConfChangeType,
  isRaftTuningOption,
  MemoryStorage,
  type Message,
  type NodeId,
  RAFT_TUNING_OPTIONS,
  type RaftConfig,
  RaftError,
  RaftNode,
  type ReadMode,
} from '@raftkit/core';
import { stateHashHex, stateOfSnapshot } from '../helpers/cluster.js';
import { applyToState, encodeHostSnapshot, type HostState, INITIAL_STATE } from '../helpers/host-state.js';
import { persistReady } from '../helpers/persist.js';
import { formatConf, formatEntry, formatMessage, formatReady, formatStatus } from './format.js';
import { type Command, splitList, TranscriptError } from './transcript.js';

interface Host {
  readonly node: RaftNode;
  readonly storage: MemoryStorage;
  /** The host's state machine: a hash chain over applied entries (helpers/host-state.ts). */
  state: HostState;
}

/** `add-nodes` takes every Raft tuning option as `key=value`, and these per-node ones. */
const NODE_OPTIONS = ['seed', 'priority'];

/** Defaults of the transcripts: short timeouts, a fixed seed. */
const BASE_CONFIG = { electionTicks: 10, heartbeatTicks: 1, seed: 1 };

/** Bound of the loops that run until something happens (a transcript must never hang). */
const MAX_ROUNDS = 1000;

type Handler = (cmd: Command) => string[];

/** The `key=` arguments each command takes (add-nodes checks its own: RaftConfig options). */
const KEYS: Readonly<Record<string, readonly string[]>> = {
  'read-index': ['mode'],
  'transfer-leadership': ['to'],
  quarantine: ['reason'],
  tick: ['n'],
  'deliver-msgs': ['type'],
  'drop-msgs': ['type'],
  snapshot: ['pad', 'keep'],
};
const NO_KEYS: readonly string[] = [];

export class InteractionEnv {
  private readonly hosts = new Map<NodeId, Host>();
  /** Sent and not yet delivered or dropped, in sending order. */
  private queue: Message[] = [];
  /** Directed links that drop everything, as 'from->to'. */
  private readonly cut = new Set<string>();
  private quiet = false;

  private readonly handlers: Record<string, Handler> = {
    'add-nodes': (c) => this.addNodes(c),
    campaign: (c) => this.each(c, (h) => h.node.campaign()),
    propose: (c) => [
      `proposal ${this.host(this.arg(c, 0)).node.propose(new TextEncoder().encode(this.arg(c, 1)))}`,
    ],
    'propose-conf-change': (c) => this.proposeConfChange(c),
    'read-index': (c) => this.readIndex(c),
    'transfer-leadership': (c) => this.each(c, (h) => h.node.transferLeadership(this.value(c, 'to'))),
    quarantine: (c) => this.each(c, (h) => h.node.quarantine(this.value(c, 'reason'))),
    'release-quarantine': (c) => this.each(c, (h) => h.node.releaseQuarantine()),
    tick: (c) => this.tick(c),
    'tick-heartbeat': (c) => this.tickHeartbeat(c),
    'tick-election': (c) => this.tickElection(c),
    'process-ready': (c) => this.processReadies(c),
    'deliver-msgs': (c) => this.deliverMsgs(c, false),
    'drop-msgs': (c) => this.deliverMsgs(c, true),
    stabilize: (c) => this.stabilize(c),
    status: (c) => this.ids(c).flatMap((id) => formatStatus(this.host(id).node.status())),
    'raft-log': (c) => this.raftLog(c),
    snapshot: (c) => this.snapshot(c),
    'corrupt-state': (c) => this.corruptState(c),
    partition: (c) => this.partition(c),
    isolate: (c) => this.isolate(c),
    heal: () => {
      this.cut.clear();
      return [];
    },
    'log-level': (c) => {
      const level = this.arg(c, 0);
      if (level !== 'none' && level !== 'all') throw new TranscriptError(`${c.where}: log-level none|all`);
      this.quiet = level === 'none';
      return [];
    },
  };

  /** Runs one command; a RaftError from the node is printed (it is an answer worth showing), anything else fails the test. */
  run(cmd: Command): string[] {
    const handler = this.handlers[cmd.name];
    if (!handler) {
      const known = Object.keys(this.handlers).join(', ');
      throw new TranscriptError(`${cmd.where}: unknown command "${cmd.name}" (known: ${known})`);
    }
    const allowed = cmd.name === 'add-nodes' ? undefined : (KEYS[cmd.name] ?? NO_KEYS);
    for (const key of cmd.kv.keys()) {
      if (allowed !== undefined && !allowed.includes(key)) {
        throw new TranscriptError(
          `${cmd.where}: ${cmd.name} takes no ${key}= (it takes: ${allowed.join(', ') || 'none'})`,
        );
      }
    }
    try {
      const out = handler(cmd);
      return this.quiet && cmd.name !== 'log-level' ? [] : out;
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
      return [`error ${e.name}: ${e.message}`]; // printed even under log-level none: a setup that failed must show
    }
  }

  // ---- arguments ---------------------------------------------------------------

  private arg(c: Command, i: number): string {
    const a = c.args[i];
    if (a === undefined) throw new TranscriptError(`${c.where}: ${c.name} needs argument ${i + 1}`);
    return a;
  }

  private value(c: Command, key: string): string {
    const v = c.kv.get(key);
    if (typeof v !== 'string') throw new TranscriptError(`${c.where}: ${c.name} needs ${key}=VALUE`);
    return v;
  }

  private int(c: Command, key: string, dflt: number): number {
    const v = c.kv.get(key);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (typeof v !== 'string' || !Number.isSafeInteger(n) || n < 0) {
      throw new TranscriptError(`${c.where}: ${key} must be a non-negative integer, got ${String(v)}`);
    }
    return n;
  }

  private list(c: Command, key: string): readonly string[] | undefined {
    const v = c.kv.get(key);
    if (v !== undefined && typeof v === 'string')
      throw new TranscriptError(`${c.where}: ${key}=(a,b,...) expected`);
    return v;
  }

  private host(id: NodeId, where = ''): Host {
    const h = this.hosts.get(id);
    if (!h) throw new TranscriptError(`${where}no node ${id} (add-nodes first)`);
    return h;
  }

  /** The node ids among the plain arguments; none = every node. */
  private ids(c: Command, from = 0): NodeId[] {
    const ids = c.args.slice(from);
    for (const id of ids) this.host(id, `${c.where}: `);
    return ids.length > 0 ? ids : [...this.hosts.keys()];
  }

  private each(c: Command, f: (h: Host) => void): string[] {
    for (const id of c.args) f(this.host(id, `${c.where}: `));
    if (c.args.length === 0) throw new TranscriptError(`${c.where}: ${c.name} needs node ids`);
    return [];
  }

  // ---- nodes -------------------------------------------------------------------

  /**
   * `add-nodes N [voters=(..)] [learners=(..)] [key=value ...]`: N new nodes
   * with the next free ids. They bootstrap with `voters` (default: the new
   * nodes) and `learners` (a joining node lists itself there); other keys are
   * RaftConfig options.
   */
  private addNodes(c: Command): string[] {
    const count = Number(this.arg(c, 0));
    if (!Number.isSafeInteger(count) || count < 1) throw new TranscriptError(`${c.where}: add-nodes N`);
    const first = this.hosts.size + 1;
    const ids = Array.from({ length: count }, (_, i) => String(first + i));
    const options: Record<string, number | boolean | string> = {};
    for (const [key, v] of c.kv) {
      if (key === 'voters' || key === 'learners') continue;
      if (!(isRaftTuningOption(key) || NODE_OPTIONS.includes(key)) || typeof v !== 'string') {
        const known = [...RAFT_TUNING_OPTIONS, ...NODE_OPTIONS].join(', ');
        throw new TranscriptError(`${c.where}: unknown option ${key} (known: ${known})`);
      }
      options[key] = v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v;
    }
    const voters = this.list(c, 'voters') ?? ids;
    const learners = this.list(c, 'learners') ?? [];
    for (const id of ids) {
      const storage = new MemoryStorage();
      const config = { ...BASE_CONFIG, ...options, id, peers: voters, learners, storage } as RaftConfig;
      this.hosts.set(id, { node: new RaftNode(config), storage, state: INITIAL_STATE });
    }
    return [];
  }

  private proposeConfChange(c: Command): string[] {
    const type = this.arg(c, 1);
    if (!isConfChangeType(type)) throw new TranscriptError(`${c.where}: unknown change type ${type}`);
    const id = this.host(this.arg(c, 0)).node.proposeConfChange({
      type: type as ConfChangeType,
      node: this.arg(c, 2),
    });
    return [`proposal ${id}`];
  }

  /** `read-index ID CTX [mode=lease|readIndex]` */
  private readIndex(c: Command): string[] {
    const mode = c.kv.get('mode') as ReadMode | undefined;
    this.host(this.arg(c, 0)).node.readIndex(Number(this.arg(c, 1)), mode);
    return [];
  }

  // ---- time --------------------------------------------------------------------

  /** `tick ID... [n=N]`: N ticks (default 1) of each node, nothing processed or delivered. */
  private tick(c: Command): string[] {
    const n = this.int(c, 'n', 1);
    for (const id of this.ids(c)) for (let i = 0; i < n; i++) this.host(id).node.tick();
    return [];
  }

  /** `tick-heartbeat ID...`: one heartbeat interval of ticks. */
  private tickHeartbeat(c: Command): string[] {
    for (const id of this.ids(c)) {
      const h = this.host(id);
      for (let i = h.node.status().timeouts.heartbeatTicks; i > 0; i--) h.node.tick();
    }
    return [];
  }

  /**
   * `tick-election ID`: tick until the node acts on its own timers. A
   * follower: until its election timer fires (role or term change); a
   * (pre-)candidate: until it sends anything (requests re-sent to silent
   * voters each heartbeat interval, or a new round after its timeout); a
   * leader: until it steps down. Prints how many ticks that took.
   */
  private tickElection(c: Command): string[] {
    const h = this.host(this.arg(c, 0), `${c.where}: `);
    const before = h.node.status();
    const hadReady = h.node.hasReady();
    for (let i = 1; i <= MAX_ROUNDS; i++) {
      h.node.tick();
      const s = h.node.status();
      const changed = s.role !== before.role || s.term !== before.term;
      if (changed || (before.role !== 'leader' && !hadReady && h.node.hasReady())) {
        return [`${s.id} ticked ${i} time${i === 1 ? '' : 's'}`];
      }
    }
    throw new TranscriptError(`${c.where}: the election timer of ${before.id} never fired`);
  }

  // ---- Ready and messages --------------------------------------------------------

  /** Handles one Ready of `id` as a host must; returns its lines. */
  private handleReady(id: NodeId): string[] {
    const h = this.host(id);
    const rd = h.node.ready();
    const lines = formatReady(rd);
    persistReady(h.storage, rd);
    this.queue.push(...rd.messages);
    if (rd.snapshot) {
      h.state = stateOfSnapshot(rd.snapshot);
      this.reportCheckpoint(h);
    }
    for (const e of rd.committedEntries) {
      h.state = applyToState(h.state, e);
      this.reportCheckpoint(h);
    }
    h.node.advance();
    return lines;
  }

  /** The checkpoint rule: the state hash right after applying each multiple of checkpointInterval. */
  private reportCheckpoint(h: Host): void {
    if (h.node.checkpointDue(h.state.index))
      h.node.reportCheckpoint(h.state.index, stateHashHex(h.state.hash));
  }

  /**
   * `corrupt-state ID`: a state machine fault. The host's state hash changes
   * while its log stays right: from now on its checkpoints differ.
   */
  private corruptState(c: Command): string[] {
    const id = this.arg(c, 0);
    const h = this.host(id, `${c.where}: `);
    h.state = { index: h.state.index, hash: (h.state.hash ^ 0x5a5a5a5a) >>> 0 };
    return [`${id} state at ${h.state.index} is now ${stateHashHex(h.state.hash)}`];
  }

  /** `process-ready ID...`: one Ready of each node that has one. */
  private processReadies(c: Command): string[] {
    const ids = this.ids(c);
    const out: string[] = [];
    for (const id of ids) {
      if (!this.host(id).node.hasReady()) {
        out.push(`${id}: no Ready`);
        continue;
      }
      const lines = this.handleReady(id);
      if (ids.length === 1) out.push(...lines);
      else out.push(`> ${id} handling Ready`, ...indent(lines));
    }
    return out;
  }

  /** Takes the queued messages to `id` (optionally of one type) off the queue. */
  private take(id: NodeId, type?: string): Message[] {
    const taken: Message[] = [];
    const kept: Message[] = [];
    for (const m of this.queue) (m.to === id && (!type || m.type === type) ? taken : kept).push(m);
    this.queue = kept;
    return taken;
  }

  /** Steps each message into its node; a cut link drops it, shown as such. */
  private deliver(msgs: readonly Message[]): string[] {
    return msgs.map((m) => {
      const line = formatMessage(m);
      if (this.cut.has(`${m.from}->${m.to}`)) return `${line} (dropped: partition)`;
      try {
        this.host(m.to).node.step(m);
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
        return `${line} (refused: ${e.message})`;
      }
      return line;
    });
  }

  /** `deliver-msgs ID... [type=T]` / `drop-msgs ID... [type=T]`. */
  private deliverMsgs(c: Command, drop: boolean): string[] {
    const type = c.kv.get('type') as string | undefined;
    return this.ids(c).flatMap((id) => {
      const msgs = this.take(id, type);
      return drop ? msgs.map((m) => `dropped ${formatMessage(m)}`) : this.deliver(msgs);
    });
  }

  /**
   * `stabilize [ID...]`: handle Readies and deliver messages among these
   * nodes (default all) until nothing moves. Messages to other nodes wait.
   */
  private stabilize(c: Command): string[] {
    const ids = this.ids(c);
    const out: string[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let moved = false;
      for (const id of ids) {
        if (!this.host(id).node.hasReady()) continue;
        moved = true;
        out.push(`> ${id} handling Ready`, ...indent(this.handleReady(id)));
      }
      for (const id of ids) {
        const msgs = this.take(id);
        if (msgs.length === 0) continue;
        moved = true;
        out.push(`> ${id} receiving messages`, ...indent(this.deliver(msgs)));
      }
      if (!moved) return out;
    }
    throw new TranscriptError(`${c.where}: no quiet state within ${MAX_ROUNDS} rounds`);
  }

  // ---- storage -------------------------------------------------------------------

  /** `raft-log ID`: the durable log (and snapshot) of the node's host. */
  private raftLog(c: Command): string[] {
    const s = this.host(this.arg(c, 0), `${c.where}: `).storage;
    const snap = s.snapshot();
    const out = snap ? [`snapshot ${snap.meta.term}/${snap.meta.index} ${formatConf(snap.meta.conf)}`] : [];
    out.push(...s.allEntries().map(formatEntry));
    return out.length > 0 ? out : ['empty'];
  }

  /**
   * `snapshot ID [pad=BYTES] [keep=N]`: the host snapshots its state machine
   * at its applied index (padded to make a transfer span several chunks) and
   * compacts its log there, keeping N entries before it.
   */
  private snapshot(c: Command): string[] {
    const id = this.arg(c, 0);
    const h = this.host(id, `${c.where}: `);
    const index = h.state.index;
    const snap = h.storage.createSnapshot(
      index,
      h.node.confStateAt(index),
      encodeHostSnapshot(h.state, this.int(c, 'pad', 0)),
    );
    h.storage.compact(index - this.int(c, 'keep', 0));
    h.storage.sync();
    return [
      `${id} snapshot ${snap.meta.term}/${index} <${snap.data.byteLength} bytes>, log from ${h.storage.firstIndex()}`,
    ];
  }

  // ---- faults --------------------------------------------------------------------

  /** `partition (1) (2,3)`: links between groups drop every message. */
  private partition(c: Command): string[] {
    const groups = c.args.map((a) => {
      if (!a.startsWith('(') || !a.endsWith(')'))
        throw new TranscriptError(`${c.where}: group (a,b) expected`);
      return splitList(a);
    });
    if (groups.length < 2) throw new TranscriptError(`${c.where}: partition (a,b) (c) ...`);
    for (const g of groups) {
      for (const a of g) for (const b of this.hosts.keys()) if (!g.includes(b)) this.cut.add(`${a}->${b}`);
    }
    return [];
  }

  /** `isolate ID`: every link to and from the node drops. */
  private isolate(c: Command): string[] {
    const id = this.arg(c, 0);
    for (const other of this.hosts.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
    return [];
  }
}

function indent(lines: readonly string[]): string[] {
  return lines.map((l) => `  ${l}`);
}
