import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { DirectLinks } from '../src/transport/direct-links.js';
import { DirectPeers } from '../src/transport/direct-peers.js';
import { packFrames, unpackFrames } from '../src/transport/frame-batch.js';
import { LinkFlagTable } from '../src/transport/link-flags.js';
import type { DirectPeerMessage, RouterToActor } from '../src/transport/port-protocol.js';
import { Router } from '../src/transport/router.js';
import { waitFor } from '../src/wait-for.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * An actor as worker.ts wires one, in this thread: DirectPeers takes the
 * router's DirectPeerMessages and chooses per batch between a peer's port and
 * the router.
 */
interface FakeActor {
  readonly received: { from: string; frame: string }[];
  readonly direct: DirectPeers;
  /** Every DirectPeerMessage the router posted to this actor, in order. */
  readonly control: DirectPeerMessage[];
  send(to: string, frame: string): void;
}

const opened: { router: Router; ports: MessagePort[]; actors: FakeActor[] }[] = [];

function setup(ids: string[], directLinks = true) {
  const router = new Router({ seed: 3, directLinks });
  const actors: Record<string, FakeActor> = {};
  const ports: MessagePort[] = [];
  const attach = (id: string) => {
    const ch = new MessageChannel();
    const received: FakeActor['received'] = [];
    const control: DirectPeerMessage[] = [];
    const direct = new DirectPeers((m) => {
      m.bufs.forEach((buf, i) => {
        for (const f of unpackFrames(buf).frames) received.push({ from: m.from[i], frame: dec(f) });
      });
    });
    ch.port2.on('message', (m: RouterToActor) => {
      if ('kind' in m) {
        control.push(m);
        direct.onControl(m);
        return;
      }
      m.bufs.forEach((buf, i) => {
        for (const f of unpackFrames(buf).frames) received.push({ from: m.from[i], frame: dec(f) });
      });
    });
    ports.push(ch.port2);
    router.attach(id, ch.port1);
    actors[id] = {
      received,
      direct,
      control,
      send(to, frame) {
        const buf = packFrames([enc(frame)]);
        const rest = direct.route({ to: [to], bufs: [buf] });
        if (rest) ch.port2.postMessage(rest, rest.bufs);
      },
    };
    return actors[id];
  };
  for (const id of ids) attach(id);
  const entry = { router, ports, actors: Object.values(actors) };
  opened.push(entry);
  return { router, actors, attach };
}

/** Wait until every actor holds a port to every other attached one (the control messages arrived). */
async function portsArrived(actors: Record<string, FakeActor>, ids: string[]): Promise<void> {
  await waitFor(
    () =>
      ids.every((id) =>
        ids.filter((o) => o !== id).every((o) => actors[id].control.some((c) => c.peer === o)),
      ),
    { timeoutMs: 2000, what: 'direct ports to arrive' },
  );
}

const sorted = (links: [string, string][]) => links.map(([a, b]) => `${a}>${b}`).sort();

afterEach(async () => {
  for (const { router, ports, actors } of opened.splice(0)) {
    await router.close();
    for (const a of actors) a.direct.close();
    for (const p of ports) p.close();
  }
});

