/**
 * Write keys at rest: AES-256-GCM with a key the host supplies, plus a keyed fingerprint (HMAC-SHA-256)
 * so webhooks sharing a write key can be grouped without decrypting anything.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { DEVELOPMENT_KEY_TEXT, ENCRYPTION_KEY_INFO, FINGERPRINT_KEY_INFO, parseEncryptionKeyBytes } from './web-cipher';

/** Options of {@link createWriteKeyCipher}. */
export interface WriteKeyCipherOptions {
  /**
   * The host's 32-byte key, base64 (44 characters, standard or URL-safe) or hex (64 characters), or the raw
   * bytes. Generate one with `openssl rand -base64 32` and keep it in a secret store. Required unless
   * `allowInsecureDevelopmentKey` is true.
   */
  encryptionKey?: string | Uint8Array | null | undefined;
  /**
   * When no `encryptionKey` is given, use a fixed, publicly known development key instead of failing at
   * start-up. Never in production: anyone can decrypt what it encrypted. Default false.
   */
  allowInsecureDevelopmentKey?: boolean;
}

/** Encrypts, decrypts and fingerprints write keys. Holds the key; never prints it. */
export interface WriteKeyCipher {
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url parts); a new random IV each time. */
  encrypt(writeKey: string): string;
  /** The write key; throws if the ciphertext was not made with this key or was altered. */
  decrypt(ciphertext: string): string;
  /** A stable keyed fingerprint of the write key (hex); equal write keys give equal fingerprints. */
  fingerprint(writeKey: string): string;
  /** True when this cipher uses the insecure development key. */
  readonly insecure: boolean;
}

const DEVELOPMENT_KEY = Buffer.from(DEVELOPMENT_KEY_TEXT, 'utf8');

/** Parses a 32-byte key from base64 (standard or URL-safe) or hex; throws a clear error otherwise. */
export function parseEncryptionKey(key: string | Uint8Array): Buffer {
  return Buffer.from(parseEncryptionKeyBytes(key));
}

/** A new random key, base64: what `openssl rand -base64 32` prints. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Creates the write-key cipher. Throws at start-up — with instructions — when no key is given and
 * `allowInsecureDevelopmentKey` is not set, or when the key is not 32 bytes.
 */
export function createWriteKeyCipher(options: WriteKeyCipherOptions): WriteKeyCipher {
  let master: Buffer;
  const insecure =
    options.encryptionKey === undefined || options.encryptionKey === null || options.encryptionKey === '';
  if (insecure) {
    if (!options.allowInsecureDevelopmentKey) {
      throw new Error(
        'Missing `encryptionKey`: Segment write keys are encrypted at rest with a 32-byte key that the host supplies ' +
          '(base64 or hex; generate one with `openssl rand -base64 32` and keep it in your secret store). ' +
          'For local development only, pass `allowInsecureDevelopmentKey: true`.',
      );
    }
    master = DEVELOPMENT_KEY;
  } else {
    master = parseEncryptionKey(options.encryptionKey as string | Uint8Array);
  }
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  const encryptionKey = derive(ENCRYPTION_KEY_INFO);
  const fingerprintKey = derive(FINGERPRINT_KEY_INFO);

  const cipher: WriteKeyCipher = {
    insecure,
    encrypt(writeKey) {
      const iv = randomBytes(12);
      const aes = createCipheriv('aes-256-gcm', encryptionKey, iv);
      const body = Buffer.concat([aes.update(writeKey, 'utf8'), aes.final()]);
      return ['v1', iv.toString('base64url'), aes.getAuthTag().toString('base64url'), body.toString('base64url')].join(
        '.',
      );
    },
    decrypt(ciphertext) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
        throw new Error('Unrecognised write-key ciphertext.');
      }
      try {
        const aes = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(iv, 'base64url'));
        aes.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([aes.update(Buffer.from(body, 'base64url')), aes.final()]).toString('utf8');
      } catch {
        throw new Error('The write key could not be decrypted: was it encrypted with another encryption key?');
      }
    },
    fingerprint(writeKey) {
      return createHmac('sha256', fingerprintKey).update(writeKey, 'utf8').digest('hex').slice(0, 32);
    },
  };
  // Keep the key material out of logs and inspection.
  Object.defineProperty(cipher, 'toString', { value: () => '[WriteKeyCipher]', enumerable: false });
  Object.defineProperty(cipher, 'toJSON', { value: () => '[WriteKeyCipher]', enumerable: false });
  Object.defineProperty(cipher, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => '[WriteKeyCipher]',
    enumerable: false,
  });
  return cipher;
}
