/**
 * FOR TESTS ONLY: a scripted stand-in for a cluster that feeds a DemoHub with
 * plausible statuses and role transitions and reacts to the controls (a
 * leader cut off from the majority steps down and the majority elects a new
 * one). It lets the server and page be tested without worker threads.
 */
import type { DemoHub } from '../src/hub.js';
import type { ClusterControl, RoleName } from '../src/model.js';

interface FakeNode {
  id: string;
  role: RoleName;
  term: number;
  leader: string | null;
  running: boolean;
  commit: number;
}

export class FakeCluster implements ClusterControl {
  readonly nodeIds: readonly string[];
  readonly calls: string[] = [];
  private readonly nodes = new Map<string, FakeNode>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly statusTimer: NodeJS.Timeout;
  private groups: string[][] | null = null;
  private isolated = new Set<string>();
  private term = 0;

  constructor(
    private readonly hub: DemoHub,
    private readonly stepMs = 60,
  ) {
    this.nodeIds = hub.nodeIds;
    for (const id of this.nodeIds) {
      this.nodes.set(id, { id, role: 'follower', term: 0, leader: null, running: true, commit: 0 });
    }
    this.statusTimer = setInterval(() => this.reportAll(), 100);
    this.reportAll();
    this.later(() => this.elect(this.nodeIds[0], 'electionTimeout'));
  }

  isRunning(id: string): boolean {
    return this.nodes.get(id)?.running ?? false;
  }

  currentLeader(): string | null {
    let best: FakeNode | null = null;
    for (const n of this.nodes.values()) {
      if (n.running && n.role === 'leader' && (!best || n.term > best.term)) best = n;
    }
    return best?.id ?? null;
  }

  async isolate(id: string): Promise<void> {
    this.calls.push(`isolate ${id}`);
    this.isolated.add(id);
    this.afterFault();
  }

  async partition(groups: readonly (readonly string[])[]): Promise<void> {
    this.calls.push(`partition ${JSON.stringify(groups)}`);
    this.groups = groups.map((g) => [...g]);
    this.isolated.clear();
    this.afterFault();
  }

  async heal(): Promise<void> {
    this.calls.push('heal');
    this.groups = null;
    this.isolated.clear();
    const leader = this.currentLeader();
    for (const n of this.nodes.values()) {
      if (!n.running || n.id === leader) continue;
      n.term = this.term;
      n.leader = leader;
    }
  }

  async kill(id: string): Promise<void> {
    this.calls.push(`kill ${id}`);
    const n = this.nodes.get(id)!;
    const wasLeader = n.role === 'leader';
    n.running = false;
    n.role = 'follower';
    this.hub.recordLifecycle(id, 'down');
    if (wasLeader) this.afterFault();
  }

  async restart(id: string): Promise<void> {
    this.calls.push(`restart ${id}`);
    const n = this.nodes.get(id)!;
    n.running = true;
    this.hub.recordLifecycle(id, 'up');
    n.leader = this.currentLeader();
    n.term = this.term;
  }

  async transferLeadership(to: string): Promise<void> {
    this.calls.push(`transfer ${to}`);
    const from = this.currentLeader();
    if (from) this.transition(from, 'follower', 'transferred', this.term);
    this.term++;
    this.transition(to, 'candidate', 'timeoutNow', this.term);
    this.transition(to, 'leader', 'voteWon', this.term);
    this.followAll(to);
  }

  async setLinkDelay(ms: number): Promise<void> {
    this.calls.push(`delay ${ms}`);
  }

  close(): void {
    clearInterval(this.statusTimer);
    for (const t of this.timers) clearTimeout(t);
  }

  private reachable(a: string, b: string): boolean {
    if (this.isolated.has(a) !== this.isolated.has(b)) return false;
    if (this.isolated.has(a) && a !== b) return false;
    if (this.groups) return this.groups.some((g) => g.includes(a) && g.includes(b));
    return true;
  }

  /** The running nodes the given node can reach, itself included. */
  private sideOf(id: string): string[] {
    return this.nodeIds.filter((o) => this.nodes.get(o)!.running && this.reachable(id, o));
  }

  private afterFault(): void {
    const leader = this.currentLeader();
    const quorum = Math.floor(this.nodeIds.length / 2) + 1;
    if (leader && this.sideOf(leader).length >= quorum) return;
    if (leader)
      this.later(() => this.transition(leader, 'follower', 'lostQuorum', this.nodes.get(leader)!.term));
    const candidate = this.nodeIds.find(
      (id) => this.nodes.get(id)!.running && this.sideOf(id).length >= quorum,
    );
    if (candidate) this.later(() => this.elect(candidate, 'electionTimeout'), 3);
  }

  private elect(id: string, reason: string): void {
    this.transition(id, 'preCandidate', reason, this.term);
    this.later(() => {
      this.transition(id, 'candidate', 'preVoteWon', this.term + 1);
      this.term++;
      this.later(() => {
        this.transition(id, 'leader', 'voteWon', this.term);
        this.followAll(id);
      });
    });
  }

  private followAll(leader: string): void {
    for (const o of this.sideOf(leader)) {
      const n = this.nodes.get(o)!;
      if (o === leader) continue;
      if (n.role !== 'follower') this.transition(o, 'follower', 'higherTerm', this.term);
      n.term = this.term;
      n.leader = leader;
    }
    this.nodes.get(leader)!.leader = leader;
  }

  private transition(id: string, to: RoleName, reason: string, term: number): void {
    const n = this.nodes.get(id)!;
    const from = n.role;
    n.role = to;
    n.term = term;
    if (to !== 'leader') n.leader = null;
    this.hub.recordTransition({ node: id, from, to, term, reason, at: Date.now() });
    this.report(n);
  }

  private later(fn: () => void, steps = 1): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, this.stepMs * steps);
    this.timers.add(t);
  }

  private reportAll(): void {
    const leader = this.currentLeader();
    if (leader) for (const id of this.sideOf(leader)) this.nodes.get(id)!.commit++;
    for (const n of this.nodes.values()) this.report(n);
  }

  private report(n: FakeNode): void {
    if (!n.running) return;
    this.hub.recordStatus({
      id: n.id,
      role: n.role,
      term: n.term,
      leader: n.leader,
      commitIndex: n.commit,
      appliedIndex: n.commit,
      lastIndex: n.commit,
      leaseMs: n.role === 'leader' ? 400 : null,
      stateHash: `h${n.commit.toString(16).padStart(8, '0')}`,
      at: Date.now(),
    });
  }
}
