import { InvalidSearchOptionError } from './errors/invalid-search-option-error';

/**
 * The largest seed (2^32 - 1). Random streams are seeded with 32 bits, so larger seeds (and
 * negative ones) would repeat the streams of seeds in 0..MAX_SEED: they are refused instead.
 */
export const MAX_SEED = 2 ** 32 - 1;

/** Whether `seed` is a whole number from 0 to MAX_SEED. */
export function isSeed(seed: number): boolean {
  return Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED;
}

/** The seed, or InvalidSearchOptionError naming the range. */
export function checkSeed(seed: number): number {
  if (!isSeed(seed)) {
    throw new InvalidSearchOptionError(`\`seed\` ${seed}: must be a whole number from 0 to ${MAX_SEED} (2^32 - 1, seeds are 32-bit); pass e.g. \`seed\` 0`);
  }
  return seed;
}
