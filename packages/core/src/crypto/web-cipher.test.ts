import { describe, expect, it } from 'vitest';
import { createPassThroughWriteKeyCipher, createWebCryptoWriteKeyCipher } from './web-cipher';
import { createWriteKeyCipher, generateEncryptionKey } from './write-key-cipher';

const KEY = generateEncryptionKey();
const WRITE_KEY = 'wk_SECRET_1234567890abcd';

describe('createWebCryptoWriteKeyCipher', () => {
  it('is byte-compatible with the Node cipher: each decrypts the other, fingerprints are equal', async () => {
    const web = await createWebCryptoWriteKeyCipher({ encryptionKey: KEY });
    const node = createWriteKeyCipher({ encryptionKey: KEY });
    const fromWeb = await web.encrypt(WRITE_KEY);
    expect(fromWeb).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(fromWeb).not.toContain(WRITE_KEY);
    expect(node.decrypt(fromWeb)).toBe(WRITE_KEY);
    expect(await web.decrypt(node.encrypt(WRITE_KEY))).toBe(WRITE_KEY);
    expect(await web.fingerprint(WRITE_KEY)).toBe(node.fingerprint(WRITE_KEY));
    expect(await web.encrypt(WRITE_KEY)).not.toBe(fromWeb);
    expect(web.insecure).toBe(false);
  });

  it('refuses other keys and tampering with the Node cipher’s messages, and a missing key', async () => {
    const web = await createWebCryptoWriteKeyCipher({ encryptionKey: KEY });
    const other = await createWebCryptoWriteKeyCipher({ encryptionKey: generateEncryptionKey() });
    const ciphertext = await web.encrypt(WRITE_KEY);
    await expect(other.decrypt(ciphertext)).rejects.toThrow(/another encryption key/);
    await expect(web.decrypt(`${ciphertext.slice(0, -2)}AA`)).rejects.toThrow(/another encryption key/);
    await expect(web.decrypt('v2.x')).rejects.toThrow('Unrecognised write-key ciphertext.');
    await expect(createWebCryptoWriteKeyCipher({})).rejects.toThrow(/Missing `encryptionKey`/);
    await expect(createWebCryptoWriteKeyCipher({ encryptionKey: 'short' })).rejects.toThrow(/32 bytes/);
    const dev = await createWebCryptoWriteKeyCipher({ allowInsecureDevelopmentKey: true });
    expect(dev.insecure).toBe(true);
    const nodeDev = createWriteKeyCipher({ allowInsecureDevelopmentKey: true });
    expect(nodeDev.decrypt(await dev.encrypt(WRITE_KEY))).toBe(WRITE_KEY);
    expect(String(web)).toBe('[WriteKeyCipher]');
    expect(JSON.stringify({ web })).not.toContain(KEY);
  });
});

describe('createPassThroughWriteKeyCipher', () => {
  it('round-trips without showing the key at a glance and fingerprints equal keys alike', () => {
    const cipher = createPassThroughWriteKeyCipher();
    const stored = cipher.encrypt(WRITE_KEY) as string;
    expect(stored.startsWith('plain.')).toBe(true);
    expect(stored).not.toContain(WRITE_KEY);
    expect(cipher.decrypt(stored)).toBe(WRITE_KEY);
    expect(cipher.fingerprint(WRITE_KEY)).toBe(cipher.fingerprint(WRITE_KEY));
    expect(cipher.fingerprint(WRITE_KEY)).not.toBe(cipher.fingerprint(`${WRITE_KEY}x`));
    expect(cipher.insecure).toBe(true);
    expect(() => cipher.decrypt('v1.a.b.c')).toThrow('Unrecognised write-key ciphertext.');
  });
});
