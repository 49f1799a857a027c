/**
 * A stand-in for Segment's HTTP Tracking API on 127.0.0.1: `/v1/track` and `/v1/batch` with Segment's
 * rules (see SEGMENT.md), a record of what arrived, and misbehaviour on command.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { RingBuffer } from './ring-buffer';

/** Largest message, in UTF-8 bytes of its JSON: 32 KB. */
export const SINK_MAX_MESSAGE_BYTES = 32 * 1024;
/** Largest request body, in UTF-8 bytes: 500 KB. */
export const SINK_MAX_REQUEST_BYTES = 500 * 1024;
/** Most messages Segment takes in one batch; above it the sink (like Segment) answers 200 and drops them. */
export const SINK_MAX_BATCH_MESSAGES = 2500;
/** Segment's answer to anything too large. */
export const EXCEED_PAYLOAD_LIMIT = 'Exceed payload limit';

/** Options of {@link startSegmentSink}. */
export interface SegmentSinkOptions {
  /** Port to listen on. Default 0 (an ephemeral port). */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Most messages kept in memory (oldest dropped first). Default 10_000. */
  maxMessages?: number;
  /** Most requests kept in memory (oldest dropped first). Default 1_000. */
  maxRequests?: number;
}

/** The tracking API paths the sink implements. */
export type SinkPath = '/v1/track' | '/v1/batch';

/** One message the sink accepted. */
export interface ReceivedMessage {
  /** Increasing from 1 over the sink's life (not reset by `clear()`); use it with `since`. */
  seq: number;
  /** The id of the request that carried it. */
  requestId: number;
  /** The write key it was sent with (in memory only: the HTTP read API and the CLI show a hint). */
  writeKey: string;
  path: SinkPath;
  /** The message as received (for a batch item, without batch-level fields). */
  message: Record<string, unknown>;
  /** The request's `sentAt`, if any. */
  sentAt: string | null;
  /** Request headers, lower-cased; `authorization` is redacted to its scheme and a key hint. */
  headers: IncomingHttpHeaders;
  /** When it arrived (ISO 8601). */
  receivedAt: string;
}

/** How the sink answered one request. */
export type RequestOutcome = 'accepted' | 'rejected' | 'misbehaved' | 'dropped' | 'discarded';

/** One request the sink received on a tracking path. */
export interface ReceivedRequest {
  /** Increasing from 1 over the sink's life. */
  id: number;
  method: string;
  path: string;
  /** The write key (from Basic auth, else the body), or null. */
  writeKey: string | null;
  /** Request headers, lower-cased; `authorization` redacted. */
  headers: IncomingHttpHeaders;
  /** Body size in bytes. */
  bytes: number;
  /** The client's port: the same value on consecutive requests means a reused keep-alive connection. */
  remotePort: number | null;
  /** Messages in the body (0 when it could not be parsed). */
  messageCount: number;
  /** The status answered; null when the connection was dropped. */
  status: number | null;
  responseBody: string | null;
  /**
   * `accepted` (200, recorded), `rejected` (a Segment rule said no), `misbehaved` (a commanded status),
   * `dropped` (socket destroyed on command), `discarded` (over 2,500 messages: 200 and nothing recorded, as Segment).
   */
  outcome: RequestOutcome;
  receivedAt: string;
}

/** What a custom behaviour returns: an answer, `'drop'` to destroy the socket, or undefined for normal handling. */
export type SinkBehaviorResult =
  | { status: number; body?: string; headers?: Record<string, string> }
  | 'drop'
  | undefined;

/** A custom behaviour, consulted for every tracking request after the queued misbehaviours. */
export type SinkBehavior = (request: {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  writeKey: string | null;
}) => SinkBehaviorResult;

/** Listener of {@link SegmentSink.onReceive}: the messages one request delivered, and the request. */
export type ReceiveListener = (messages: ReceivedMessage[], request: ReceivedRequest) => void;

