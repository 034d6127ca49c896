/**
 * Every body is held in memory until it is verified, so the bytes held at once for unverified bodies are
 * bounded: a request that would pass the bound gets 503 (Metriport counts it failed, and `retry` resends it)
 * instead of growing memory. Two pools, so a flood of big bodies cannot starve small ones such as
 * Metriport's ping.
 */
export type BytePool = 'small' | 'large';

/** Bodies up to this size (as announced) are charged to the small pool. */
export const SMALL_BODY_BYTES = 64 * 1024;
/** Bytes held at once for small bodies, whatever the large pool holds. */
export const SMALL_BODIES_BUDGET = 16 * 1024 * 1024;

/** The large pool's bound for a given `--max-body`: two of the largest bodies, and never less than 32 MB. */
export function unverifiedBudgetFor(maxBodyBytes: number): number {
  return Math.max(2 * maxBodyBytes, 32 * 1024 * 1024);
}

/** The pool a request is charged to: small only when it announces a small length (a chunked body is large). */
export function poolFor(declaredLength: number | undefined): BytePool {
  return declaredLength !== undefined && declaredLength <= SMALL_BODY_BYTES ? 'small' : 'large';
}

export interface ByteBudget {
  /** Charges `bytes` to `pool`; refuses (and charges nothing) when that would pass the pool's bound. */
  take(pool: BytePool, bytes: number): boolean;
  /** Gives back what `take` charged. */
  give(pool: BytePool, bytes: number): void;
  /** Bytes charged to `pool` now. */
  held(pool: BytePool): number;
  /** The most `pool` may hold. */
  bound(pool: BytePool): number;
}

export function createByteBudget(bounds: Readonly<Record<BytePool, number>>): ByteBudget {
  const held: Record<BytePool, number> = { large: 0, small: 0 };
  return {
    take(pool, bytes) {
      if (held[pool] + bytes > bounds[pool]) return false;
      held[pool] += bytes;
      return true;
    },
    give(pool, bytes) {
      held[pool] -= bytes;
    },
    held: (pool) => held[pool],
    bound: (pool) => bounds[pool],
  };
}
