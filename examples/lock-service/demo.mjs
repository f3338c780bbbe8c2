// A lock service on three worker threads: node examples/lock-service/demo.mjs (after pnpm build).
import { createCluster } from '@raftkit/runtime';

const cluster = await createCluster({
  nodes: 3,
  storage: 'memory',
  stateMachine: {
    module: new URL('./dist/lock-service.js', import.meta.url).href,
    export: 'createLockService',
  },
});
try {
  const alice = cluster.client();
  const bob = cluster.client();
  const a = await alice.command({ type: 'acquire', lock: 'db', owner: 'alice', ttl: 3 });
  await alice.command({ type: 'write', resource: 'table', token: a.token, data: 'from alice' });
  // Bob waits for alice's lease to end: 3 log entries (his refused attempts count).
  let b = null;
  while (b === null)
    b = await bob.command({ type: 'acquire', lock: 'db', owner: 'bob', ttl: 100 }).catch(() => null);
  console.log('bob holds db with token', b.token); // bob holds db with token 2
  await bob.command({ type: 'write', resource: 'table', token: b.token, data: 'from bob' });
  await alice.command({ type: 'write', resource: 'table', token: a.token, data: 'late' }).catch((err) => {
    console.log(err.message); // stale fencing token 1: table has seen 2
  });
  console.log(await bob.query({ type: 'resource', resource: 'table' })); // { token: 2, data: 'from bob' }
} finally {
  await cluster.close();
}
