import { describe, expect, it } from 'vitest';
import { iso } from './mappers';

describe('iso', () => {
  it('formats exactly like toISOString, across minutes and for unusual values', () => {
    const samples = [
      0, 1, 59_999, 60_000, 1_795_792_223_387, 1_795_792_223_000, 1_795_792_259_999, 253_402_300_799_999,
    ];
    for (let i = 0; i < 5000; i++) samples.push(Math.floor(Math.random() * 4_000_000_000_000));
    for (let i = 0; i < 2000; i++) samples.push(1_795_792_000_000 + i * 997);
    for (const ms of samples) expect(iso(ms)).toBe(new Date(ms).toISOString());
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 1.5]) expect(iso(ms)).toBe(new Date(ms).toISOString());
    expect(() => iso(Number.NaN)).toThrow(RangeError);
  });
});
