import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedSendQueue, encodeFrame, FrameDecoder, FrameError, FrameKind } from '../src/index.js';

/** Split `bytes` at the given cut points (any positions, possibly repeated). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  out.push(bytes.subarray(prev));
  return out;
}

const kinds = Object.values(FrameKind);
const frameArb = fc.record({
  kind: fc.constantFrom(...kinds),
  payload: fc.uint8Array({ maxLength: 300 }),
});

describe('FrameDecoder', () => {
  it('decodes any sequence of frames under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (frames, cuts) => {
          const stream = Buffer.concat(frames.map((f) => encodeFrame(f.kind, f.payload)));
          const decoder = new FrameDecoder(1024);
          const got = chunked(stream, cuts).flatMap((c) => {
            const r = decoder.push(c);
            expect(r.error).toBeNull();
            return r.frames;
          });
          expect(got.map((f) => ({ kind: f.kind, payload: new Uint8Array(f.payload) }))).toEqual(
            frames.map((f) => ({ kind: f.kind, payload: new Uint8Array(f.payload) })),
          );
          expect(decoder.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('decodes byte-by-byte delivery', () => {
    const frames = [
      encodeFrame(FrameKind.Raft, Buffer.alloc(1000, 7)),
      encodeFrame(FrameKind.Ping, Buffer.alloc(8)),
    ];
    const stream = Buffer.concat(frames);
    const decoder = new FrameDecoder(4096);
    const got = [];
    for (let i = 0; i < stream.length; i++) got.push(...decoder.push(stream.subarray(i, i + 1)).frames);
    expect(got.map((f) => [f.kind, f.payload.length])).toEqual([
      [FrameKind.Raft, 1000],
      [FrameKind.Ping, 8],
    ]);
  });

  it('rejects an oversized frame from its header alone, before buffering the body', () => {
    const decoder = new FrameDecoder(100);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(102, 0); // kind + 101 bytes of payload
    const { frames, error } = decoder.push(header);
    expect(frames).toEqual([]);
    expect(error).toBeInstanceOf(FrameError);
    expect(error?.reason).toBe('oversizedFrame');
    expect(decoder.pendingBytes).toBe(0);
    // Poisoned: the stream has lost its framing.
    expect(decoder.push(Buffer.from([1])).error).toBe(error);
  });

  it('accepts a frame of exactly the limit', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(encodeFrame(FrameKind.Raft, Buffer.alloc(100))).frames).toHaveLength(1);
    expect(decoder.push(encodeFrame(FrameKind.Raft, Buffer.alloc(101))).error?.message).toMatch(/exceeds/);
  });

  it('rejects a zero-length frame as malformed', () => {
    const decoder = new FrameDecoder(100);
    expect(decoder.push(Buffer.alloc(4)).error?.reason).toBe('malformedFrame');
  });

  it('property: a stream with an oversized frame yields exactly the frames before it, then fails', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 10 }),
        fc.integer({ min: 301, max: 2 ** 32 - 1 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (before, bigLength, cuts) => {
          const header = Buffer.alloc(4);
          header.writeUInt32BE(bigLength, 0);
          const stream = Buffer.concat([
            ...before.map((f) => encodeFrame(f.kind, f.payload)),
            header,
            Buffer.alloc(50),
          ]);
          const decoder = new FrameDecoder(299);
          const got = [];
          let failure: FrameError | null = null;
          for (const c of chunked(stream, cuts)) {
            const r = decoder.push(c);
            got.push(...r.frames);
            if (r.error) {
              failure = r.error;
              break;
            }
          }
          expect(got).toHaveLength(before.length);
          expect(failure?.reason).toBe('oversizedFrame');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles a large frame in many small chunks in linear time', () => {
    const payload = Buffer.alloc(4 * 1024 * 1024, 3);
    const stream = encodeFrame(FrameKind.Raft, payload);
    const decoder = new FrameDecoder(8 * 1024 * 1024);
    const started = performance.now();
    const got = [];
    for (let i = 0; i < stream.length; i += 512)
      got.push(...decoder.push(stream.subarray(i, i + 512)).frames);
    expect(got).toHaveLength(1);
    expect(got[0].payload.equals(payload)).toBe(true);
    // 8192 chunks: quadratic copying would take seconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('BoundedSendQueue', () => {
  const item = (n: number, size = 10) => {
    const b = Buffer.alloc(size);
    b.writeUInt32BE(n, 0);
    return b;
  };

  it('drops the oldest droppable frames when full and counts them', () => {
    const q = new BoundedSendQueue({ maxFrames: 3, maxBytes: 1000 });
    q.push(item(1), true);
    q.push(item(2), false);
    q.push(item(3), true);
    const r = q.push(item(4), true);
    expect(r).toEqual({ result: 'queued', droppedNow: 1 });
    expect(q.dropped).toBe(1);
    const order = [];
    for (let b = q.shift(); b; b = q.shift()) order.push(b.readUInt32BE(0));
    expect(order).toEqual([2, 3, 4]);
  });

  it('refuses a control frame that cannot fit (overflow) instead of growing', () => {
    const q = new BoundedSendQueue({ maxFrames: 2, maxBytes: 1000 });
    q.push(item(1), false);
    q.push(item(2), false);
    expect(q.push(item(3), false).result).toBe('overflow');
    expect(q.length).toBe(2);
  });

  it('respects the byte budget', () => {
    const q = new BoundedSendQueue({ maxFrames: 100, maxBytes: 100 });
    for (let i = 0; i < 20; i++) q.push(item(i, 30), true);
    expect(q.bytes).toBeLessThanOrEqual(100);
    expect(q.length).toBe(3);
    expect(q.dropped).toBe(17);
    // A droppable frame bigger than the whole budget is dropped (counted), not queued.
    expect(q.push(item(99, 200), true).droppedNow).toBe(1);
    expect(q.length).toBe(3);
  });

  it('property: limits always hold, control frames are never dropped, order is kept', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ push: fc.boolean(), size: fc.integer({ min: 1, max: 60 }) }),
            fc.constant(null),
          ),
          {
            maxLength: 200,
          },
        ),
        (ops) => {
          const q = new BoundedSendQueue({ maxFrames: 8, maxBytes: 200 });
          let seq = 0;
          const controlQueued: number[] = [];
          const controlOut: number[] = [];
          const out: number[] = [];
          for (const op of ops) {
            if (op === null) {
              const b = q.shift();
              if (b) {
                out.push(b.readUInt32BE(0));
                if (b[4] === 0) controlOut.push(b.readUInt32BE(0));
              }
            } else {
              const b = item(seq, Math.max(op.size, 5));
              b[4] = op.push ? 1 : 0; // tag: 1 droppable, 0 control
              const { result } = q.push(b, op.push);
              if (result === 'queued' && !op.push) controlQueued.push(seq);
              seq++;
            }
            expect(q.length).toBeLessThanOrEqual(8);
            expect(q.bytes).toBeLessThanOrEqual(200);
          }
          for (let b = q.shift(); b; b = q.shift()) {
            out.push(b.readUInt32BE(0));
            if (b[4] === 0) controlOut.push(b.readUInt32BE(0));
          }
          expect(controlOut).toEqual(controlQueued);
          expect([...out].sort((a, b) => a - b)).toEqual(out);
        },
      ),
      { numRuns: 300 },
    );
  });
});
