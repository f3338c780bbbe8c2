/**
 * The fault table of the proxied network: per directed node pair (from ->
 * to), whether frames are cut, delayed or randomly dropped. The proxies read
 * it for every frame, so a change applies at once to live connections.
 */
export interface LinkFault {
  /** Every frame from -> to is discarded. */
  readonly cut: boolean;
  /** Extra one-way latency (order is kept). */
  readonly delayMs: number;
  /** Probability that a Raft frame from -> to is discarded. */
  readonly dropRate: number;
}

const CLEAN: LinkFault = { cut: false, delayMs: 0, dropRate: 0 };

export class LinkFaults {
  private readonly links = new Map<string, LinkFault>();

  get(from: string, to: string): LinkFault {
    return this.links.get(key(from, to)) ?? CLEAN;
  }

  /** Cut from -> to only (a one-way cut); to -> from keeps flowing. */
  cut(from: string, to: string): void {
    this.update(from, to, { cut: true });
  }

  /** Cut both directions between every node of `a` and every node of `b`. */
  cutBetween(a: readonly string[], b: readonly string[]): void {
    for (const x of a) {
      for (const y of b) {
        if (x === y) continue;
        this.cut(x, y);
        this.cut(y, x);
      }
    }
  }

  /** Split into groups that cannot reach each other (a node in no group keeps all its links). */
  partition(groups: readonly (readonly string[])[]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) this.cutBetween(groups[i], groups[j]);
    }
  }

  degrade(from: string, to: string, delayMs: number, dropRate: number): void {
    this.update(from, to, { delayMs, dropRate });
  }

  heal(): void {
    this.links.clear();
  }

  /** The faulty links, for the report: "a->b cut", "a->b delay 40ms drop 10%". */
  describe(): string[] {
    return [...this.links].map(([k, f]) => {
      const parts = [
        f.cut ? 'cut' : '',
        f.delayMs ? `delay ${f.delayMs}ms` : '',
        f.dropRate ? `drop ${Math.round(f.dropRate * 100)}%` : '',
      ];
      return `${k} ${parts.filter(Boolean).join(' ')}`;
    });
  }

  private update(from: string, to: string, change: Partial<LinkFault>): void {
    this.links.set(key(from, to), { ...this.get(from, to), ...change });
  }
}

function key(from: string, to: string): string {
  return `${from}->${to}`;
}
