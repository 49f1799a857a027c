/**
 * Write-key ciphers without Node: Web Crypto AES-256-GCM (the same scheme and ciphertext format as the
 * Node cipher, so either decrypts what the other encrypted) and a pass-through for in-memory stores.
 * Browser-safe.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64DecodeUtf8, base64ToBytes, base64UrlEncodeUtf8, bytesToBase64Url } from '../util/base64';

/**
 * What the service and the worker need of a write-key cipher. Each method may answer at once or with a
 * promise (Web Crypto is asynchronous); the Node cipher (`createWriteKeyCipher`) answers at once.
 */
export interface WriteKeyCipherLike {
  /** `v1.<iv>.<tag>.<ciphertext>` (or the cipher's own opaque form); never the write key itself in clear. */
  encrypt(writeKey: string): string | Promise<string>;
  /** The write key; throws (or rejects) if the ciphertext was not made with this key or was altered. */
  decrypt(ciphertext: string): string | Promise<string>;
  /** A stable keyed fingerprint of the write key; equal write keys give equal fingerprints. */
  fingerprint(writeKey: string): string | Promise<string>;
  /** True when anyone could decrypt what it encrypted (a public key, or no encryption at all). */
  readonly insecure: boolean;
}

/** The fixed, public development key (32 bytes), shared by the Node and Web Crypto ciphers. */
export const DEVELOPMENT_KEY_TEXT = 'segment-webhook-kit insecure dev';
/** HKDF `info` of the AES key. */
export const ENCRYPTION_KEY_INFO = 'segment-webhook write-key encryption v1';
/** HKDF `info` of the fingerprint (HMAC) key. */
export const FINGERPRINT_KEY_INFO = 'segment-webhook write-key fingerprint v1';

/** Parses a 32-byte key from base64 (standard or URL-safe) or hex; throws a clear error otherwise. */
export function parseEncryptionKeyBytes(key: string | Uint8Array): Uint8Array {
  if (typeof key !== 'string') {
    if (key.byteLength !== 32) throw new Error(`The write-key encryption key must be 32 bytes, not ${key.byteLength}.`);
    return Uint8Array.from(key);
  }
  const text = key.trim();
  let bytes: Uint8Array | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Uint8Array.from(text.match(/../g)!, (pair) => Number.parseInt(pair, 16));
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) bytes = base64ToBytes(text.replace(/=$/, ''));
  if (bytes?.length !== 32) {
    throw new Error(
      'The write-key encryption key must be 32 bytes, given as base64 (44 characters) or hex (64 characters). ' +
        'Generate one with `openssl rand -base64 32`.',
    );
  }
  return bytes;
}

/** Options of {@link createWebCryptoWriteKeyCipher}: those of the Node `createWriteKeyCipher`. */
export interface WebCryptoWriteKeyCipherOptions {
  /** The host's 32-byte key, base64 or hex, or the raw bytes. Required unless `allowInsecureDevelopmentKey`. */
  encryptionKey?: string | Uint8Array | null;
  /** Use the fixed, public development key when `encryptionKey` is missing. Never in production. Default false. */
  allowInsecureDevelopmentKey?: boolean;
}

const MISSING_KEY =
  'Missing `encryptionKey`: Segment write keys are encrypted at rest with a 32-byte key that the host supplies ' +
  '(base64 or hex; generate one with `openssl rand -base64 32` and keep it in your secret store). ' +
  'For local development only, pass `allowInsecureDevelopmentKey: true`.';

/**
 * A fresh copy of the bytes, as a view: Web Crypto takes views from any realm (jsdom's typed arrays are not
 * Node's), while a bare ArrayBuffer must come from its own realm.
 */
const buffer = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes.slice();

/**
 * A write-key cipher on Web Crypto (browsers, workers, Node ≥ 20): AES-256-GCM with a key derived by
 * HKDF-SHA-256 from the host's key, and an HMAC-SHA-256 fingerprint — byte-compatible with the Node cipher.
 * Asynchronous (Web Crypto is); rejects like the Node cipher throws.
 */
