import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { SegmentWebhookError } from '@segment-webhook/core/contract';

/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Deepest nesting a JSON body may have; validators recurse, so deeper bodies are refused up front. */
export const MAX_JSON_DEPTH = 64;

/** A query string as the handlers receive it: repeated keys become arrays (which the schemas refuse). */
export type RawQuery = Record<string, string | string[]>;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/**
 * Reads a JSON request body with the kit's rules, independent of the host's body parsers:
 * - no body (no `Content-Length` or `0`, no `Transfer-Encoding`) → `undefined`;
 * - a content type other than `application/json` or `application/*+json` → 400 `invalid_json`
 *   (the kit has no 415 code, see the README); a charset other than UTF-8 likewise;
 * - a compressed body (`Content-Encoding` other than `identity`) → 400 `invalid_json`;
 * - more than `limit` bytes (declared or received) → 413 `payload_too_large`;
 * - invalid UTF-8 or malformed JSON → 400 `invalid_json` (the parser's message is not echoed: it
 *   quotes the body, which may hold a write key);
 * - nesting deeper than {@link MAX_JSON_DEPTH} → 400 `validation_error`.
 *
 * When a host parser already consumed the stream, its `req.body` is used as it is.
 */
export async function readJsonBody(req: IncomingMessage & { body?: unknown }, limit: number): Promise<unknown> {
  if (req.readableEnded && req.body !== undefined) return req.body;
  const declared = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (!chunked && (declared === undefined || declared === '0')) return undefined;

  const [mediaType = '', ...parameters] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim());
  if (!JSON_TYPE.test(mediaType)) {
    throw new SegmentWebhookError('invalid_json', 'Send the body as JSON with Content-Type: application/json.');
  }
  const charset = parameters.find((parameter) => /^charset=/i.test(parameter));
  if (charset && !/^charset="?utf-8"?$/i.test(charset)) {
    throw new SegmentWebhookError('invalid_json', 'Send the body as UTF-8 JSON.');
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    throw new SegmentWebhookError('invalid_json', 'Compressed request bodies are not supported.');
  }
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);

  const bytes = await readAtMost(req, limit);
  if (!isUtf8(bytes)) throw new SegmentWebhookError('invalid_json', 'The body is not valid UTF-8.');
  // Checked on the bytes, before parsing: validators recurse, so deeper bodies are refused up front.
  if (jsonNestingExceeds(bytes, MAX_JSON_DEPTH)) {
    throw new SegmentWebhookError('validation_error', `The body is nested more than ${MAX_JSON_DEPTH} levels deep.`, {
      issues: [{ path: [], message: `At most ${MAX_JSON_DEPTH} levels of nesting` }],
    });
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new SegmentWebhookError('invalid_json', 'The body is not valid JSON.');
  }
}

function tooLarge(limit: number): SegmentWebhookError {
  return new SegmentWebhookError('payload_too_large', `The body is larger than ${limit} bytes.`);
}

function readAtMost(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (error: unknown, value?: Buffer) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) reject(error);
      else resolve(value as Buffer);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering; Node discards the rest of the body once the 413 is sent.
        finish(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(null, Buffer.concat(chunks, size));
    const onError = () => finish(new SegmentWebhookError('invalid_json', 'The body could not be read.'));
    const onAborted = () => finish(new SegmentWebhookError('invalid_json', 'The request was aborted.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the JSON text in `bytes` opens more than `max` arrays or objects inside each other. One
 * pass over the bytes, skipping strings (UTF-8 multi-byte sequences never contain these ASCII bytes);
 * malformed text is left to `JSON.parse`.
 */
export function jsonNestingExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
  }
  return false;
}

/**
 * Parses the query string of a request URL (`/x?a=1&a=2&b`) without the host's query parser, so the
 * router behaves the same whatever `query parser` the host's app uses: `+` is a space, repeated keys
 * become arrays, and a malformed percent-encoding or invalid UTF-8 is a 400 `validation_error`.
 * Keys such as `__proto__` become plain own properties (the schemas then refuse them).
 */
export function parseQueryString(url: string): RawQuery {
  const start = url.indexOf('?');
  if (start === -1) return {};
  const entries: Array<[string, string | string[]]> = [];
  const seen = new Map<string, string[]>();
  for (const pair of url.slice(start + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeQueryComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeQueryComponent(pair.slice(equals + 1));
    const values = seen.get(key);
    if (values) values.push(value);
    else seen.set(key, [value]);
  }
  for (const [key, values] of seen) entries.push([key, values.length === 1 ? values[0]! : values]);
  // Object.fromEntries defines own properties, so `__proto__` cannot reach the prototype.
  return Object.fromEntries(entries);
}

function decodeQueryComponent(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw new SegmentWebhookError('validation_error', 'The query string is not valid UTF-8 percent-encoding.', {
      issues: [{ path: ['query'], message: 'Malformed percent-encoding' }],
    });
  }
}