describe('direct links: which links bypass the router', () => {
  it('with no fault, every link between attached actors is direct and batches skip the router', async () => {
    const { router, actors } = setup(['a', 'b', 'c']);
    expect(sorted(router.directLinks())).toEqual(['a>b', 'a>c', 'b>a', 'b>c', 'c>a', 'c>b']);
    expect(router.stats().directLinks).toBe(6);
    await portsArrived(actors, ['a', 'b', 'c']);
    actors.a.send('b', 'hello');
    actors.c.send('a', 'hi');
    await waitFor(() => actors.b.received.length === 1 && actors.a.received.length === 1, {
      timeoutMs: 2000,
    });
    expect(actors.b.received).toEqual([{ from: 'a', frame: 'hello' }]);
    expect(actors.a.received).toEqual([{ from: 'c', frame: 'hi' }]);
    expect(router.stats().batchesDelivered).toBe(0);
    expect(actors.a.direct.traffic()).toEqual({ batchesOut: 1, batchesIn: 1 });
  });

  it('a partition takes every link across it off the direct path (the router drops them); heal restores it', async () => {
    const { router, actors } = setup(['a', 'b', 'c']);
    await portsArrived(actors, ['a', 'b', 'c']);
    router.faults.partition([['a'], ['b', 'c']]);
    expect(sorted(router.directLinks())).toEqual(['b>c', 'c>b']);
    actors.a.send('b', 'across');
    actors.b.send('a', 'back');
    actors.b.send('c', 'inside');
    await waitFor(() => router.stats().framesDropped === 2 && actors.c.received.length === 1, {
      timeoutMs: 2000,
    });
    expect(actors.a.received).toEqual([]);
    expect(actors.b.received).toEqual([]);
    expect(actors.b.direct.traffic().batchesOut).toBe(1);

    router.faults.heal();
    expect(router.stats().directLinks).toBe(6);
    actors.a.send('b', 'healed');
    await waitFor(() => actors.b.received.length === 1, { timeoutMs: 2000 });
    expect(router.stats().batchesDelivered).toBe(0);
  });

  it('isolate, one-way cuts and per-link message faults turn off exactly the links they touch', () => {
    const { router } = setup(['a', 'b', 'c']);
    router.faults.isolate('c');
    expect(sorted(router.directLinks())).toEqual(['a>b', 'b>a']);
    router.faults.heal();
    router.faults.cut('a', 'b');
    expect(router.isDirect('a', 'b')).toBe(false);
    expect(router.isDirect('b', 'a')).toBe(true);
    router.faults.heal();

    router.faults.setLinkFaults({ drop: 1 }, { from: 'a', to: 'b' });
    expect(sorted(router.directLinks())).toEqual(['a>c', 'b>a', 'b>c', 'c>a', 'c>b']);
    router.faults.setLinkFaults({ duplicate: 0.1 }, { to: 'c' });
    expect(sorted(router.directLinks())).toEqual(['b>a', 'c>a', 'c>b']);
    router.faults.setLinkFaults({ delayMs: 0 }, { to: 'c' }); // all-zero: the rule is removed
    router.faults.setLinkFaults({ delayMs: [0, 5] });
    expect(router.directLinks()).toEqual([]);
    router.faults.setLinkFaults({}, {});
    router.faults.setLinkFaults({}, { from: 'a', to: 'b' });
    expect(router.stats().directLinks).toBe(6);
  });

  it('a link with drop 1 loses everything, through the router', async () => {
    const { router, actors } = setup(['a', 'b']);
    await portsArrived(actors, ['a', 'b']);
    router.faults.setLinkFaults({ drop: 1 }, { from: 'a', to: 'b' });
    for (let i = 0; i < 20; i++) actors.a.send('b', `m${i}`);
    actors.b.send('a', 'fine');
    await waitFor(() => router.stats().framesDropped === 20 && actors.a.received.length === 1, {
      timeoutMs: 2000,
    });
    expect(actors.b.received).toEqual([]);
    expect(actors.a.direct.traffic().batchesOut).toBe(0);
  });

  it('a snapshot-corruption rule keeps the links it could match on the router until it is spent or cleared', () => {
    const { router } = setup(['a', 'b', 'c']);
    router.corruptSnapshotChunks({ to: 'b', count: 2 });
    expect(sorted(router.directLinks())).toEqual(['a>c', 'b>a', 'b>c', 'c>a']);
    router.corruptSnapshotChunks({ count: 1 });
    expect(router.directLinks()).toEqual([]);
    router.corruptSnapshotChunks({ count: 0 });
    router.corruptSnapshotChunks({ to: 'b', count: 0 });
    expect(router.stats().directLinks).toBe(6);
  });

  it('detach clears a node`s links and tells its peers; a new attach opens a channel of a new generation', async () => {
    const { router, actors, attach } = setup(['a', 'b', 'c']);
    await portsArrived(actors, ['a', 'b', 'c']);
    const oldToB = actors.a.control.find((c) => c.peer === 'b') as DirectPeerMessage;
    router.detach('b');
    expect(sorted(router.directLinks())).toEqual(['a>c', 'c>a']);
    await waitFor(() => actors.a.control.some((c) => c.peer === 'b' && c.port === null), { timeoutMs: 2000 });
    actors.a.send('b', 'to-nowhere');
    await waitFor(() => router.stats().unroutable === 1, { timeoutMs: 2000 });

    const b2 = attach('b');
    expect(router.stats().directLinks).toBe(6);
    const cell = Atomics.load(oldToB.flags as Int32Array, oldToB.slot);
    // The old channel's generation no longer opens the link: a sender still holding that port uses the router.
    expect(cell).not.toBe(oldToB.gen);
    await waitFor(() => actors.a.control.filter((c) => c.peer === 'b' && c.port !== null).length === 2, {
      timeoutMs: 2000,
    });
    const newToB = actors.a.control.filter((c) => c.peer === 'b' && c.port !== null)[1];
    expect(cell).toBe(newToB.gen);
    expect(newToB.slot).toBe(oldToB.slot);
    actors.a.send('b', 'again');
    await waitFor(() => b2.received.length === 1, { timeoutMs: 2000 });
    expect(b2.received).toEqual([{ from: 'a', frame: 'again' }]);
    expect(router.stats().batchesDelivered).toBe(0);
  });

  it('withdrawDirect takes a node off the direct path ahead of a stop; without the option nothing is direct', async () => {
    const { router } = setup(['a', 'b', 'c']);
    router.withdrawDirect('a');
    expect(sorted(router.directLinks())).toEqual(['b>c', 'c>b']);
    const plain = setup(['a', 'b'], false);
    expect(plain.router.directLinks()).toEqual([]);
    plain.actors.a.send('b', 'routed');
    await waitFor(() => plain.actors.b.received.length === 1, { timeoutMs: 2000 });
    expect(plain.router.stats().batchesDelivered).toBe(1);
    expect(plain.actors.a.control).toEqual([]);
  });
});

