/**
 * A replicated bank ledger as a raftkit app state machine: accounts,
 * deposits and transfers that never take a balance below zero.
 *
 * Every command checks everything before it changes anything, so a command
 * that throws (an unknown account, insufficient funds) leaves the ledger as it
 * was: raftkit hands the throw back to the proposer as an AppError, the same
 * on every replica. Exactly-once is raftkit's: a transfer retried by a client
 * after a leader crash is answered from the session table, never applied
 * twice. The journal of applied transfer ids lets a test prove it.
 */
import { defineStateMachine } from '@raftkit/runtime';

export type LedgerCommand =
  | { readonly type: 'open'; readonly account: string }
  | { readonly type: 'deposit'; readonly account: string; readonly amount: number }
  | {
      readonly type: 'transfer';
      /** The caller's id for this transfer (recorded in the journal). */
      readonly id: string;
      readonly from: string;
      readonly to: string;
      readonly amount: number;
    };

export type LedgerQuery =
  | { readonly type: 'balance'; readonly account: string }
  | { readonly type: 'total' }
  | { readonly type: 'journal' };

export interface LedgerOptions {
  /** Largest amount one command may move. Default 1_000_000. */
  readonly maxAmount?: number;
}

/** The ledger's state as its snapshot holds it. */
interface LedgerState {
  accounts: [string, number][];
  journal: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const createLedger = defineStateMachine((options: LedgerOptions = {}) => {
  const maxAmount = options.maxAmount ?? 1_000_000;
  let accounts = new Map<string, number>();
  /** Ids of applied transfers, in log order. */
  let journal: string[] = [];

  const balanceOf = (account: string): number => {
    const b = accounts.get(account);
    if (b === undefined) throw new Error(`no account ${account}`);
    return b;
  };
  const checkAmount = (amount: number): void => {
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > maxAmount) {
      throw new Error(`amount must be an integer in [1, ${maxAmount}], got ${amount}`);
    }
  };

  return {
    apply(cmd: LedgerCommand): { readonly balance: number } {
      switch (cmd.type) {
        case 'open':
          if (typeof cmd.account !== 'string' || cmd.account === '') throw new Error('account name required');
          if (accounts.has(cmd.account)) throw new Error(`account ${cmd.account} exists`);
          accounts.set(cmd.account, 0);
          return { balance: 0 };
        case 'deposit': {
          checkAmount(cmd.amount);
          const balance = balanceOf(cmd.account) + cmd.amount;
          accounts.set(cmd.account, balance);
          return { balance };
        }
        case 'transfer': {
          checkAmount(cmd.amount);
          const from = balanceOf(cmd.from);
          balanceOf(cmd.to);
          if (cmd.from === cmd.to) throw new Error('a transfer needs two different accounts');
          if (from < cmd.amount) throw new Error(`insufficient funds: ${cmd.from} has ${from}`);
          // Checked everything: only now change the state.
          accounts.set(cmd.from, from - cmd.amount);
          accounts.set(cmd.to, balanceOf(cmd.to) + cmd.amount);
          journal.push(cmd.id);
          return { balance: from - cmd.amount };
        }
        default:
          throw new Error(`unknown command ${JSON.stringify(cmd)}`);
      }
    },

    query(q: LedgerQuery): number | readonly string[] {
      switch (q.type) {
        case 'balance':
          return balanceOf(q.account);
        case 'total':
          return [...accounts.values()].reduce((a, b) => a + b, 0);
        case 'journal':
          return journal;
        default:
          throw new Error(`unknown query ${JSON.stringify(q)}`);
      }
    },

    // Map and array order is log order, the same on every replica: equal ledgers give equal bytes.
    snapshot(): Uint8Array {
      const state: LedgerState = { accounts: [...accounts], journal };
      return encoder.encode(JSON.stringify(state));
    },

    restore(bytes: Uint8Array): void {
      const state = JSON.parse(decoder.decode(bytes)) as LedgerState;
      accounts = new Map(state.accounts);
      journal = state.journal;
    },
    // No hash(): raftkit derives the checkpoint hash from snapshot() bytes.
  };
});

export default createLedger;
