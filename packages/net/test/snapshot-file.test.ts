import { describe, expect, it } from 'vitest';
import { decodeSnapshotFile, encodeSnapshotFile, SnapshotFileError } from '../src/index.js';

const header = {
  clusterId: 'test',
  node: 'n1',
  index: 42,
  term: 3,
  voters: ['n1', 'n2', 'n3'],
  learners: ['n4'],
  stateHash: 'abcdef0123456789',
  takenAt: '2026-01-01T00:00:00.000Z',
};

/** The backup file format of `raftkit snapshot save`: self-describing and self-checking. */
describe('snapshot file', () => {
  const data = new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 7) % 256));
  const file = encodeSnapshotFile(header, data);

  it('round-trips the header and the state bytes', () => {
    const back = decodeSnapshotFile(file, 'b.snap');
    expect(back.header).toMatchObject({ ...header, version: 1, dataBytes: 300 });
    expect(back.data).toEqual(data);
  });

  it('any flipped bit, anywhere, is refused with a SnapshotFileError naming the file', () => {
    for (let i = 0; i < file.length; i++) {
      const bad = Buffer.from(file);
      bad[i] ^= 1 << (i % 8);
      let error: unknown = null;
      try {
        decodeSnapshotFile(bad, 'b.snap');
      } catch (e) {
        error = e;
      }
      expect(error, `byte ${i}`).toBeInstanceOf(SnapshotFileError);
      expect((error as Error).message, `byte ${i}`).toMatch(/^b\.snap: /);
    }
  });

  it('truncation, extension and foreign files are refused with their reason', () => {
    const reason = (bytes: Uint8Array) => {
      try {
        decodeSnapshotFile(bytes, 'b.snap');
        return 'accepted';
      } catch (e) {
        return (e as SnapshotFileError).reason;
      }
    };
    for (const cut of [file.length - 1, file.length - 33, 40, 12, 9])
      expect(reason(file.subarray(0, cut)), `${cut}`).toMatch(/checksum|truncated/);
    expect(reason(Buffer.concat([file, Buffer.from([0])]))).toBe('checksum');
    expect(reason(Buffer.from('{"not":"a backup"}'))).toBe('notABackup');
    expect(reason(new Uint8Array(0))).toBe('notABackup');
  });
});
