/**
 * The Segment stand-in's rules, records and misbehaviour, without a transport: the `node:http` sink
 * (`startSegmentSink`) and the in-memory one (`createMemorySegmentSink`, a `fetch`) both answer through it,
 * so they behave alike. Browser-safe (no `node:` modules).
 */
import { RingBuffer } from './ring-buffer';

/** Largest message, in UTF-8 bytes of its JSON: 32 KB. */
export const SINK_MAX_MESSAGE_BYTES = 32 * 1024;
/** Largest request body, in UTF-8 bytes: 500 KB. */
export const SINK_MAX_REQUEST_BYTES = 500 * 1024;
/** Most messages Segment takes in one batch; above it the sink (like Segment) answers 200 and drops them. */
export const SINK_MAX_BATCH_MESSAGES = 2500;
/** Segment's answer to anything too large. */
export const EXCEED_PAYLOAD_LIMIT = 'Exceed payload limit';

/** Request headers, lower-cased (Node's `IncomingHttpHeaders` is one). */
export interface SinkHeaders {
  [name: string]: string | string[] | undefined;
}

/** The tracking API paths the sink implements. */
export type SinkPath = '/v1/track' | '/v1/batch';

/** One message the sink accepted. */
export interface ReceivedMessage<H extends SinkHeaders = SinkHeaders> {
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
  headers: H;
  /** When it arrived (ISO 8601). */
  receivedAt: string;
}

/** How the sink answered one request. */
export type RequestOutcome = 'accepted' | 'rejected' | 'misbehaved' | 'dropped' | 'discarded';

/** One request the sink received on a tracking path. */
export interface ReceivedRequest<H extends SinkHeaders = SinkHeaders> {
  /** Increasing from 1 over the sink's life. */
  id: number;
  method: string;
  path: string;
  /** The write key (from Basic auth, else the body), or null. */
  writeKey: string | null;
  /** Request headers, lower-cased; `authorization` redacted. */
  headers: H;
  /** Body size in bytes. */
  bytes: number;
  /** The client's port (over HTTP): the same value on consecutive requests means a reused connection. */
  remotePort: number | null;
  /** Messages in the body (0 when it could not be parsed). */
  messageCount: number;
  /** The status answered; null when the connection was dropped. */
  status: number | null;
  responseBody: string | null;
  /**
   * `accepted` (200, recorded), `rejected` (a Segment rule said no), `misbehaved` (a commanded status),
   * `dropped` (connection destroyed on command), `discarded` (over 2,500 messages: 200 and nothing recorded, as Segment).
   */
  outcome: RequestOutcome;
  receivedAt: string;
}

/** What a custom behaviour returns: an answer, `'drop'` to cut the connection, or undefined for normal handling. */
export type SinkBehaviorResult =
  | { status: number; body?: string; headers?: Record<string, string> }
  | 'drop'
  | undefined;

/** A custom behaviour, consulted for every tracking request after the queued misbehaviours. */
export type SinkBehavior<H extends SinkHeaders = SinkHeaders> = (request: {
  path: string;
  headers: H;
  body: string;
  writeKey: string | null;
}) => SinkBehaviorResult;

/** Listener of `onReceive`: the messages one request delivered, and the request. */
export type ReceiveListener<H extends SinkHeaders = SinkHeaders> = (
  messages: ReceivedMessage<H>[],
  request: ReceivedRequest<H>,
) => void;

/** What every sink records and can be told to do, whatever carries its requests. */
export interface SinkControls<H extends SinkHeaders = SinkHeaders> {
  /** Requests on tracking paths, oldest first (bounded by `maxRequests`). */
  readonly requests: ReceivedRequest<H>[];
  /** Accepted messages with their metadata, oldest first, optionally of one write key (bounded by `maxMessages`). */
  received(writeKey?: string): ReceivedMessage<H>[];
  /** Just the accepted message bodies, oldest first, optionally of one write key. */
  messages(writeKey?: string): Record<string, unknown>[];
  /** Accepted messages since the sink started (or of one key), including those the ring buffer dropped. */
  count(writeKey?: string): number;
  /**
   * Resolves with the recorded messages once `count(writeKey)` reaches `count` (counting from the last
   * `clear()`); rejects after `timeoutMs` (default 5_000).
   */
  waitFor(count: number, options?: { timeoutMs?: number; writeKey?: string }): Promise<ReceivedMessage<H>[]>;
  /** Forgets recorded messages, requests and counts (not the commanded misbehaviours). */
  clear(): void;
  /** The next `n` tracking requests are answered `status` with `body` (default `{"success":false}`). */
  failNext(n: number, status: number, body?: string): void;
  /** The next `n` tracking requests are answered 429 with `Retry-After` and `X-RateLimit-Reset` in seconds. */
  rateLimitNext(n: number, retryAfterSeconds: number): void;
  /** The next `n` tracking requests have their connection cut without an answer. */
  dropNext(n: number): void;
  /** Delays every answer by `ms` from now on (0 to stop). */
  latency(ms: number): void;
  /** Installs a custom behaviour (null removes it). */
  setBehavior(behavior: SinkBehavior<H> | null): void;
  /** Removes every commanded misbehaviour, the latency and the custom behaviour. */
  reset(): void;
  /** Calls `listener` for every accepted request; returns an unsubscribe function. */
  onReceive(listener: ReceiveListener<H>): () => void;
}

