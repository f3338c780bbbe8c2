import { HistoryRecorderError } from './errors.js';
import type { KvOp, KvOpKind, KvOutput } from './history.js';

/** What a client is about to do (the invoke half of a KvOp). */
export type KvInvocation =
  | { readonly kind: 'get' | 'delete'; readonly key: string }
  | { readonly kind: 'put' | 'append'; readonly key: string; readonly value: string }
  | { readonly kind: 'cas'; readonly key: string; readonly expected: string | null; readonly value: string };

/** Opaque reference to a recorded invocation. */
export type OpHandle = number & { readonly __opHandle: unique symbol };

export interface HistoryRecorderOptions {
  /**
   * The clock for call/ret times: virtual time in the simulator, a monotonic clock in the
   * runtime. Default: a logical counter that advances by one per recorded event, which
   * preserves exactly the real-time order a linearizability check needs.
   */
  readonly now?: () => number;
}

interface Pending {
  readonly client: string | number;
  readonly invocation: KvInvocation;
  readonly call: number;
  ret: number | null;
  status: 'pending' | KvOp['status'];
  output?: KvOutput;
}

/**
 * Records a concurrent KV history as it happens: `invoke` when a client sends a request,
 * then exactly one of `ok` (with the result), `fail` (it definitely did not take effect)
 * or `info` (unknown: timed out, connection lost). Operations never completed count as
 * `info` in `ops()`.
 *
 * A client may have one operation in flight. After `info` the client may go on: its
 * indeterminate operation stays open to the end of the history (it might still be applied
 * later, e.g. from a leader's log), which is exactly how the checker treats it.
 */
export class HistoryRecorder {
  private readonly records: Pending[] = [];
  private readonly inFlight = new Map<string | number, OpHandle>();
  private readonly now: () => number;
  private tick = 0;
  private lastTime = Number.NEGATIVE_INFINITY;

  constructor(options: HistoryRecorderOptions = {}) {
    this.now = options.now ?? (() => this.tick++);
  }

  invoke(client: string | number, invocation: KvInvocation): OpHandle {
    const busy = this.inFlight.get(client);
    if (busy !== undefined) {
      throw new HistoryRecorderError(`client ${client} invoked while operation ${busy} is in flight`);
    }
    const handle = this.records.length as OpHandle;
    this.records.push({
      client,
      invocation: { ...invocation },
      call: this.time(),
      ret: null,
      status: 'pending',
    });
    this.inFlight.set(client, handle);
    return handle;
  }

  /** Completed with a result: get -> `{ value }` (null = absent), cas -> `{ swapped }`; others need none. */
  ok(handle: OpHandle, output: KvOutput = {}): void {
    const rec = this.open(handle);
    const kind: KvOpKind = rec.invocation.kind;
    if (
      kind === 'get' &&
      (output.value === undefined || (output.value !== null && typeof output.value !== 'string'))
    ) {
      throw new HistoryRecorderError(`ok(get) needs output.value: a string or null (op ${handle})`);
    }
    if (kind === 'cas' && typeof output.swapped !== 'boolean') {
      throw new HistoryRecorderError(`ok(cas) needs output.swapped (op ${handle})`);
    }
    this.close(rec, 'ok', {
      ...(kind === 'get' ? { value: output.value } : {}),
      ...(kind === 'cas' ? { swapped: output.swapped } : {}),
    });
  }

  /** Definitely had no effect (e.g. rejected before it was proposed). */
  fail(handle: OpHandle): void {
    this.close(this.open(handle), 'fail');
  }

  /** Outcome unknown: it may have taken effect at any time after the call, or never. */
  info(handle: OpHandle): void {
    this.close(this.open(handle), 'info');
  }

  /** Number of recorded operations (including ones in flight). */
  get size(): number {
    return this.records.length;
  }

  /** The history so far, in invocation order; operations still in flight appear as 'info'. */
  ops(): KvOp[] {
    return this.records.map((rec) => {
      const inv = rec.invocation;
      const status = rec.status === 'pending' ? 'info' : rec.status;
      return {
        client: rec.client,
        kind: inv.kind,
        key: inv.key,
        ...('value' in inv ? { value: inv.value } : {}),
        ...(inv.kind === 'cas' ? { expected: inv.expected } : {}),
        call: rec.call,
        ret: status === 'info' ? null : rec.ret,
        status,
        ...(status === 'ok' && rec.output ? { output: rec.output } : {}),
      };
    });
  }

  private open(handle: OpHandle): Pending {
    const rec = this.records[handle];
    if (rec === undefined) throw new HistoryRecorderError(`unknown operation handle ${handle}`);
    if (rec.status !== 'pending')
      throw new HistoryRecorderError(`operation ${handle} already completed (${rec.status})`);
    return rec;
  }

  private close(rec: Pending, status: KvOp['status'], output?: KvOutput): void {
    const t = this.time(); // first: a clock error must leave the record untouched
    rec.status = status;
    rec.ret = status === 'info' ? null : t;
    if (output) rec.output = output;
    this.inFlight.delete(rec.client);
  }

  private time(): number {
    const t = this.now();
    if (!Number.isFinite(t) || t < this.lastTime) {
      throw new HistoryRecorderError(`clock went backwards or is not finite: ${t} after ${this.lastTime}`);
    }
    this.lastTime = t;
    return t;
  }
}
