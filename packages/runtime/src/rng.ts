import { SeededRng } from '@raftkit/core';

/** Uniform floats in [0, 1) from core's SeededRng: reproducible fault decisions in the router and tests. */
export function seededRandom(seed: number): () => number {
  const rng = new SeededRng(seed);
  return () => rng.float();
}
