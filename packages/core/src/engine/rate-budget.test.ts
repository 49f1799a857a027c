import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateBudget } from './rate-budget';

describe('createRateBudget', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lets a burst of `perSecond` through, then paces each key on its own', async () => {
    const budget = createRateBudget(2, () => Date.now());
    const granted: string[] = [];
    const take = (key: string) => budget.acquire(key).then(() => granted.push(key));
    void take('a');
    void take('a');
    void take('a');
    void take('b');
    const count = (key: string) => granted.filter((k) => k === key).length;
    await vi.advanceTimersByTimeAsync(0);
    expect([count('a'), count('b')]).toEqual([2, 1]);
    await vi.advanceTimersByTimeAsync(499);
    expect(count('a')).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(count('a')).toBe(3);
  });
});
