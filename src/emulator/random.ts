import { randomInt } from 'node:crypto';

/**
 * The emulator's randomness where Metriport is random on purpose: the sandbox's 0–5 s wait before a document
 * query answers, the order in which a network query's sources complete. Seeded, so a test or a `--seed` run
 * sees the same waits and orders every time. Ids stay crypto-random (a persisted account must never get an
 * id twice).
 */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
  /** A whole number in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[];
}

/** mulberry32: small, fast and good enough for waits and orders (not for secrets). */
export function createRandom(seed: number = randomInt(2 ** 31)): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number) => Math.floor(next() * maxExclusive);
  return {
    next,
    int,
    shuffle(items) {
      const copy = [...items];
      for (let index = copy.length - 1; index > 0; index -= 1) {
        const other = int(index + 1);
        [copy[index], copy[other]] = [copy[other] as (typeof copy)[number], copy[index] as (typeof copy)[number]];
      }
      return copy;
    },
  };
}
