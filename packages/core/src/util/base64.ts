/**
 * Base64 of UTF-8 text with the platform's `btoa`/`atob` (browsers and Node alike), instead of Node's
 * `Buffer`. Same output as `Buffer.from(text).toString('base64' | 'base64url')`.
 */

function toBinary(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return binary;
}

/** Standard base64 (with padding) of the text's UTF-8 bytes. */
export function base64EncodeUtf8(text: string): string {
  return btoa(toBinary(new TextEncoder().encode(text)));
}

/** URL-safe base64 without padding (RFC 4648 §5) of the text's UTF-8 bytes. */
export function base64UrlEncodeUtf8(text: string): string {
  return base64EncodeUtf8(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The UTF-8 text of standard or URL-safe base64 (padding optional). Throws on anything that is not base64
 * or not UTF-8.
 */
export function base64DecodeUtf8(value: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(base64ToBytes(value));
}

/** URL-safe base64 without padding of bytes. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return btoa(toBinary(bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The bytes of standard or URL-safe base64 (padding optional). Throws on anything that is not base64. */
export function base64ToBytes(value: string): Uint8Array {
  const standard = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(standard.padEnd(standard.length + ((4 - (standard.length % 4)) % 4), '='));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}
