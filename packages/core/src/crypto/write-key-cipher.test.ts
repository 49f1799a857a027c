import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createWriteKeyCipher, generateEncryptionKey, parseEncryptionKey } from './write-key-cipher';

const KEY = generateEncryptionKey();
const WRITE_KEY = 'wk_SECRET_1234567890abcd';

describe('createWriteKeyCipher', () => {
  it('round-trips a write key with a fresh IV each time and never stores it in clear', () => {
    const cipher = createWriteKeyCipher({ encryptionKey: KEY });
    const a = cipher.encrypt(WRITE_KEY);
    const b = cipher.encrypt(WRITE_KEY);
    expect(a).not.toBe(b);
    expect(a).not.toContain(WRITE_KEY);
    expect(a.startsWith('v1.')).toBe(true);
    expect(cipher.decrypt(a)).toBe(WRITE_KEY);
    expect(cipher.decrypt(b)).toBe(WRITE_KEY);
  });

  it('accepts base64, base64url, hex and raw bytes for the same key', () => {
    const raw = parseEncryptionKey(KEY);
    const ciphertext = createWriteKeyCipher({ encryptionKey: KEY }).encrypt(WRITE_KEY);
    for (const form of [raw.toString('hex'), raw.toString('base64url'), new Uint8Array(raw)]) {
      expect(createWriteKeyCipher({ encryptionKey: form }).decrypt(ciphertext)).toBe(WRITE_KEY);
    }
  });

  it('refuses tampered ciphertexts and other keys', () => {
    const cipher = createWriteKeyCipher({ encryptionKey: KEY });
    const other = createWriteKeyCipher({ encryptionKey: generateEncryptionKey() });
    const ciphertext = cipher.encrypt(WRITE_KEY);
    expect(() => other.decrypt(ciphertext)).toThrow(/could not be decrypted/);
    const parts = ciphertext.split('.');
    parts[3] = `${parts[3]!.slice(0, -2)}AA`;
    expect(() => cipher.decrypt(parts.join('.'))).toThrow(/could not be decrypted/);
    expect(() => cipher.decrypt('garbage')).toThrow(/Unrecognised/);
  });

  it('fingerprints equal keys equally, different keys differently, depending on the encryption key', () => {
    const cipher = createWriteKeyCipher({ encryptionKey: KEY });
    expect(cipher.fingerprint(WRITE_KEY)).toBe(cipher.fingerprint(WRITE_KEY));
    expect(cipher.fingerprint(WRITE_KEY)).not.toBe(cipher.fingerprint(`${WRITE_KEY}x`));
    expect(createWriteKeyCipher({ encryptionKey: generateEncryptionKey() }).fingerprint(WRITE_KEY)).not.toBe(
      cipher.fingerprint(WRITE_KEY),
    );
    expect(cipher.fingerprint(WRITE_KEY)).not.toContain(WRITE_KEY);
  });

  it('fails at start-up without a key unless development mode is allowed', () => {
    expect(() => createWriteKeyCipher({})).toThrow(/Missing `encryptionKey`.*openssl rand -base64 32/s);
    expect(() => createWriteKeyCipher({ encryptionKey: 'too-short' })).toThrow(/32 bytes/);
    expect(() => createWriteKeyCipher({ encryptionKey: new Uint8Array(16) })).toThrow(/32 bytes/);
    const dev = createWriteKeyCipher({ allowInsecureDevelopmentKey: true });
    expect(dev.insecure).toBe(true);
    expect(dev.decrypt(dev.encrypt(WRITE_KEY))).toBe(WRITE_KEY);
  });

  it('does not reveal key material when printed', () => {
    const cipher = createWriteKeyCipher({ encryptionKey: KEY });
    expect(String(cipher)).toBe('[WriteKeyCipher]');
    expect(JSON.stringify({ cipher })).toBe('{"cipher":"[WriteKeyCipher]"}');
    expect(inspect(cipher)).toBe('[WriteKeyCipher]');
  });
});