/** An HTTP answer of the sink. */
export interface SinkAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** The transport calls it once the answer went out: it publishes the accepted messages (`receive`). */
  sent?: () => void;
}

/** A tracking request as the transport read it. */
export interface TrackingRequest<H extends SinkHeaders = SinkHeaders> {
  path: SinkPath;
  headers: H;
  /** The body, decoded as UTF-8 (at most a little over the 500 KB limit is needed). */
  body: string;
  /** The body's size in bytes. */
  bytes: number;
  remotePort: number | null;
  /** True once the client went away (the answer is then not recorded). */
  gone(): boolean;
}

/** Events of a sink (`arrival`, `request`, `receive`; see `SegmentSink.events`). */
export type SinkEventName = 'arrival' | 'request' | 'receive';

/** Options of {@link createSinkCore}. */
export interface SinkCoreOptions {
  /** Most messages kept in memory (oldest dropped first). Default 10_000. */
  maxMessages?: number;
  /** Most requests kept in memory (oldest dropped first). Default 1_000. */
  maxRequests?: number;
  /** Publishes `arrival`, `request` and `receive` events (the Node sink's EventEmitter). */
  emit?: (event: SinkEventName, ...args: unknown[]) => void;
  /** UTF-8 byte length of a string. Default: counted with `TextEncoder`. */
  byteLength?: (text: string) => number;
  /** Standard base64 → UTF-8 text (Basic auth). Default: `atob` and `TextDecoder`. */
  decodeBase64?: (value: string) => string;
}

/** The sink's logic: the {@link SinkControls} plus the handlers a transport calls. */
export interface SinkCore<H extends SinkHeaders = SinkHeaders> extends SinkControls<H> {
  /** Numbers a tracking request as it starts (before its body is read) and stamps its arrival. */
  begin(): { id: number; receivedAt: string };
  /**
   * Answers a tracking request with Segment's rules, the queued misbehaviours and the latency: an answer,
   * `'drop'` (cut the connection), or null when the client went away meanwhile.
   */
  handleTracking(
    started: { id: number; receivedAt: string },
    request: TrackingRequest<H>,
  ): Promise<SinkAnswer | 'drop' | null>;
  /** Answers the read and control API under `/__sink/` (CORS open, write keys as hints). */
  handleApi(method: string, url: URL, body: string): SinkAnswer;
  /** Ends pending latency waits at once (closing). */
  flushDelays(): void;
}

/** A hint of a write key for logs: `…` and its last 4 characters, `…` alone for keys under 8 characters. */
export function writeKeyHint(writeKey: string): string {
  return writeKey.length >= 8 ? `…${writeKey.slice(-4)}` : '…';
}

type Queued =
  | { kind: 'fail'; status: number; body: string }
  | { kind: 'rateLimit'; seconds: number }
  | { kind: 'drop' };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const defaultByteLength = (text: string) => new TextEncoder().encode(text).length;
const defaultDecodeBase64 = (value: string) =>
  new TextDecoder().decode(Uint8Array.from(atob(value), (char) => char.charCodeAt(0)));

/** An answer with the sink's headers: JSON or plain text by the body's look, CORS open. */
export function sinkAnswer(status: number, body: string, headers: Record<string, string> = {}): SinkAnswer {
  const json = body.startsWith('{') || body.startsWith('[');
  return {
    status,
    body,
    headers: {
      'content-type': json ? 'application/json' : 'text/plain; charset=utf-8',
      'access-control-allow-origin': '*',
      ...headers,
    },
  };
}

/**
 * The {@link SinkControls} of a core, as a sink's own object: what the Node sink and the in-memory sink
 * expose, each adding its transport (url, close, events) with `Object.assign`. `requests` stays a getter.
 */
export function sinkControlsOf<H extends SinkHeaders>(core: SinkCore<H>): SinkControls<H> {
  return {
    get requests() {
      return core.requests;
    },
    received: core.received,
    messages: core.messages,
    count: core.count,
    waitFor: core.waitFor,
    clear: core.clear,
    failNext: core.failNext,
    rateLimitNext: core.rateLimitNext,
    dropNext: core.dropNext,
    latency: core.latency,
    setBehavior: core.setBehavior,
    reset: core.reset,
    onReceive: core.onReceive,
  };
}

