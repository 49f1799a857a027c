import { describe, expect, it } from 'vitest';
import { uuidv4, uuidv7 } from './ids';

describe('uuidv7', () => {
  it('is a version 7 UUID that sorts by time', () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(a.slice(0, 13)).toBe('00000000-03e8');
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(5)));
    expect(ids.size).toBe(10_000);
  });

  it('is monotonic within one millisecond and when the clock goes back', () => {
    const at = Date.UTC(2026, 10, 27);
    const ids = [
      ...Array.from({ length: 5_000 }, () => uuidv7(at)),
      ...Array.from({ length: 100 }, () => uuidv7(at - 60_000)),
      uuidv7(at + 1),
    ];
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `id ${i}`).toBe(true);
    // Still the time it was asked for (the counter carries the order).
    expect(ids[0]!.replace('-', '').slice(0, 12)).toBe(at.toString(16).padStart(12, '0'));
  });
});

describe('uuidv4', () => {
  it('is a random version 4 UUID', () => {
    expect(uuidv4()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidv4()).not.toBe(uuidv4());
  });
});
