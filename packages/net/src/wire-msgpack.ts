import { Packr, Unpackr } from 'msgpackr';

/**
 * msgpack helpers for the small control messages of @raftkit/net (handshake,
 * client protocol). Plain maps only (no records, no shared structures), so a
 * message decodes the same on any connection. Every decoded value is treated
 * as untrusted and validated field by field by the caller.
 */
const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

export function packMap(value: Record<string, unknown>): Buffer {
  return packr.pack(value);
}

/** Decode exactly one msgpack map; anything else (trailing bytes, arrays, scalars, garbage) throws WireFormatError. */
export function unpackMap(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (error) {
    throw new WireFormatError(`not msgpack: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new WireFormatError('expected a map');
  }
  return value as Record<string, unknown>;
}

export function str(map: Record<string, unknown>, field: string, maxLength = 256): string {
  const v = map[field];
  if (typeof v !== 'string') throw new WireFormatError(`field ${field}: expected string`);
  if (v.length > maxLength) {
    throw new WireFormatError(`field ${field}: too long (${v.length} characters, at most ${maxLength})`);
  }
  return v;
}

export function optStr(map: Record<string, unknown>, field: string, maxLength = 256): string | undefined {
  return map[field] === undefined || map[field] === null ? undefined : str(map, field, maxLength);
}

export function int(map: Record<string, unknown>, field: string, min: number, max: number): number {
  const v = map[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new WireFormatError(`field ${field}: expected integer in [${min}, ${max}]`);
  }
  return v;
}

export function optInt(
  map: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  return map[field] === undefined || map[field] === null ? undefined : int(map, field, min, max);
}

export function bytes(map: Record<string, unknown>, field: string, length: number): Uint8Array {
  const v = map[field];
  if (!(v instanceof Uint8Array) || v.length !== length) {
    throw new WireFormatError(`field ${field}: expected ${length} bytes`);
  }
  return v;
}

export function oneOf<T extends string>(
  map: Record<string, unknown>,
  field: string,
  values: readonly T[],
): T {
  const v = map[field];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    throw new WireFormatError(`field ${field}: expected one of ${values.join(', ')}`);
  }
  return v as T;
}
