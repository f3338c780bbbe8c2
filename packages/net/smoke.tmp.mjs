import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RaftClient, RaftkitNode, stderrLogger } from './dist/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rk-'));
const ports = [17101, 17102, 17103];
const ids = ['n1', 'n2', 'n3'];
const addr = (i) => ({ host: '127.0.0.1', port: ports[i] });
const nodes = await Promise.all(
  ids.map((id, i) =>
    RaftkitNode.start({
      id,
      listen: addr(i),
      peers: new Map(ids.map((p, j) => [p, addr(j)]).filter(([p]) => p !== id)),
      dataDir: join(dir, id),
      secret: 'smoke-secret-0123456789',
      tickMs: 20,
      logger: stderrLogger('warn'),
    }),
  ),
);
const t0 = Date.now();
const client = await RaftClient.connect({ cluster: '127.0.0.1:17102', secret: 'smoke-secret-0123456789' });
await client.put('k', 'v1');
console.log('put ok in', Date.now() - t0, 'ms; get =', await client.get('k'));
console.log(
  'cas',
  await client.cas('k', 'v1', 'v2'),
  await client.cas('k', 'v1', 'v3'),
  await client.get('k'),
);
const st = await client.status();
for (const s of st)
  console.log(
    s.id,
    s.report?.node?.role,
    s.report?.node?.term,
    s.report?.peers
      .map((p) => `${p.id}:${p.health}:${p.tcp.rtt?.mean?.toFixed(2)}/${p.udp?.rtt?.mean?.toFixed(2)}`)
      .join(' '),
  );
let n = 0;
const t1 = Date.now();
while (Date.now() - t1 < 2000) {
  await client.put('x' + (n % 10), String(n));
  n++;
}
console.log('sequential puts/s', n / 2);
client.close();
await Promise.all(nodes.map((n) => n.stop()));
console.log('stopped');
