import { SegmentWebhookError } from '@segment-webhook/core/contract';

/** Default request body limit: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Deepest nesting a JSON body may have; validators recurse, so deeper bodies are refused up front. */
export const MAX_JSON_DEPTH = 64;

/** A query string as the handlers receive it: repeated keys become arrays (which the schemas refuse). */
export type RawQuery = Record<string, string | string[]>;

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/**
 * Reads a JSON request body with the kit's rules, from a web-standard `Request` (no Node API):
 * - no body (`request.body` null, `Content-Length: 0`, or zero bytes) → `undefined`;
 * - a content type other than `application/json` or `application/*+json` → 400 `invalid_json`
 *   (the kit has no 415 code, see the README); a charset other than UTF-8 likewise;
 * - a compressed body (`Content-Encoding` other than `identity`) → 400 `invalid_json`;
 * - more than `limit` bytes (declared or received) → 413 `payload_too_large`; the rest of the body is
 *   not read;
 * - invalid UTF-8 or malformed JSON → 400 `invalid_json` (the parser's message is not echoed: it
 *   quotes the body, which may hold a write key);
 * - nesting deeper than {@link MAX_JSON_DEPTH} → 400 `validation_error`.
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = request.headers.get('content-length');
  if (declared !== null && declared.trim() === '0') return undefined;
  // A body that came over HTTP (a length or chunked) is judged by its headers before it is touched: some
  // servers start reading as soon as `request.body` is asked for, and then cannot discard the rest.
  const overHttp = declared !== null || request.headers.has('transfer-encoding');
  if (overHttp) checkHeaders(request, declared, limit);
  if (request.body === null) return undefined;
  const bytes = await readAtMost(request.body, limit);
  // Without a declared length (chunked, or a Request built in-process) an empty body is no body.
  if (bytes.length === 0) return undefined;
  if (!overHttp) checkHeaders(request, declared, limit);
  let text: string;
  try {
    // `ignoreBOM`: a byte order mark stays in the text, so JSON.parse refuses it (RFC 8259 §8.1).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new SegmentWebhookError('invalid_json', 'The body is not valid UTF-8.');
  }
  // Checked on the bytes, before parsing: validators recurse, so deeper bodies are refused up front.
  if (jsonNestingExceeds(bytes, MAX_JSON_DEPTH)) {
    throw new SegmentWebhookError('validation_error', `The body is nested more than ${MAX_JSON_DEPTH} levels deep.`, {
      issues: [{ path: [], message: `At most ${MAX_JSON_DEPTH} levels of nesting` }],
    });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new SegmentWebhookError('invalid_json', 'The body is not valid JSON.');
  }
}

function checkHeaders(request: Request, declared: string | null, limit: number): void {
  const [mediaType = '', ...parameters] = (request.headers.get('content-type') ?? '')
    .split(';')
    .map((part) => part.trim());
  if (!JSON_TYPE.test(mediaType)) {
    throw new SegmentWebhookError('invalid_json', 'Send the body as JSON with Content-Type: application/json.');
  }
  const charset = parameters.find((parameter) => /^charset=/i.test(parameter));
  if (charset && !/^charset="?utf-8"?$/i.test(charset)) {
    throw new SegmentWebhookError('invalid_json', 'Send the body as UTF-8 JSON.');
  }
  const encoding = request.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') {
    throw new SegmentWebhookError('invalid_json', 'Compressed request bodies are not supported.');
  }
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
}

function tooLarge(limit: number): SegmentWebhookError {
  return new SegmentWebhookError('payload_too_large', `The body is larger than ${limit} bytes.`);
}

/** Reads a byte stream up to `limit` bytes; past it, cancels the stream and throws 413. */
async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch {
      throw new SegmentWebhookError('invalid_json', 'The body could not be read.');
    }
    if (result.done) break;
    size += result.value.byteLength;
    if (size > limit) {
      // Stop reading. Not `cancel()`: on Node servers that destroys the socket before the 413 is sent;
      // the server closes the connection after the response (`Connection: close`) instead.
      reader.releaseLock();
      throw tooLarge(limit);
    }
    chunks.push(result.value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
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
 * Parses a raw query string (`a=1&a=2&b`, with or without the leading `?`) without any framework's
 * query parser, so the API behaves the same under every host: `+` is a space, repeated keys become
 * arrays, and a malformed percent-encoding or invalid UTF-8 is a 400 `validation_error`. Keys such as
 * `__proto__` become plain own properties (the schemas then refuse them).
 */
export function parseQueryString(search: string): RawQuery {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return {};
  const seen = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = decodeQueryComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : decodeQueryComponent(pair.slice(equals + 1));
    const values = seen.get(key);
    if (values) values.push(value);
    else seen.set(key, [value]);
  }
  const entries: Array<[string, string | string[]]> = [];
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
