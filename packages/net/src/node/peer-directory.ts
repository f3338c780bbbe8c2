import type { ConfState } from '@raftkit/core';
import type { Link, Router } from '@raftkit/runtime';
import { formatHostPort, type HostPort, parseHostPort } from '../address.js';
import type { NetLogger } from '../log.js';
import type { TcpTransport } from '../transport.js';

/**
 * Keeps this node's peer links in line with the configuration in force: a
 * member that appears (a newcomer's address comes with its membership entry)
 * gets a TCP link and a router link at once, without a restart; a member
 * that leaves loses both, so its handshakes are refused from then on.
 * Addresses come from the configuration first, then from what this node
 * already knew (`--peers` seeds the first boot, a joiner learns them from the
 * cluster it asks).
 */
export class PeerDirectory {
  /** Last address known per member id (from the configuration or the seed). */
  private readonly known = new Map<string, HostPort>();

  constructor(
    private readonly self: string,
    private readonly transport: TcpTransport,
    private readonly router: Router,
    private readonly link: Link,
    seed: ReadonlyMap<string, HostPort>,
    private readonly logger: NetLogger,
  ) {
    for (const [id, a] of seed) this.known.set(id, a);
  }

  /** Where `id` is reached, if known. */
  address(id: string): HostPort | undefined {
    return this.known.get(id);
  }

  /** Remember where `id` listens (a member being added, or what the leader told us). */
  learn(id: string, address: HostPort): void {
    if (id !== this.self) this.known.set(id, address);
  }

  /** Every known address but our own (the seeds of a client that asks the cluster). */
  addresses(): HostPort[] {
    return [...this.known].filter(([id]) => id !== this.self).map(([, a]) => a);
  }

  /**
   * Add links for new members and, unless `keepLeavers`, drop links of
   * members that left. Returns what changed, and the members whose address is
   * not known (to ask the leader). `keepLeavers`: the configuration may be
   * older than what this node knows (a joiner that installed a snapshot taken
   * before it was added).
   */
  reconcile(conf: ConfState, keepLeavers = false): { added: string[]; removed: string[]; missing: string[] } {
    const members = new Set([...conf.voters, ...conf.learners]);
    const added: string[] = [];
    const removed: string[] = [];
    const missing: string[] = [];
    for (const [id, text] of Object.entries(conf.addresses ?? {})) {
      if (id === this.self || !members.has(id)) continue;
      try {
        this.known.set(id, parseHostPort(text));
      } catch {
        this.logger.log('warn', 'unusable member address in the configuration', {
          member: id,
          address: text,
        });
      }
    }
    for (const id of members) {
      if (id === this.self) continue;
      const address = this.known.get(id);
      if (!address) {
        missing.push(id);
        continue;
      }
      const had = this.transport.peerIds.includes(id);
      if (this.transport.addPeer(id, address) && !had) added.push(id);
      this.router.addLink([id], this.link);
    }
    for (const id of keepLeavers ? [] : this.transport.peerIds) {
      if (members.has(id)) continue;
      this.transport.removePeer(id);
      this.router.removeLink([id]);
      removed.push(id);
    }
    if (added.length || removed.length) {
      this.logger.log('info', 'peers follow the configuration', {
        node: this.self,
        added: added.map((id) => `${id}=${formatHostPort(this.known.get(id) as HostPort)}`),
        removed,
      });
    }
    return { added, removed, missing };
  }
}
