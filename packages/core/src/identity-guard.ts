/**
 * Identity = id + incarnation. A vote, a pre-vote or an acknowledgement is
 * a promise kept in the sender's store; a wiped store under the same id
 * (a new incarnation) no longer keeps it. So a message counts toward an
 * election or a quorum only when its sender's incarnation is the one the
 * configuration binds that member to (see the core README, "Identity").
 *
 * A bootstrap member may be unbound (the host could not know every
 * member's incarnation up front: separate processes). Then a leader holds,
 * for its term, the first incarnation it hears from that member, counts only
 * that one, and records it in the log with a `bind` change (`nextBinding`).
 */
import { boundIncarnation, isMember } from './conf-state.js';
import type { ConfState, IdentityConflict, Incarnation, NodeId } from './types.js';

export class IdentityGuard {
  /** Leader, this term: the first incarnation heard from each unbound member. */
  private readonly firstContact = new Map<NodeId, Incarnation>();
  /** Members currently speaking under a foreign incarnation, newest report each. */
  private readonly conflicts = new Map<NodeId, IdentityConflict>();
  private readonly reported = new Set<string>();
  private pending: IdentityConflict[] = [];

  constructor(
    private readonly self: NodeId,
    /** false only under the injected bug 'ignore-incarnation'. */
    private readonly enforced: boolean,
  ) {}

  /**
   * May a message from `from` speaking as `inc` count under `conf`?
   * `leader`: hold the first contact of an unbound member for this term.
   * A mismatch is recorded as an IdentityConflict (reported once).
   */
  counts(conf: ConfState, from: NodeId, inc: Incarnation, term: number, leader: boolean): boolean {
    if (!this.enforced) return true;
    let expected = boundIncarnation(conf, from);
    if (expected === 0 && leader && inc !== 0) {
      const first = this.firstContact.get(from);
      if (first === undefined) this.firstContact.set(from, inc);
      else expected = first;
    }
    if (expected === 0 || inc === expected) return true;
    this.record({ node: from, expected, actual: inc, detectedBy: this.self, term });
    return false;
  }

  /** A new term (or role): first contacts were this leader's only. */
  newTerm(): void {
    this.firstContact.clear();
  }

  /**
   * The next member a leader should bind (an unbound member whose incarnation
   * it knows: its own, or a first contact this term), or null.
   */
  nextBinding(conf: ConfState, selfInc: Incarnation): { node: NodeId; incarnation: Incarnation } | null {
    if (!this.enforced) return null;
    const bound = conf.incarnations === undefined ? 0 : Object.keys(conf.incarnations).length;
    if (bound === conf.voters.length + conf.learners.length) return null;
    if (selfInc !== 0 && isMember(conf, this.self) && boundIncarnation(conf, this.self) === 0) {
      return { node: this.self, incarnation: selfInc };
    }
    for (const id of [...conf.voters, ...conf.learners]) {
      const inc = this.firstContact.get(id);
      if (inc !== undefined && boundIncarnation(conf, id) === 0) return { node: id, incarnation: inc };
    }
    return null;
  }

  /** The configuration changed: a conflict ends when its member left or was re-added under another incarnation. */
  onConfChanged(conf: ConfState): void {
    for (const [id, c] of this.conflicts) {
      if (!isMember(conf, id) || boundIncarnation(conf, id) !== c.expected) this.conflicts.delete(id);
    }
    for (const id of this.firstContact.keys()) if (!isMember(conf, id)) this.firstContact.delete(id);
  }

  /** Conflicts found since the last call (for Ready). */
  drain(): IdentityConflict[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  current(): IdentityConflict[] {
    return [...this.conflicts.values()];
  }

  private record(c: IdentityConflict): void {
    this.conflicts.set(c.node, c);
    const key = `${c.node}\u0000${c.expected}\u0000${c.actual}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.pending.push(c);
  }
}
