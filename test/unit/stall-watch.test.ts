import { describe, expect, it } from 'vitest';
import { createStallWatch } from '../../src/receiver/stall-watch.js';

describe('the stall watch', () => {
  it('calls a body stalled once, only after idleMs without a byte, and never one that is done', async () => {
    let clock = 0;
    const stalls = createStallWatch({ idleMs: 40, now: () => clock });
    const stalled: string[] = [];
    const idle = stalls.watch(() => stalled.push('idle'));
    const trickling = stalls.watch(() => stalled.push('trickling'));
    const finished = stalls.watch(() => stalled.push('finished'));
    finished.done();
    clock = 30;
    trickling.touch();
    clock = 50;
    await expect.poll(() => stalled).toEqual(['idle']);
    clock = 80;
    await expect.poll(() => stalled).toEqual(['idle', 'trickling']);
    // By now the sweep has run again and again: each body was reported once, the finished one never.
    expect(stalled.filter((name) => name === 'idle')).toHaveLength(1);
    idle.done();
    trickling.done();
  });
});
