// Three ledger nodes on worker threads: node examples/ledger/demo.mjs (after pnpm build).
import { createCluster } from '@raftkit/runtime';

const cluster = await createCluster({
  nodes: 3,
  storage: 'memory',
  stateMachine: { module: new URL('./dist/ledger.js', import.meta.url).href, export: 'createLedger' },
});
try {
  const bank = cluster.client();
  await bank.command({ type: 'open', account: 'alice' });
  await bank.command({ type: 'open', account: 'bob' });
  await bank.command({ type: 'deposit', account: 'alice', amount: 100 });
  await bank.command({ type: 'transfer', id: 't1', from: 'alice', to: 'bob', amount: 30 });
  console.log('bob has', await bank.query({ type: 'balance', account: 'bob' })); // bob has 30
  try {
    await bank.command({ type: 'transfer', id: 't2', from: 'bob', to: 'alice', amount: 500 });
  } catch (err) {
    console.log(`${err.name}: ${err.message}`); // AppError: insufficient funds: bob has 30
  }
  console.log('total', await bank.query({ type: 'total' }, { consistency: 'lease' })); // total 100
} finally {
  await cluster.close();
}
