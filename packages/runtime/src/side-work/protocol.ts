import type { StateMachineSpec } from '../machine/state-machine-spec.js';
import type { SnapshotCompression } from '../snapshot/envelope.js';

/**
 * CPU-heavy side work that runs on the shared Piscina pool, off the actors'
 * event loops. New kinds are added here and in tasks.ts.
 */
export type SideTask =
  /** Rebuild a state machine from its snapshot and hash it from scratch. */
  | {
      readonly kind: 'stateHash';
      readonly machine: StateMachineSpec;
      readonly snapshot: Uint8Array;
      /** The incremental hash the actor holds at the snapshot's index. */
      readonly expected: string;
    }
  /** CRC-32 of a byte array (snapshot checksums). */
  | { readonly kind: 'crc32'; readonly data: Uint8Array }
  /** The state hash of a machine without hash(): a digest of its snapshot bytes (snapshot-digest.ts). */
  | { readonly kind: 'digest'; readonly data: Uint8Array }
  /** Compress a state machine snapshot into an envelope (envelope.ts) and checksum the envelope. */
  | {
      readonly kind: 'snapshotPack';
      readonly data: Uint8Array;
      readonly compression: SnapshotCompression;
      readonly level?: number;
    }
  /** Open an envelope (decompress, verify the inner CRC) and checksum the envelope. */
  | { readonly kind: 'snapshotUnpack'; readonly data: Uint8Array };

export type SideResult =
  | {
      readonly kind: 'stateHash';
      readonly full: string | null;
      readonly ok: boolean;
      readonly message: string | null;
    }
  | { readonly kind: 'crc32'; readonly crc: number }
  | { readonly kind: 'digest'; readonly hash: string }
  | {
      readonly kind: 'snapshotPack';
      readonly envelope: Uint8Array;
      /** CRC-32 of the envelope (what LMDB stores beside it). */
      readonly crc: number;
      readonly ms: number;
    }
  /** `data` is the state machine's snapshot; `error` is set instead when the envelope is bad. */
  | {
      readonly kind: 'snapshotUnpack';
      readonly data: Uint8Array | null;
      readonly crc: number;
      readonly error: string | null;
      readonly ms: number;
    };

/** Actor -> main thread request on the side-work port, and the reply. */
export interface SideRequest {
  readonly id: number;
  readonly task: SideTask;
}
export type SideReply =
  | { readonly id: number; readonly ok: true; readonly result: SideResult }
  | { readonly id: number; readonly ok: false; readonly message: string };
