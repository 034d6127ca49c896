import { describe, expect, it } from 'vitest';
import { createRateLimit } from '../../src/util/rate-limit.js';

describe('the rate limit (a token bucket over arrival times)', () => {
  it('lets a second’s worth through at once, then as many a second as it allows, spread through a flood', () => {
    const limit = createRateLimit(10);
    const burst = Array.from({ length: 15 }, (_, index) => limit.take(index));
    expect(burst.filter(Boolean)).toHaveLength(10);
    // A steady flood of 100 a second for 2 s: about 10 a second get through, one every ~100 ms.
    const through = Array.from({ length: 200 }, (_, index) => 1000 + index * 10).filter((atMs) => limit.take(atMs));
    expect(through.length).toBeGreaterThanOrEqual(19);
    expect(through.length).toBeLessThanOrEqual(21 + 10);
    const gaps = through.slice(11).map((atMs, index) => atMs - (through[index + 10] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(90);
  });

  it('is full again after a quiet second, and a clock that steps back refills nothing', () => {
    const limit = createRateLimit(5);
    for (let index = 0; index < 5; index += 1) expect(limit.take(0)).toBe(true);
    expect(limit.take(-5000)).toBe(false);
    expect(Array.from({ length: 6 }, () => limit.take(1000)).filter(Boolean)).toHaveLength(5);
  });
});
