import { createServer, type Server } from 'node:net';

/**
 * Reserve `n` distinct free TCP ports on 127.0.0.1 (listen on port 0, read
 * the port, close). For tools and tests that must name a node's port before
 * it starts; another process could take a port in between, so use it at once.
 */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
