import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../src/errors.js';
import { FaultTable } from '../src/transport/fault-table.js';
import { packFrames, unpackFrames } from '../src/transport/frame-batch.js';
import type { InboundBatches, OutboundBatches } from '../src/transport/port-protocol.js';
import { type Link, Router } from '../src/transport/router.js';
import { waitFor } from '../src/wait-for.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface FakeActor {
  readonly received: { from: string; frame: string }[];
  send(to: string, frames: string[]): void;
  close(): void;
}

const opened: { router: Router; ports: MessagePort[] }[] = [];

function setup(ids: string[], seed = 7): { router: Router; actors: Record<string, FakeActor> } {
  const router = new Router({ seed });
  const actors: Record<string, FakeActor> = {};
  const ports: MessagePort[] = [];
  for (const id of ids) {
    const ch = new MessageChannel();
    router.attach(id, ch.port1);
    const received: FakeActor['received'] = [];
    ch.port2.on('message', (m: InboundBatches) => {
      m.bufs.forEach((buf, i) => {
        for (const f of unpackFrames(buf).frames) received.push({ from: m.from[i], frame: dec(f) });
      });
    });
    ports.push(ch.port2);
    actors[id] = {
      received,
      send(to, frames) {
        const buf = packFrames(frames.map(enc));
        const msg: OutboundBatches = { to: [to], bufs: [buf] };
        ch.port2.postMessage(msg, [buf]);
      },
      close: () => ch.port2.close(),
    };
  }
  opened.push({ router, ports });
  return { router, actors };
}

afterEach(async () => {
  for (const { router, ports } of opened.splice(0)) {
    await router.close();
    for (const p of ports) p.close();
  }
});

describe('frame batches', () => {
  it('round-trip several frames, including empty ones', () => {
    const frames = [enc('a'), new Uint8Array(0), enc('hello')];
    const { frames: out, error } = unpackFrames(packFrames(frames));
    expect(error).toBeNull();
    expect(out.map(dec)).toEqual(['a', '', 'hello']);
  });

  it('report a length prefix that runs past the end, keeping earlier frames', () => {
    const good = new Uint8Array(packFrames([enc('ok')]));
    const broken = new Uint8Array(good.length + 6);
    broken.set(good);
    new DataView(broken.buffer).setUint32(good.length, 1000, true);
    const r = unpackFrames(broken);
    expect(r.frames.map(dec)).toEqual(['ok']);
    expect(r.error).toMatch(/runs past/);
    expect(unpackFrames(new Uint8Array([1, 2])).error).toMatch(/truncated length prefix/);
  });
});

