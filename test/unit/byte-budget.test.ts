import { describe, expect, it } from 'vitest';
import { createByteBudget, poolFor, SMALL_BODY_BYTES, unverifiedBudgetFor } from '../../src/receiver/byte-budget.js';

describe('the unverified-byte budget', () => {
  it('charges up to the bound of each pool, refuses past it without charging, and takes back what is given', () => {
    const budget = createByteBudget({ large: 100, small: 10 });
    expect(budget.take('large', 60)).toBe(true);
    expect(budget.take('large', 41)).toBe(false);
    expect(budget.held('large')).toBe(60);
    expect(budget.take('large', 40)).toBe(true);
    expect(budget.held('large')).toBe(100);
    budget.give('large', 60);
    expect(budget.take('large', 60)).toBe(true);
    expect(budget.bound('large')).toBe(100);
  });

  it('keeps the pools apart: a full large pool leaves the small one (the ping) untouched', () => {
    const budget = createByteBudget({ large: 100, small: 10 });
    expect(budget.take('large', 100)).toBe(true);
    expect(budget.take('small', 10)).toBe(true);
    expect(budget.take('small', 1)).toBe(false);
  });

  it('charges a small announced body to the small pool, and a big or chunked one to the large pool', () => {
    expect(poolFor(0)).toBe('small');
    expect(poolFor(SMALL_BODY_BYTES)).toBe('small');
    expect(poolFor(SMALL_BODY_BYTES + 1)).toBe('large');
    expect(poolFor(undefined)).toBe('large');
  });

  it('holds two of the largest bodies, and never less than 32 MB', () => {
    expect(unverifiedBudgetFor(1024)).toBe(32 * 1024 * 1024);
    expect(unverifiedBudgetFor(64 * 1024 * 1024)).toBe(128 * 1024 * 1024);
  });
});
