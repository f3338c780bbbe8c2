import { fnv1a32, SeededRng } from '@raftkit/core';

/** Uniform floats in [0, 1) from core's SeededRng: reproducible fault decisions in the router and tests. */
export function seededRandom(seed: number): () => number {
  const rng = new SeededRng(seed);
  return () => rng.float();
}

/** Stable 32-bit hash of a string (FNV-1a), to derive per-node seeds from a cluster seed. */
export const hashString: (s: string, basis?: number) => number = fnv1a32;
