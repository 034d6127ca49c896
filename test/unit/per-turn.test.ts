import { describe, expect, it } from 'vitest';
import { whenSettled } from '../../src/util/maybe-promise.js';
import { perTurn } from '../../src/util/per-turn.js';

describe('perTurn', () => {
  it('hands over what was added in one turn together, in order, at the end of that turn', async () => {
    const runs: number[][] = [];
    const batch = perTurn<number>((items) => runs.push(items));
    batch.add(1);
    batch.add(2);
    expect(runs).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([[1, 2]]);
    batch.add(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([[1, 2], [3]]);
  });

  it('does the waiting work at once when asked, and not again at the end of the turn', async () => {
    const runs: string[][] = [];
    const batch = perTurn<string>((items) => runs.push(items));
    batch.add('a');
    batch.now();
    expect(runs).toEqual([['a']]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(runs).toEqual([['a']]);
  });
});

describe('whenSettled', () => {
  it('calls on at once for a plain value, returning a plain value', () => {
    expect(whenSettled(2, (value) => value * 2)).toBe(4);
  });

  it('waits for a promise, and hands a rejection to `failed`', async () => {
    await expect(whenSettled(Promise.resolve(2), (value) => value * 2)).resolves.toBe(4);
    await expect(
      whenSettled(
        Promise.reject<number>(new Error('no')),
        (value) => String(value),
        (error) => (error as Error).message,
      ),
    ).resolves.toBe('no');
  });
});
