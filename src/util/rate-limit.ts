/**
 * How the tool thins a flood: a token bucket over arrival times, a second's worth of tokens refilled
 * continuously, so under a flood the ones let through are spread through it rather than all at its start, and
 * a quiet moment refills it. Time comes in (`atMs`, the arrival's own time), so it is tested without waiting.
 */
export interface RateLimit {
  /** Whether one more may go through at `atMs`. */
  take(atMs: number): boolean;
}

export function createRateLimit(perSecond: number): RateLimit {
  let tokens = perSecond;
  let refilledAt = Number.NEGATIVE_INFINITY;
  return {
    take(atMs) {
      // A clock that steps back refills nothing (and never takes tokens away).
      tokens = Math.min(perSecond, tokens + (Math.max(0, atMs - refilledAt) * perSecond) / 1000);
      refilledAt = Math.max(refilledAt, atMs);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
