/**
 * Keeping write keys out of every string the kit produces. Browser-safe.
 */
import { base64EncodeUtf8 } from '../util/base64';

/**
 * A hint of a write key for logs and the UI: `…` and its last 4 characters (`…a1b2`); just `…` for keys
 * shorter than 8 characters, whose last 4 would give away too much.
 */
export function writeKeyHint(writeKey: string): string {
  return writeKey.length >= 8 ? `…${writeKey.slice(-4)}` : '…';
}

/**
 * `text` with every occurrence of the write key, and of its Basic-auth form, replaced by its hint.
 * Used on every error message and response body before it leaves the client.
 */
export function redactWriteKey(text: string, writeKey: string): string {
  if (!writeKey) return text;
  const hint = writeKeyHint(writeKey);
  const basic = base64EncodeUtf8(`${writeKey}:`);
  return text.replaceAll(basic, hint).replaceAll(basic.replace(/=+$/, ''), hint).replaceAll(writeKey, hint);
}
