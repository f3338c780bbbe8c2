import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli/args.js';
import { ClusterSecret, type MembersInfo, NodeChannel, RaftkitNode } from '../src/index.js';
import { freePorts, SECRET } from './support/cluster.js';

describe('--advertise', () => {
  it('a node lists its advertised address for itself in `members` (what peers and clients are told)', async () => {
    const [port, advertised, p2, p3] = await freePorts(4);
    const node = await RaftkitNode.start({
      id: 'n1',
      listen: { host: '127.0.0.1', port },
      advertise: { host: '127.0.0.1', port: advertised },
      peers: new Map([
        ['n2', { host: '127.0.0.1', port: p2 }],
        ['n3', { host: '127.0.0.1', port: p3 }],
      ]),
      dataDir: 'memory',
      secret: SECRET,
      clusterId: 'test',
      udpPort: false,
    });
    const channel = new NodeChannel({
      address: { host: '127.0.0.1', port },
      secret: ClusterSecret.from(SECRET),
      clusterId: 'test',
    });
    try {
      expect(node.advertisedAddress).toEqual({ host: '127.0.0.1', port: advertised });
      expect(node.address.port).toBe(port);
      const info = (await channel.request({ op: 'members' })) as MembersInfo;
      expect(info.members).toEqual([
        { id: 'n1', address: `127.0.0.1:${advertised}` },
        { id: 'n2', address: `127.0.0.1:${p2}` },
        { id: 'n3', address: `127.0.0.1:${p3}` },
      ]);
    } finally {
      channel.close();
      await node.stop();
    }
  });

  it('is a node flag', () => {
    expect(parseCommandLine(['node', '--advertise', '10.0.0.1:7001']).flags.advertise).toBe('10.0.0.1:7001');
  });
});