export async function createWebCryptoWriteKeyCipher(
  options: WebCryptoWriteKeyCipherOptions,
): Promise<WriteKeyCipherLike> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new Error('Web Crypto (crypto.subtle) is not available here (a secure context is required).');
  const insecure =
    options.encryptionKey === undefined || options.encryptionKey === null || options.encryptionKey === '';
  if (insecure && !options.allowInsecureDevelopmentKey) throw new Error(MISSING_KEY);
  const master = insecure
    ? utf8ToBytes(DEVELOPMENT_KEY_TEXT)
    : parseEncryptionKeyBytes(options.encryptionKey as string | Uint8Array);
  const hkdf = await subtle.importKey('raw', buffer(master), 'HKDF', false, ['deriveKey']);
  const derive = (info: string, algorithm: AesKeyGenParams | HmacKeyGenParams, usages: KeyUsage[]) =>
    subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: buffer(utf8ToBytes(info)) },
      hkdf,
      algorithm,
      false,
      usages,
    );
  const aesKey = await derive(ENCRYPTION_KEY_INFO, { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']);
  const hmacKey = await derive(FINGERPRINT_KEY_INFO, { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign']);

  const cipher: WriteKeyCipherLike = {
    insecure,
    async encrypt(writeKey) {
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
      // Web Crypto appends the 16-byte tag to the ciphertext; the stored form keeps them apart.
      const sealed = new Uint8Array(
        await subtle.encrypt({ name: 'AES-GCM', iv: buffer(iv) }, aesKey, buffer(utf8ToBytes(writeKey))),
      );
      const body = sealed.subarray(0, sealed.length - 16);
      const tag = sealed.subarray(sealed.length - 16);
      return ['v1', bytesToBase64Url(iv), bytesToBase64Url(tag), bytesToBase64Url(body)].join('.');
    },
    async decrypt(ciphertext) {
      const [version, iv, tag, body] = ciphertext.split('.');
      if (version !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
        throw new Error('Unrecognised write-key ciphertext.');
      }
      try {
        const bodyBytes = base64ToBytes(body);
        const tagBytes = base64ToBytes(tag);
        const sealed = new Uint8Array(bodyBytes.length + tagBytes.length);
        sealed.set(bodyBytes);
        sealed.set(tagBytes, bodyBytes.length);
        const plain = await subtle.decrypt({ name: 'AES-GCM', iv: buffer(base64ToBytes(iv)) }, aesKey, buffer(sealed));
        return new TextDecoder().decode(plain);
      } catch {
        throw new Error('The write key could not be decrypted: was it encrypted with another encryption key?');
      }
    },
    async fingerprint(writeKey) {
      const mac = new Uint8Array(await subtle.sign('HMAC', hmacKey, buffer(utf8ToBytes(writeKey))));
      return bytesToHex(mac).slice(0, 32);
    },
  };
  Object.defineProperty(cipher, 'toString', { value: () => '[WriteKeyCipher]', enumerable: false });
  Object.defineProperty(cipher, 'toJSON', { value: () => '[WriteKeyCipher]', enumerable: false });
  return cipher;
}

/**
 * A cipher that does not encrypt (`insecure`): the write key is stored base64url-encoded behind a `plain.`
 * prefix, so it does not show at a glance, and fingerprinted with a plain SHA-256. Only for in-memory
 * stores in tests, stories and demos, where nothing is at rest. Answers at once.
 */
export function createPassThroughWriteKeyCipher(): WriteKeyCipherLike {
  return {
    insecure: true,
    encrypt: (writeKey) => `plain.${base64UrlEncodeUtf8(writeKey)}`,
    decrypt(ciphertext) {
      if (!ciphertext.startsWith('plain.')) throw new Error('Unrecognised write-key ciphertext.');
      return base64DecodeUtf8(ciphertext.slice('plain.'.length));
    },
    fingerprint: (writeKey) => bytesToHex(sha256(utf8ToBytes(`segment-webhook fingerprint:${writeKey}`))).slice(0, 32),
  };
}
