// node examples/quickstart/threads.mjs (from the repository root, after pnpm build)
import { AppError, createCluster } from '@raftkit/runtime';

const cluster = await createCluster({ nodes: 3, stateMachine: { module: './examples/quickstart/tally.js' } });
try {
  const client = cluster.client();
  console.log(await client.command({ name: 'votes', by: 2 })); // 2
  console.log(await client.command({ name: 'votes', by: 3 })); // 5
  console.log(await client.query('votes', { consistency: 'linearizable' })); // 5
  await client.command({ name: 'votes', by: -1 }).catch((err) => {
    console.log(err instanceof AppError, err.message); // true by must be > 0 (entry ...)
  });
  console.log(await client.query('votes', { consistency: 'stale' })); // 5
} finally {
  await cluster.close();
}
