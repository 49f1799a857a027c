import { describe, expect, it } from 'vitest';
import { redactWriteKey, writeKeyHint } from './redact';

describe('writeKeyHint', () => {
  it('shows at most the last 4 characters', () => {
    expect(writeKeyHint('wk_live_abcd1234')).toBe('…1234');
    expect(writeKeyHint('abcdefgh')).toBe('…efgh');
    expect(writeKeyHint('abcdefg')).toBe('…');
    expect(writeKeyHint('')).toBe('…');
  });
});

describe('redactWriteKey', () => {
  const key = 'wk_live_abcd1234';
  const basic = Buffer.from(`${key}:`).toString('base64');

  it('replaces the key and its Basic-auth form, with or without padding', () => {
    const text = `key=${key} auth=Basic ${basic} bare=${basic.replace(/=+$/, '')} again ${key}`;
    const redacted = redactWriteKey(text, key);
    expect(redacted).not.toContain(key);
    expect(redacted).not.toContain(basic.replace(/=+$/, ''));
    expect(redacted).toBe('key=…1234 auth=Basic …1234 bare=…1234 again …1234');
  });

  it('leaves text without the key unchanged', () => {
    expect(redactWriteKey('Segment answered HTTP 400', key)).toBe('Segment answered HTTP 400');
    expect(redactWriteKey('anything', '')).toBe('anything');
  });
});