describe('Router', () => {
  it('carries frames between attached actors with the sender named', async () => {
    const { router, actors } = setup(['a', 'b']);
    actors.a.send('b', ['m1', 'm2']);
    await waitFor(() => actors.b.received.length === 2, { timeoutMs: 2000 });
    expect(actors.b.received).toEqual([
      { from: 'a', frame: 'm1' },
      { from: 'a', frame: 'm2' },
    ]);
    expect(router.stats().batchesDelivered).toBe(1);
  });

  it('drops frames across a partition and delivers them again after heal', async () => {
    const { router, actors } = setup(['a', 'b', 'c']);
    router.faults.partition([['a'], ['b', 'c']]);
    actors.a.send('b', ['lost']);
    actors.c.send('b', ['kept']);
    await waitFor(() => actors.b.received.length === 1, { timeoutMs: 2000 });
    expect(actors.b.received[0].frame).toBe('kept');
    await waitFor(() => router.stats().framesDropped === 1, { timeoutMs: 2000 });
    router.faults.heal();
    actors.a.send('b', ['after-heal']);
    await waitFor(() => actors.b.received.length === 2, { timeoutMs: 2000 });
    expect(actors.b.received[1]).toEqual({ from: 'a', frame: 'after-heal' });
  });

  it('isolates nodes named in no group, as the simulator does', () => {
    const ft = new FaultTable();
    ft.partition([['a'], ['b', 'c']]);
    expect(ft.reachable('a', 'b')).toBe(false);
    expect(ft.reachable('b', 'c')).toBe(true);
    expect(ft.reachable('d', 'b')).toBe(false);
    expect(ft.reachable('b', 'd')).toBe(false);
    expect(() => ft.partition([['a'], ['a', 'b']])).toThrow(InvalidRequestError);
  });

  it('isolates a node in both directions and supports one-way cuts', () => {
    const ft = new FaultTable();
    ft.isolate('a');
    expect(ft.reachable('a', 'b')).toBe(false);
    expect(ft.reachable('b', 'a')).toBe(false);
    expect(ft.reachable('b', 'c')).toBe(true);
    ft.heal();
    ft.cut('a', 'b');
    expect(ft.reachable('a', 'b')).toBe(false);
    expect(ft.reachable('b', 'a')).toBe(true);
    ft.heal();
    expect(ft.clean).toBe(true);
  });

  it('picks the most specific link fault rule and validates values', () => {
    const ft = new FaultTable();
    ft.setLinkFaults({ drop: 0.1 });
    ft.setLinkFaults({ drop: 0.5 }, { from: 'a' });
    ft.setLinkFaults({ duplicate: 1 }, { from: 'a', to: 'b' });
    expect(ft.faultsOf('c', 'b')?.drop).toBe(0.1);
    expect(ft.faultsOf('a', 'c')?.drop).toBe(0.5);
    expect(ft.faultsOf('a', 'b')).toEqual({ drop: 0, delayMs: 0, duplicate: 1 });
    expect(() => ft.setLinkFaults({ drop: 2 })).toThrow(InvalidRequestError);
    expect(() => ft.setLinkFaults({ delayMs: [5, 1] })).toThrow(InvalidRequestError);
    ft.setLinkFaults({}, {});
    expect(ft.faultsOf('c', 'b')).toBeNull();
  });

  it('applies drop probability per frame, reproducibly for a seed', async () => {
    const runOnce = async (seed: number) => {
      const { router, actors } = setup(['a', 'b'], seed);
      router.faults.setLinkFaults({ drop: 0.5 }, { from: 'a', to: 'b' });
      const frames = Array.from({ length: 200 }, (_, i) => `f${i}`);
      actors.a.send('b', frames);
      await waitFor(() => actors.b.received.length + router.stats().framesDropped === 200, {
        timeoutMs: 2000,
      });
      return actors.b.received.map((r) => r.frame);
    };
    const first = await runOnce(42);
    expect(first.length).toBeGreaterThan(60);
    expect(first.length).toBeLessThan(140);
    expect(await runOnce(42)).toEqual(first);
  });

  it('duplicates frames and delays them', async () => {
    const { router, actors } = setup(['a', 'b']);
    router.faults.setLinkFaults({ duplicate: 1, delayMs: 30 });
    const t0 = performance.now();
    actors.a.send('b', ['x']);
    await waitFor(() => actors.b.received.length === 2, { timeoutMs: 2000 });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(actors.b.received.map((r) => r.frame)).toEqual(['x', 'x']);
    expect(router.stats()).toMatchObject({ framesDuplicated: 1, framesDelayed: 2 });
  });

  it('reorders frames under a delay range', async () => {
    const { router, actors } = setup(['a', 'b'], 3);
    router.faults.setLinkFaults({ delayMs: [0, 40] });
    const frames = Array.from({ length: 30 }, (_, i) => `${i}`);
    actors.a.send('b', frames);
    await waitFor(() => actors.b.received.length === 30, { timeoutMs: 2000 });
    const got = actors.b.received.map((r) => r.frame);
    expect([...got].sort((x, y) => Number(x) - Number(y))).toEqual(frames);
    expect(got).not.toEqual(frames);
  });

  it('counts batches for unknown or detached nodes as unroutable', async () => {
    const { router, actors } = setup(['a', 'b']);
    router.detach('b');
    actors.a.send('b', ['x']);
    actors.a.send('zz', ['y']);
    await waitFor(() => router.stats().unroutable === 2, { timeoutMs: 2000 });
  });

  it('hands frames for remote nodes to a link after applying faults, and accepts frames from it', async () => {
    const { router, actors } = setup(['a']);
    const seen: { from: string; to: string; frames: string[] }[] = [];
    const link: Link = {
      deliver: (from, to, batch) => seen.push({ from, to, frames: unpackFrames(batch).frames.map(dec) }),
    };
    router.addLink(['r1'], link);
    actors.a.send('r1', ['to-remote']);
    await waitFor(() => seen.length === 1, { timeoutMs: 2000 });
    expect(seen[0]).toEqual({ from: 'a', to: 'r1', frames: ['to-remote'] });
    router.faults.isolate('r1');
    actors.a.send('r1', ['cut']);
    router.send('r1', 'a', packFrames([enc('cut-too')]));
    await waitFor(() => router.stats().framesDropped === 2, { timeoutMs: 2000 });
    router.faults.heal();
    router.send('r1', 'a', packFrames([enc('from-remote')]));
    await waitFor(() => actors.a.received.length === 1, { timeoutMs: 2000 });
    expect(actors.a.received[0]).toEqual({ from: 'r1', frame: 'from-remote' });
  });

  it('injects raw frames past the fault table', async () => {
    const { router, actors } = setup(['a']);
    router.faults.isolate('a');
    router.inject('a', enc('garbage'));
    await waitFor(() => actors.a.received.length === 1, { timeoutMs: 2000 });
    expect(actors.a.received[0]).toEqual({ from: '?injected', frame: 'garbage' });
    expect(router.stats().injected).toBe(1);
  });
});