describe('direct links: the flag table and the sender', () => {
  it('a full flag table leaves the extra links on the router (slower, still correct)', () => {
    const links = new DirectLinks(() => true, new LinkFlagTable(2));
    const ports = ['a', 'b', 'c'].map(() => new MessageChannel());
    try {
      ['a', 'b', 'c'].forEach((id, i) => {
        links.attach(id, ports[i].port1);
      });
      expect(sorted(links.list())).toEqual(['a>b', 'b>a']);
      expect(links.isDirect('a', 'c')).toBe(false);
    } finally {
      links.close();
      for (const p of ports) {
        p.port1.close();
        p.port2.close();
      }
    }
  });

  it('route() posts the direct batches and hands the rest to the router in order', () => {
    const peers = new DirectPeers(() => {});
    const flags = new Int32Array(new SharedArrayBuffer(16));
    const ch = new MessageChannel();
    try {
      peers.onControl({ kind: 'direct', peer: 'b', port: ch.port1, flags, slot: 1, gen: 7 });
      const bufs = ['x', 'y', 'z'].map((s) => packFrames([enc(s)]));
      Atomics.store(flags, 1, 7);
      const rest = peers.route({ to: ['a', 'b', 'c'], bufs });
      expect(rest?.to).toEqual(['a', 'c']);
      expect(rest?.bufs.map((b) => dec(unpackFrames(b).frames[0]))).toEqual(['x', 'z']);
      expect(peers.traffic().batchesOut).toBe(1);
      // A cell holding another generation (an older or newer channel) or 0: nothing goes direct.
      for (const v of [0, 8]) {
        Atomics.store(flags, 1, v);
        const out = { to: ['b'], bufs: [packFrames([enc('w')])] };
        expect(peers.route(out)).toBe(out);
      }
      Atomics.store(flags, 1, 7);
      expect(peers.route({ to: ['b'], bufs: [packFrames([enc('v')])] })).toBeNull();
      expect(peers.traffic().batchesOut).toBe(2);
    } finally {
      peers.close();
      ch.port2.close();
    }
  });
});
