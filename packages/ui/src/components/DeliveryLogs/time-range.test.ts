import { describe, expect, it } from 'vitest';
import { ceilToMinute, fromLocalInput, isBackwards, presetRange, toLocalInput } from './time-range';

const NOW = Date.parse('2026-11-27T12:00:30.000Z');

describe('time ranges of the Logs tab', () => {
  it('presets reach back from now with no end (live deliveries still match); All time has no bounds', () => {
    expect(presetRange('1h', NOW)).toEqual({ preset: '1h', from: '2026-11-27T11:00:30.000Z' });
    expect(presetRange('24h', NOW)).toEqual({ preset: '24h', from: '2026-11-26T12:00:30.000Z' });
    expect(presetRange('7d', NOW)).toEqual({ preset: '7d', from: '2026-11-20T12:00:30.000Z' });
    expect(presetRange('all', NOW)).toEqual({ preset: 'all' });
    expect(presetRange('custom', NOW)).toEqual({
      preset: 'custom',
      from: '2026-11-26T12:00:30.000Z',
      to: '2026-11-27T12:00:30.000Z',
    });
  });

  it('converts between ISO times and datetime-local values in the user’s time zone, to the minute', () => {
    const local = toLocalInput('2026-11-27T12:34:56.000Z');
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(Date.parse(fromLocalInput(local)!)).toBe(Date.parse('2026-11-27T12:34:00.000Z'));
    expect(toLocalInput(undefined)).toBe('');
    expect(toLocalInput('not a date')).toBe('');
    expect(fromLocalInput('')).toBeUndefined();
    expect(fromLocalInput('2026-13-45T99:99')).toBeUndefined();
    expect(fromLocalInput('yesterday')).toBeUndefined();
  });

  it('says when a range ends before it starts (a replay also refuses an empty range)', () => {
    const a = '2026-11-27T10:00:00.000Z';
    const b = '2026-11-27T11:00:00.000Z';
    expect(isBackwards(b, a)).toBe(true);
    expect(isBackwards(a, b)).toBe(false);
    expect(isBackwards(a, a)).toBe(false);
    expect(isBackwards(a, a, true)).toBe(true);
    expect(isBackwards(undefined, a)).toBe(false);
    expect(isBackwards(a, undefined, true)).toBe(false);
  });

  it('rounds now up to the next minute', () => {
    expect(new Date(ceilToMinute(NOW)).toISOString()).toBe('2026-11-27T12:01:00.000Z');
    expect(ceilToMinute(Date.parse('2026-11-27T12:00:00.000Z'))).toBe(Date.parse('2026-11-27T12:00:00.000Z'));
  });
});