/** A running sink. */
export interface SegmentSink {
  /** Base URL, e.g. `http://127.0.0.1:41234` (use it as the client's endpoint). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** Requests on tracking paths, oldest first (bounded by `maxRequests`). */
  readonly requests: ReceivedRequest[];
  /** Accepted messages with their metadata, oldest first, optionally of one write key (bounded by `maxMessages`). */
  received(writeKey?: string): ReceivedMessage[];
  /** Just the accepted message bodies, oldest first, optionally of one write key. */
  messages(writeKey?: string): Record<string, unknown>[];
  /** Accepted messages since the sink started (or of one key), including those the ring buffer dropped. */
  count(writeKey?: string): number;
  /**
   * Resolves with the recorded messages once `count(writeKey)` reaches `count` (counting from the last
   * `clear()`); rejects after `timeoutMs` (default 5_000).
   */
  waitFor(count: number, options?: { timeoutMs?: number; writeKey?: string }): Promise<ReceivedMessage[]>;
  /** Forgets recorded messages, requests and counts (not the commanded misbehaviours). */
  clear(): void;
  /** The next `n` tracking requests are answered `status` with `body` (default `{"success":false}`). */
  failNext(n: number, status: number, body?: string): void;
  /** The next `n` tracking requests are answered 429 with `Retry-After` and `X-RateLimit-Reset` in seconds. */
  rateLimitNext(n: number, retryAfterSeconds: number): void;
  /** The next `n` tracking requests have their connection destroyed without an answer. */
  dropNext(n: number): void;
  /** Delays every answer by `ms` from now on (0 to stop). */
  latency(ms: number): void;
  /** Installs a custom behaviour (null removes it). */
  setBehavior(behavior: SinkBehavior | null): void;
  /** Removes every commanded misbehaviour, the latency and the custom behaviour. */
  reset(): void;
  /** Calls `listener` for every accepted request; returns an unsubscribe function. */
  onReceive(listener: ReceiveListener): () => void;
  /**
   * Events for live displays: `arrival` ({id, path, receivedAt}: a tracking request was read, before any
   * latency), `request` (a {@link ReceivedRequest} was answered or dropped) and `receive` (messages, request).
   */
  readonly events: EventEmitter;
  /** Stops the server, destroying open connections and pending delayed answers. */
  close(): Promise<void>;
}

/** A hint of a write key for logs: `…` and its last 4 characters, `…` alone for keys under 8 characters. */
export function writeKeyHint(writeKey: string): string {
  return writeKey.length >= 8 ? `…${writeKey.slice(-4)}` : '…';
}

type Queued =
  | { kind: 'fail'; status: number; body: string }
  | { kind: 'rateLimit'; seconds: number }
  | { kind: 'drop' };

/** The write key of Basic auth (`base64("<writeKey>:")`), or null. */
function basicWriteKey(header: string | undefined): string | null {
  const match = header ? /^Basic\s+(\S+)$/i.exec(header.trim()) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return key.length > 0 ? key : null;
}

