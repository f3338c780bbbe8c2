/**
 * When a link sends its ping. Pings give the TCP RTT and traffic for the idle
 * check. While Raft frames arrive (heartbeats at least) they already prove
 * the link alive and count as contact, so then only every `sampleEvery`-th
 * interval pings, for the RTT: an idle cluster is woken for pings and pongs
 * a quarter as often. Without Raft traffic every interval pings.
 */
export class PingPacer {
  private raftSeen = false;
  private skipped = 0;

  constructor(readonly sampleEvery = 4) {}

  /** A Raft frame arrived on the link. */
  raftFrame(): void {
    this.raftSeen = true;
  }

  /** One ping interval passed: whether to ping now. */
  tick(): boolean {
    const flowing = this.raftSeen;
    this.raftSeen = false;
    if (flowing && ++this.skipped < this.sampleEvery) return false;
    this.skipped = 0;
    return true;
  }
}
