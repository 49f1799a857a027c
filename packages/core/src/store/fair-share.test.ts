import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { takeInTurns } from './fair-share';

const key = (item: string) => item[0]!;

describe('takeInTurns', () => {
  it('takes every key’s oldest first, then the second oldest, the last turn going to the older items', () => {
    // a has a backlog, b two items, c one; in input (age) order.
    const items = ['a1', 'a2', 'b1', 'a3', 'a4', 'c1', 'b2', 'a5'];
    expect(takeInTurns(items, key, 3).taken).toEqual(['a1', 'b1', 'c1']);
    expect(takeInTurns(items, key, 4).taken).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(takeInTurns(items, key, 6)).toEqual({ taken: ['a1', 'a2', 'b1', 'a3', 'c1', 'b2'], rest: ['a4', 'a5'] });
    expect(takeInTurns(items, key, 0)).toEqual({ taken: [], rest: items });
    expect(takeInTurns(items, key, 100)).toEqual({ taken: items, rest: [] });
  });

  it('gives each key min(its items, an equal share) and splits the input exactly, in order', () => {
    const items = fc
      .array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 60 })
      .map((keys) => keys.map((k, i) => `${k}${i}`));
    fc.assert(
      fc.property(items, fc.integer({ min: 0, max: 70 }), (list, limit) => {
        const { taken, rest } = takeInTurns(list, key, limit);
        expect(taken.length).toBe(Math.min(limit, list.length));
        // Both keep the input order and together are the input.
        expect([...taken, ...rest].sort()).toEqual([...list].sort());
        expect(taken).toEqual(list.filter((item) => taken.includes(item)));
        // Max-min fair: a key that got fewer than another got all of its items.
        const count = (of: string[], k: string) => of.filter((item) => key(item) === k).length;
        for (const x of 'abcd') {
          for (const y of 'abcd') {
            if (count(taken, x) + 1 < count(taken, y)) expect(count(rest, x)).toBe(0);
          }
        }
      }),
    );
  });
});
