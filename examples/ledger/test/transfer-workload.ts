import { AppError } from '@raftkit/runtime';
import type { LedgerCommand, LedgerQuery } from '../src/ledger.js';

/** What the workload needs from a client: threads (`cluster.client()`) or TCP (`RaftClient.connect`). */
export interface LedgerClient {
  command(cmd: LedgerCommand): Promise<unknown>;
  query(q: LedgerQuery, opts?: { consistency?: 'linearizable' | 'lease' | 'stale' }): Promise<unknown>;
  close(): void;
}

export const ACCOUNTS = ['alice', 'bob', 'carol', 'dave'];
export const OPENING_BALANCE = 1000;

/** Open every account and fund it. */
export async function openAccounts(client: LedgerClient): Promise<void> {
  for (const account of ACCOUNTS) {
    await client.command({ type: 'open', account });
    await client.command({ type: 'deposit', account, amount: OPENING_BALANCE });
  }
}

export interface TransferOutcomes {
  /** Acknowledged: applied (the proposer got the result). */
  readonly applied: string[];
  /** Refused by the ledger (AppError): never applied. */
  readonly refused: string[];
  /** No answer (timeout, closed): may or may not have been applied. */
  readonly unknown: string[];
}

/**
 * `clients` concurrent clients, each sending transfers one after another
 * (random accounts and amounts, some too large on purpose) until `stop()`.
 */
export function runTransfers(clients: readonly LedgerClient[]): {
  readonly outcomes: TransferOutcomes;
  stop(): Promise<TransferOutcomes>;
} {
  const outcomes = { applied: [] as string[], refused: [] as string[], unknown: [] as string[] };
  let running = true;
  const loops = clients.map(async (client, c) => {
    for (let i = 0; running; i++) {
      const id = `c${c}-t${i}`;
      const from = ACCOUNTS[(c + i) % ACCOUNTS.length];
      const to = ACCOUNTS[(c + 2 * i + 1) % ACCOUNTS.length];
      if (from === to) continue;
      const amount = 1 + ((i * 37 + c * 11) % 400);
      try {
        await client.command({ type: 'transfer', id, from, to, amount });
        outcomes.applied.push(id);
      } catch (err) {
        (err instanceof AppError ? outcomes.refused : outcomes.unknown).push(id);
      }
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/**
 * The ledger's guarantees after a run: the total is conserved, every
 * acknowledged transfer is in the journal exactly once, no transfer is there
 * twice, refused ones are absent. Returns a list of violations (empty: all good).
 */
export function checkLedger(total: number, journal: readonly string[], outcomes: TransferOutcomes): string[] {
  const problems: string[] = [];
  const expected = ACCOUNTS.length * OPENING_BALANCE;
  if (total !== expected) problems.push(`total is ${total}, expected ${expected}`);
  const counts = new Map<string, number>();
  for (const id of journal) counts.set(id, (counts.get(id) ?? 0) + 1);
  for (const [id, n] of counts) if (n > 1) problems.push(`transfer ${id} applied ${n} times`);
  for (const id of outcomes.applied)
    if (!counts.has(id)) problems.push(`acknowledged transfer ${id} is missing`);
  for (const id of outcomes.refused) if (counts.has(id)) problems.push(`refused transfer ${id} was applied`);
  return problems;
}
