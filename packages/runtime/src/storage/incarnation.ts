import { randomInt } from 'node:crypto';

/**
 * A new store's incarnation (core README, "Identity"): random, non-zero, a
 * safe integer of 47 bits. A wiped store gets a new one, so the cluster can
 * tell that the node forgot the votes and acknowledgements of the old one.
 */
export function newIncarnation(): number {
  return randomInt(1, 2 ** 47);
}