function redactHeaders(headers: IncomingHttpHeaders, writeKey: string | null): IncomingHttpHeaders {
  const copy = { ...headers };
  if (copy.authorization !== undefined) {
    const scheme = copy.authorization.split(/\s+/)[0] ?? '';
    copy.authorization = `${scheme} [redacted ${writeKey ? writeKeyHint(writeKey) : '…'}]`;
  }
  return copy;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Starts the sink. Rules, as Segment's tracking API:
 * - `POST /v1/track` (one message) and `POST /v1/batch` (`{batch: [...], sentAt?}`); other tracking paths 404.
 * - `Content-Type: application/json` required, else `400`; malformed JSON or a non-object body `400`.
 * - A write key is required, from `Authorization: Basic base64("<writeKey>:")` or the body's `writeKey`;
 *   without one the sink answers `401` (Segment's own answer is not documented; any key is accepted, as
 *   Segment's edge does not validate keys).
 * - A request over 500 KB, or any message over 32 KB (UTF-8 bytes of its JSON), is answered
 *   `400 Exceed payload limit`; a batch item without a string `type` `400`.
 * - Over 2,500 messages in one batch: `200 {"success":true}` and nothing recorded, as Segment does.
 * - Otherwise `200 {"success":true}` and every message recorded.
 *
 * A small read API for debugger panels (CORS open, write keys shown as hints): `GET /__sink/messages?since=<seq>`,
 * `GET /__sink/requests?since=<id>`, `GET /__sink/health`; and control: `POST /__sink/fail {count, status, body?}`,
 * `/__sink/rate-limit {count, retryAfterSeconds}`, `/__sink/drop {count}`, `/__sink/latency {ms}`,
 * `/__sink/reset`, `/__sink/clear`.
 */
export async function startSegmentSink(options: SegmentSinkOptions = {}): Promise<SegmentSink> {
  const host = options.host ?? '127.0.0.1';
  const messages = new RingBuffer<ReceivedMessage>(options.maxMessages ?? 10_000);
  const requests = new RingBuffer<ReceivedRequest>(options.maxRequests ?? 1_000);
  const counts = new Map<string, number>();
  let total = 0;
  let nextSeq = 1;
  let nextRequestId = 1;
  const queue: Queued[] = [];
  let latencyMs = 0;
  let behavior: SinkBehavior | null = null;
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const timers = new Map<NodeJS.Timeout, () => void>();
  const sockets = new Set<Socket>();

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.set(timer, resolve);
    });

  function answer(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
    if (response.destroyed || response.socket?.destroyed !== false) return;
    const json = body.startsWith('{') || body.startsWith('[');
    response.writeHead(status, {
      'content-type': json ? 'application/json' : 'text/plain; charset=utf-8',
      'access-control-allow-origin': '*',
      ...headers,
    });
    response.end(body);
  }

  function readBody(request: IncomingMessage): Promise<{ text: string; bytes: number }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      request.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Keep at most a little over the limit in memory; a larger body is refused whatever it holds.
        if (bytes <= SINK_MAX_REQUEST_BYTES + 1) chunks.push(chunk);
      });
      request.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), bytes }));
      request.on('error', reject);
    });
  }

  function recordRequest(entry: Omit<ReceivedRequest, 'id'>, id: number): ReceivedRequest {
    const record = { id, ...entry };
    requests.push(record);
    events.emit('request', record);
    return record;
  }

  async function handleTracking(request: IncomingMessage, response: ServerResponse, path: SinkPath) {
    const id = nextRequestId++;
    const receivedAt = new Date().toISOString();
    const { text, bytes } = await readBody(request);
    const headerKey = basicWriteKey(request.headers.authorization);
    let parsed: unknown;
    let parseError = false;
    try {
      parsed = JSON.parse(text);
    } catch {
      parseError = true;
    }
    const bodyKey = isPlainObject(parsed) && typeof parsed.writeKey === 'string' ? parsed.writeKey : null;
    const writeKey = headerKey ?? (bodyKey && bodyKey.length > 0 ? bodyKey : null);
    const headers = redactHeaders(request.headers, writeKey);
    const batch = path === '/v1/batch' && isPlainObject(parsed) && Array.isArray(parsed.batch) ? parsed.batch : null;
    const messageCount = path === '/v1/track' ? (isPlainObject(parsed) ? 1 : 0) : (batch?.length ?? 0);
    const remotePort = request.socket.remotePort ?? null;
    const base = { method: 'POST', path, writeKey, headers, bytes, remotePort, messageCount, receivedAt };

    const respond = (status: number, body: string, outcome: RequestOutcome, extra?: Record<string, string>) => {
      recordRequest({ ...base, status, responseBody: body, outcome }, id);
      answer(response, status, body, extra);
    };

    events.emit('arrival', { id, path, receivedAt });
    await delay(latencyMs);
    if (response.destroyed || request.socket.destroyed) return;

    const queued = queue.shift();
    if (queued) {
      if (queued.kind === 'drop') {
        recordRequest({ ...base, status: null, responseBody: null, outcome: 'dropped' }, id);
        request.socket.destroy();
        return;
      }
      if (queued.kind === 'fail') return respond(queued.status, queued.body, 'misbehaved');
      const seconds = String(queued.seconds);
      return respond(429, 'Too Many Requests', 'misbehaved', { 'retry-after': seconds, 'x-ratelimit-reset': seconds });
    }
    const custom = behavior?.({ path, headers, body: text, writeKey });
    if (custom === 'drop') {
      recordRequest({ ...base, status: null, responseBody: null, outcome: 'dropped' }, id);
      request.socket.destroy();
      return;
    }
    if (custom) return respond(custom.status, custom.body ?? '', 'misbehaved', custom.headers);

    const contentType = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(contentType)) {
      return respond(400, 'Content-Type must be application/json', 'rejected');
    }
    const limit = path === '/v1/track' ? SINK_MAX_MESSAGE_BYTES : SINK_MAX_REQUEST_BYTES;
    if (bytes > limit) return respond(400, EXCEED_PAYLOAD_LIMIT, 'rejected');
    if (parseError || !isPlainObject(parsed)) return respond(400, 'Invalid JSON', 'rejected');
    if (!writeKey) return respond(401, 'Missing write key: use Basic auth or a writeKey in the body', 'rejected');

    let items: Record<string, unknown>[];
    if (path === '/v1/track') items = [parsed];
    else {
      if (!batch) return respond(400, 'batch must be an array', 'rejected');
      for (const item of batch) {
        if (!isPlainObject(item)) return respond(400, 'Every batch item must be an object', 'rejected');
        if (typeof item.type !== 'string' || item.type.length === 0) {
          return respond(400, 'Every batch item needs a type', 'rejected');
        }
        if (Buffer.byteLength(JSON.stringify(item), 'utf8') > SINK_MAX_MESSAGE_BYTES) {
          return respond(400, EXCEED_PAYLOAD_LIMIT, 'rejected');
        }
      }
      // Segment answers 200 above 2,500 messages and rejects the events: mirror it so tests can see the trap.
      if (batch.length > SINK_MAX_BATCH_MESSAGES) return respond(200, '{"success":true}', 'discarded');
      items = batch;
    }

    const sentAt = typeof parsed.sentAt === 'string' ? parsed.sentAt : null;
    const accepted = items.map((message): ReceivedMessage => {
      const { writeKey: _omit, ...rest } = message;
      return { seq: nextSeq++, requestId: id, writeKey, path, message: rest, sentAt, headers, receivedAt };
    });
    for (const message of accepted) messages.push(message);
    total += accepted.length;
    counts.set(writeKey, (counts.get(writeKey) ?? 0) + accepted.length);
    const record = recordRequest({ ...base, status: 200, responseBody: '{"success":true}', outcome: 'accepted' }, id);
    answer(response, 200, '{"success":true}');
    events.emit('receive', accepted, record);
  }

  function publicMessage(entry: ReceivedMessage) {
    return { ...entry, writeKey: writeKeyHint(entry.writeKey) };
  }
  function publicRequest(entry: ReceivedRequest) {
    return { ...entry, writeKey: entry.writeKey === null ? null : writeKeyHint(entry.writeKey) };
  }

  async function handleSinkApi(request: IncomingMessage, response: ServerResponse, url: URL) {
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, POST',
        'access-control-allow-headers': 'content-type',
      });
      return response.end();
    }
    const since = Number(url.searchParams.get('since') ?? 0) || 0;
    if (request.method === 'GET') {
      if (url.pathname === '/__sink/health') return answer(response, 200, JSON.stringify({ ok: true, total }));
      if (url.pathname === '/__sink/messages') {
        const items = messages
          .toArray()
          .filter((entry) => entry.seq > since)
          .map(publicMessage);
        return answer(response, 200, JSON.stringify({ items, last: nextSeq - 1, total }));
      }
      if (url.pathname === '/__sink/requests') {
        const items = requests
          .toArray()
          .filter((entry) => entry.id > since)
          .map(publicRequest);
        return answer(response, 200, JSON.stringify({ items, last: nextRequestId - 1 }));
      }
      return answer(response, 404, 'Not found');
    }
    if (request.method !== 'POST') return answer(response, 405, 'Method not allowed');
    const { text } = await readBody(request);
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (isPlainObject(parsed)) body = parsed;
    } catch {
      return answer(response, 400, 'Invalid JSON');
    }
    const num = (key: string, fallback: number) => (typeof body[key] === 'number' ? (body[key] as number) : fallback);
    switch (url.pathname) {
      case '/__sink/fail':
        sink.failNext(num('count', 1), num('status', 500), typeof body.body === 'string' ? body.body : undefined);
        break;
      case '/__sink/rate-limit':
        sink.rateLimitNext(num('count', 1), num('retryAfterSeconds', 1));
        break;
      case '/__sink/drop':
        sink.dropNext(num('count', 1));
        break;
      case '/__sink/latency':
        sink.latency(num('ms', 0));
        break;
      case '/__sink/reset':
        sink.reset();
        break;
      case '/__sink/clear':
        sink.clear();
        break;
      default:
        return answer(response, 404, 'Not found');
    }
    return answer(response, 200, '{"ok":true}');
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sink.local');
    const handle = async () => {
      if (url.pathname.startsWith('/__sink/')) return handleSinkApi(request, response, url);
      if (url.pathname === '/v1/track' || url.pathname === '/v1/batch') {
        if (request.method !== 'POST') return answer(response, 405, 'Method not allowed');
        return handleTracking(request, response, url.pathname);
      }
      return answer(response, 404, 'Not found');
    };
    handle().catch(() => {
      if (!response.headersSent) answer(response, 500, 'Sink error');
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const byKey = (writeKey?: string) =>
    messages.toArray().filter((entry) => writeKey === undefined || entry.writeKey === writeKey);
  const countOf = (writeKey?: string) => (writeKey === undefined ? total : (counts.get(writeKey) ?? 0));
  const positive = (n: number) => Math.max(0, Math.floor(n));

  const sink: SegmentSink = {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    get requests() {
      return requests.toArray();
    },
    received: byKey,
    messages: (writeKey) => byKey(writeKey).map((entry) => entry.message),
    count: countOf,
    waitFor(count, waitOptions = {}) {
      const { writeKey, timeoutMs = 5_000 } = waitOptions;
      return new Promise((resolve, reject) => {
        if (countOf(writeKey) >= count) return resolve(byKey(writeKey));
        const onReceive = () => {
          if (countOf(writeKey) < count) return;
          clearTimeout(timer);
          events.off('receive', onReceive);
          resolve(byKey(writeKey));
        };
        const timer = setTimeout(() => {
          events.off('receive', onReceive);
          reject(new Error(`Segment sink: ${countOf(writeKey)} of ${count} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        events.on('receive', onReceive);
      });
    },
    clear() {
      messages.clear();
      requests.clear();
      counts.clear();
      total = 0;
    },
    failNext(n, status, body = '{"success":false}') {
      for (let i = 0; i < positive(n); i++) queue.push({ kind: 'fail', status, body });
    },
    rateLimitNext(n, retryAfterSeconds) {
      for (let i = 0; i < positive(n); i++) queue.push({ kind: 'rateLimit', seconds: retryAfterSeconds });
    },
    dropNext(n) {
      for (let i = 0; i < positive(n); i++) queue.push({ kind: 'drop' });
    },
    latency(ms) {
      latencyMs = Math.max(0, ms);
    },
    setBehavior(next) {
      behavior = next;
    },
    reset() {
      queue.length = 0;
      latencyMs = 0;
      behavior = null;
    },
    onReceive(listener) {
      events.on('receive', listener);
      return () => events.off('receive', listener);
    },
    events,
    close() {
      for (const socket of sockets) socket.destroy();
      for (const [timer, resolve] of timers) {
        clearTimeout(timer);
        resolve();
      }
      timers.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return sink;
}
