import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * UDP probe packets (binary, authenticated):
 *
 *   'R' 'K' | version u8 | type u8 (1 ping, 2 pong) | epoch 8 bytes | seq u32 BE
 *   | fromLen u8 | from | toLen u8 | to | mac 16 bytes
 *
 * mac = HMAC-SHA256(probeKey, len(clusterId) | clusterId | everything before mac),
 * truncated to 16 bytes. The cluster id is bound by the MAC, not sent. A pong
 * echoes the ping's epoch and seq; `epoch` is random per prober instance, so
 * pongs recorded before a restart never match.
 */
export const PROBE_VERSION = 1;
export const PROBE_MAC_BYTES = 16;
export const PROBE_EPOCH_BYTES = 8;
export const MAX_PROBE_BYTES = 2 + 1 + 1 + PROBE_EPOCH_BYTES + 4 + 1 + 255 + 1 + 255 + PROBE_MAC_BYTES;

export type ProbeType = 'ping' | 'pong';

export interface ProbePacket {
  readonly type: ProbeType;
  readonly epoch: Uint8Array;
  readonly seq: number;
  readonly from: string;
  readonly to: string;
}

export type ProbeRejectReason = 'malformedProbe' | 'badProbeMac';

export class ProbeError extends Error {
  constructor(
    readonly reason: ProbeRejectReason,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeError';
  }
}

export function encodeProbe(p: ProbePacket, key: Uint8Array, clusterId: string): Buffer {
  const from = Buffer.from(p.from, 'utf8');
  const to = Buffer.from(p.to, 'utf8');
  if (from.length > 255 || to.length > 255) throw new RangeError('probe ids longer than 255 bytes');
  if (p.epoch.length !== PROBE_EPOCH_BYTES) throw new RangeError('probe epoch must be 8 bytes');
  const bodyLen = 2 + 1 + 1 + PROBE_EPOCH_BYTES + 4 + 1 + from.length + 1 + to.length;
  const out = Buffer.allocUnsafe(bodyLen + PROBE_MAC_BYTES);
  let o = 0;
  out[o++] = 0x52;
  out[o++] = 0x4b;
  out[o++] = PROBE_VERSION;
  out[o++] = p.type === 'ping' ? 1 : 2;
  out.set(p.epoch, o);
  o += PROBE_EPOCH_BYTES;
  out.writeUInt32BE(p.seq >>> 0, o);
  o += 4;
  out[o++] = from.length;
  from.copy(out, o);
  o += from.length;
  out[o++] = to.length;
  to.copy(out, o);
  o += to.length;
  mac(key, clusterId, out.subarray(0, o)).copy(out, o);
  return out;
}

/** Parse and authenticate one datagram. Throws ProbeError for anything else. */
export function decodeProbe(packet: Uint8Array, key: Uint8Array, clusterId: string): ProbePacket {
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.length);
  const minLen = 2 + 1 + 1 + PROBE_EPOCH_BYTES + 4 + 1 + 1 + PROBE_MAC_BYTES;
  if (buf.length < minLen || buf.length > MAX_PROBE_BYTES)
    throw new ProbeError('malformedProbe', 'bad length');
  if (buf[0] !== 0x52 || buf[1] !== 0x4b) throw new ProbeError('malformedProbe', 'bad magic');
  if (buf[2] !== PROBE_VERSION) throw new ProbeError('malformedProbe', `probe version ${buf[2]}`);
  const typeByte = buf[3];
  if (typeByte !== 1 && typeByte !== 2) throw new ProbeError('malformedProbe', `probe type ${typeByte}`);
  let o = 4;
  const epoch = buf.subarray(o, o + PROBE_EPOCH_BYTES);
  o += PROBE_EPOCH_BYTES;
  const seq = buf.readUInt32BE(o);
  o += 4;
  const fromLen = buf[o++];
  if (o + fromLen + 1 > buf.length - PROBE_MAC_BYTES) throw new ProbeError('malformedProbe', 'truncated');
  const from = buf.subarray(o, o + fromLen);
  o += fromLen;
  const toLen = buf[o++];
  if (o + toLen !== buf.length - PROBE_MAC_BYTES) throw new ProbeError('malformedProbe', 'bad id lengths');
  const to = buf.subarray(o, o + toLen);
  o += toLen;
  const expected = mac(key, clusterId, buf.subarray(0, o));
  if (!timingSafeEqual(expected, buf.subarray(o)))
    throw new ProbeError('badProbeMac', 'probe MAC does not verify');
  return {
    type: typeByte === 1 ? 'ping' : 'pong',
    epoch: Buffer.from(epoch),
    seq,
    from: from.toString('utf8'),
    to: to.toString('utf8'),
  };
}

function mac(key: Uint8Array, clusterId: string, body: Uint8Array): Buffer {
  const cluster = Buffer.from(clusterId, 'utf8');
  const len = Buffer.allocUnsafe(4);
  len.writeUInt32BE(cluster.length, 0);
  return createHmac('sha256', key)
    .update(len)
    .update(cluster)
    .update(body)
    .digest()
    .subarray(0, PROBE_MAC_BYTES);
}
