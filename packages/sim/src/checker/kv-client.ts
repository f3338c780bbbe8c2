import type { KvOutput } from './history.js';
import type { KvInvocation } from './recorder.js';

/**
 * The KV calls of a raftkit client, structurally: the runtime's RaftClient
 * (worker threads) and @raftkit/net's (TCP) both fit, so one function runs a
 * recorded invocation on either.
 */
export interface KvClient {
  get(
    key: string,
    opts?: { readonly consistency?: 'linearizable' | 'lease' | 'stale' },
  ): Promise<string | undefined>;
  put(key: string, value: string): Promise<void>;
  append(key: string, suffix: string): Promise<void>;
  cas(key: string, expected: string | null, value: string): Promise<boolean>;
  delete(key: string): Promise<void>;
}

/**
 * Run one invocation through `client` and return its output as the recorder
 * wants it (get: the value, null when absent; cas: swapped). `consistency`
 * applies to reads (the client's default when absent). Errors propagate: the
 * caller decides fail (no effect) or info (unknown).
 */
export async function performKv(
  client: KvClient,
  inv: KvInvocation,
  consistency?: 'linearizable' | 'lease' | 'stale',
): Promise<KvOutput> {
  switch (inv.kind) {
    case 'get':
      return { value: (await client.get(inv.key, consistency ? { consistency } : undefined)) ?? null };
    case 'put':
      await client.put(inv.key, inv.value);
      return {};
    case 'append':
      await client.append(inv.key, inv.value);
      return {};
    case 'cas':
      return { swapped: await client.cas(inv.key, inv.expected, inv.value) };
    case 'delete':
      await client.delete(inv.key);
      return {};
  }
}