/**
 * Creates the sink's logic. Rules, as Segment's tracking API (see `startSegmentSink` for the list): Basic
 * auth or a body `writeKey`, JSON only, 32 KB per message and 500 KB per request, `type` on every batch item,
 * over 2,500 messages answered 200 and dropped; otherwise 200 and every message recorded.
 */
export function createSinkCore<H extends SinkHeaders = SinkHeaders>(options: SinkCoreOptions = {}): SinkCore<H> {
  const messages = new RingBuffer<ReceivedMessage<H>>(options.maxMessages ?? 10_000);
  const requests = new RingBuffer<ReceivedRequest<H>>(options.maxRequests ?? 1_000);
  const counts = new Map<string, number>();
  const byteLength = options.byteLength ?? defaultByteLength;
  const decodeBase64 = options.decodeBase64 ?? defaultDecodeBase64;
  const emit = options.emit ?? (() => {});
  const receiveListeners = new Set<ReceiveListener<H>>();
  let total = 0;
  let nextSeq = 1;
  let nextRequestId = 1;
  const queue: Queued[] = [];
  let latencyMs = 0;
  let behavior: SinkBehavior<H> | null = null;
  const timers = new Map<ReturnType<typeof setTimeout>, () => void>();

  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.set(timer, resolve);
    });

  /** The write key of Basic auth (`base64("<writeKey>:")`), or null. */
  function basicWriteKey(header: string | string[] | undefined): string | null {
    const value = Array.isArray(header) ? header[0] : header;
    const match = value ? /^Basic\s+(\S+)$/i.exec(value.trim()) : null;
    if (!match) return null;
    let decoded: string;
    try {
      decoded = decodeBase64(match[1]!);
    } catch {
      return null;
    }
    const colon = decoded.indexOf(':');
    const key = colon === -1 ? decoded : decoded.slice(0, colon);
    return key.length > 0 ? key : null;
  }

  function redactHeaders(headers: H, writeKey: string | null): H {
    const copy = { ...headers };
    const authorization = copy.authorization;
    if (authorization !== undefined) {
      const scheme = (Array.isArray(authorization) ? (authorization[0] ?? '') : authorization).split(/\s+/)[0] ?? '';
      (copy as SinkHeaders).authorization = `${scheme} [redacted ${writeKey ? writeKeyHint(writeKey) : '…'}]`;
    }
    return copy;
  }

  function recordRequest(entry: Omit<ReceivedRequest<H>, 'id'>, id: number): ReceivedRequest<H> {
    const record = { id, ...entry };
    requests.push(record);
    emit('request', record);
    return record;
  }

  const byKey = (writeKey?: string) =>
    messages.toArray().filter((entry) => writeKey === undefined || entry.writeKey === writeKey);
  const countOf = (writeKey?: string) => (writeKey === undefined ? total : (counts.get(writeKey) ?? 0));
  const positive = (n: number) => Math.max(0, Math.floor(n));

  function publicMessage(entry: ReceivedMessage<H>) {
    return { ...entry, writeKey: writeKeyHint(entry.writeKey) };
  }
  function publicRequest(entry: ReceivedRequest<H>) {
    return { ...entry, writeKey: entry.writeKey === null ? null : writeKeyHint(entry.writeKey) };
  }

  const core: SinkCore<H> = {
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
          receiveListeners.delete(onReceive);
          resolve(byKey(writeKey));
        };
        const timer = setTimeout(() => {
          receiveListeners.delete(onReceive);
          reject(new Error(`Segment sink: ${countOf(writeKey)} of ${count} messages after ${timeoutMs} ms`));
        }, timeoutMs);
        receiveListeners.add(onReceive);
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
      receiveListeners.add(listener);
      return () => {
        receiveListeners.delete(listener);
      };
    },

    begin() {
      return { id: nextRequestId++, receivedAt: new Date().toISOString() };
    },

    async handleTracking({ id, receivedAt }, request) {
      const { path, body: text, bytes } = request;
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
      const base = {
        method: 'POST',
        path,
        writeKey,
        headers,
        bytes,
        remotePort: request.remotePort,
        messageCount,
        receivedAt,
      };

      const respond = (status: number, body: string, outcome: RequestOutcome, extra?: Record<string, string>) => {
        recordRequest({ ...base, status, responseBody: body, outcome }, id);
        return sinkAnswer(status, body, extra);
      };
      const drop = (): 'drop' => {
        recordRequest({ ...base, status: null, responseBody: null, outcome: 'dropped' }, id);
        return 'drop';
      };

      emit('arrival', { id, path, receivedAt });
      await delay(latencyMs);
      if (request.gone()) return null;

      const queued = queue.shift();
      if (queued) {
        if (queued.kind === 'drop') return drop();
        if (queued.kind === 'fail') return respond(queued.status, queued.body, 'misbehaved');
        const seconds = String(queued.seconds);
        return respond(429, 'Too Many Requests', 'misbehaved', {
          'retry-after': seconds,
          'x-ratelimit-reset': seconds,
        });
      }
      const custom = behavior?.({ path, headers, body: text, writeKey });
      if (custom === 'drop') return drop();
      if (custom) return respond(custom.status, custom.body ?? '', 'misbehaved', custom.headers);

      const contentType = request.headers['content-type'];
      if (!/^application\/json\s*(;|$)/i.test(typeof contentType === 'string' ? contentType : '')) {
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
          if (byteLength(JSON.stringify(item)) > SINK_MAX_MESSAGE_BYTES) {
            return respond(400, EXCEED_PAYLOAD_LIMIT, 'rejected');
          }
        }
        // Segment answers 200 above 2,500 messages and rejects the events: mirror it so tests can see the trap.
        if (batch.length > SINK_MAX_BATCH_MESSAGES) return respond(200, '{"success":true}', 'discarded');
        items = batch;
      }

      const sentAt = typeof parsed.sentAt === 'string' ? parsed.sentAt : null;
      const accepted = items.map((message): ReceivedMessage<H> => {
        const { writeKey: _omit, ...rest } = message;
        return { seq: nextSeq++, requestId: id, writeKey, path, message: rest, sentAt, headers, receivedAt };
      });
      for (const message of accepted) messages.push(message);
      total += accepted.length;
      counts.set(writeKey, (counts.get(writeKey) ?? 0) + accepted.length);
      const record = recordRequest({ ...base, status: 200, responseBody: '{"success":true}', outcome: 'accepted' }, id);
      return {
        ...sinkAnswer(200, '{"success":true}'),
        // The answer goes out first; listeners hear of the messages right after.
        sent: () => {
          emit('receive', accepted, record);
          for (const listener of [...receiveListeners]) listener(accepted, record);
        },
      };
    },

    handleApi(method, url, body) {
      if (method === 'OPTIONS') {
        return {
          status: 204,
          body: '',
          headers: {
            'access-control-allow-origin': '*',
            'access-control-allow-methods': 'GET, POST',
            'access-control-allow-headers': 'content-type',
          },
        };
      }
      const since = Number(url.searchParams.get('since') ?? 0) || 0;
      if (method === 'GET') {
        if (url.pathname === '/__sink/health') return sinkAnswer(200, JSON.stringify({ ok: true, total }));
        if (url.pathname === '/__sink/messages') {
          const items = messages
            .toArray()
            .filter((entry) => entry.seq > since)
            .map(publicMessage);
          return sinkAnswer(200, JSON.stringify({ items, last: nextSeq - 1, total }));
        }
        if (url.pathname === '/__sink/requests') {
          const items = requests
            .toArray()
            .filter((entry) => entry.id > since)
            .map(publicRequest);
          return sinkAnswer(200, JSON.stringify({ items, last: nextRequestId - 1 }));
        }
        return sinkAnswer(404, 'Not found');
      }
      if (method !== 'POST') return sinkAnswer(405, 'Method not allowed');
      let command: Record<string, unknown> = {};
      try {
        const parsed: unknown = body ? JSON.parse(body) : {};
        if (isPlainObject(parsed)) command = parsed;
      } catch {
        return sinkAnswer(400, 'Invalid JSON');
      }
      const num = (key: string, fallback: number) =>
        typeof command[key] === 'number' ? (command[key] as number) : fallback;
      switch (url.pathname) {
        case '/__sink/fail':
          core.failNext(
            num('count', 1),
            num('status', 500),
            typeof command.body === 'string' ? command.body : undefined,
          );
          break;
        case '/__sink/rate-limit':
          core.rateLimitNext(num('count', 1), num('retryAfterSeconds', 1));
          break;
        case '/__sink/drop':
          core.dropNext(num('count', 1));
          break;
        case '/__sink/latency':
          core.latency(num('ms', 0));
          break;
        case '/__sink/reset':
          core.reset();
          break;
        case '/__sink/clear':
          core.clear();
          break;
        default:
          return sinkAnswer(404, 'Not found');
      }
      return sinkAnswer(200, '{"ok":true}');
    },

    flushDelays() {
      for (const [timer, resolve] of timers) {
        clearTimeout(timer);
        resolve();
      }
      timers.clear();
    },
  };
  return core;
}
