import { AppError } from '@raftkit/runtime';
import { expect } from 'vitest';
import type { Grant, LockCommand, LockInfo, LockQuery } from '../src/lock-service.js';

/** What the scenario needs from a client: threads (`cluster.client()`) or TCP (`RaftClient.connect`). */
export interface LockClient {
  command(cmd: LockCommand): Promise<unknown>;
  query(q: LockQuery): Promise<unknown>;
}

/**
 * Two clients and one lock: alice's lease runs out while bob waits; bob gets
 * a newer fencing token, and the resource refuses alice's late write.
 * `between` runs after alice's first write (e.g. kill the leader).
 */
export async function fencingScenario(
  alice: LockClient,
  bob: LockClient,
  between: () => Promise<void> = async () => {},
): Promise<void> {
  const a = (await alice.command({ type: 'acquire', lock: 'db', owner: 'alice', ttl: 8 })) as Grant;
  expect(a.token).toBe(1);
  expect(
    await alice.command({ type: 'write', resource: 'table', token: a.token, data: 'from alice' }),
  ).toEqual({
    written: 1,
  });
  await between();

  // Bob is refused while alice's lease runs; each refused attempt is a log entry, so the lease runs out.
  let b: Grant | null = null;
  let refusals = 0;
  while (b === null) {
    try {
      b = (await bob.command({ type: 'acquire', lock: 'db', owner: 'bob', ttl: 100 })) as Grant;
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as Error).message).toMatch(/db is held by alice/);
      refusals++;
    }
  }
  expect(refusals).toBeGreaterThan(0);
  expect(b.token).toBe(2);
  expect(await bob.query({ type: 'lock', lock: 'db' })).toMatchObject({
    owner: 'bob',
    token: 2,
  } satisfies Partial<LockInfo>);

  // Alice, who lost her lease, can neither renew nor write over bob's work.
  await expect(
    alice.command({ type: 'renew', lock: 'db', owner: 'alice', token: a.token, ttl: 8 }),
  ).rejects.toThrow(/alice does not hold db with token 1/);
  await bob.command({ type: 'write', resource: 'table', token: b.token, data: 'from bob' });
  await expect(
    alice.command({ type: 'write', resource: 'table', token: a.token, data: 'late alice' }),
  ).rejects.toThrow(/stale fencing token 1: table has seen 2/);
  expect(await alice.query({ type: 'resource', resource: 'table' })).toEqual({ token: 2, data: 'from bob' });

  // Bob renews and releases; the lock is free, and the next grant's token is larger still.
  const renewed = (await bob.command({
    type: 'renew',
    lock: 'db',
    owner: 'bob',
    token: 2,
    ttl: 50,
  })) as Grant;
  expect(renewed.token).toBe(2);
  await bob.command({ type: 'release', lock: 'db', owner: 'bob', token: 2 });
  expect(await bob.query({ type: 'lock', lock: 'db' })).toMatchObject({ owner: null, token: 2 });
  const again = (await alice.command({ type: 'acquire', lock: 'db', owner: 'alice', ttl: 8 })) as Grant;
  expect(again.token).toBe(3);
}
