/**
 * The Segment client's logic, over any HTTP transport: `track` messages → `POST <base>/v1/batch`, split to
 * Segment's limits, a refused batch bisected, every outcome data (see SEGMENT.md for the rules followed
 * here). Browser-safe: the Node client (`createSegmentClient`, undici) and the fetch client
 * (`createFetchSegmentClient`) are this logic with their transports.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { type Region, SEGMENT_HOSTS, SegmentWebhookError, type TrackMessage, utf8ByteLength } from '../contract/index';
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES } from '../contract/limits';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../contract/payload';
import { base64EncodeUtf8 } from '../util/base64';
import { redactWriteKey } from './redact';
import { classifyStatus, DEFAULT_RETRY_AFTER_CAP_MS, parseRetryAfter } from './retry';
import type {
  AttemptRecord,
  DeliveryOutcome,
  MessageResult,
  SegmentClient,
  SegmentClientOptions,
  SendReport,
  SendRequest,
  SentRequestRecord,
} from './types';

/**
 * The kit's tracer: one span per HTTP request to Segment. Through `@opentelemetry/api` alone: without an SDK
 * registered by the host it is the API's no-op tracer (no span is recorded, nothing is exported). Asked for
 * at each request, so an SDK registered after this module loaded (or registered again) is used.
 */
const tracer = () => trace.getTracer(LIBRARY_NAME, LIBRARY_VERSION);

/** Default request timeout: 10_000 ms, as the official library. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default cap of a response body kept in an attempt record: 2048 bytes. */
export const DEFAULT_RESPONSE_BODY_LIMIT = 2048;

/** One `POST /v1/batch` for a {@link SegmentTransport}. */
export interface SegmentTransportRequest {
  /** `https://api.segment.io` (no trailing slash). */
  origin: string;
  /** `/v1/batch`, after any base path of the endpoint. */
  path: string;
  /** Lower-case header names; `authorization` carries the write key (never log it). */
  headers: Record<string, string>;
  /** The JSON body. */
  body: string;
  /** Aborted on timeout or when the caller cancels. */
  signal: AbortSignal;
  /** The client's timeout, for transports that also bound headers and body reads themselves. */
  timeoutMs: number;
  /** Most bytes of the response body to read. */
  responseBodyLimit: number;
}

/** What a {@link SegmentTransport} read of the answer. */
export interface SegmentTransportResponse {
  status: number;
  /** The `Retry-After` header, if any. */
  retryAfter: string | string[] | null | undefined;
  /** At most `responseBodyLimit` bytes of the body, decoded as UTF-8 without splitting a character. */
  body: string;
}

/**
 * The HTTP layer under a Segment client: sends one request and reads its answer. Rejects on network
 * errors and aborts (the client turns them into `retry` outcomes).
 */
export interface SegmentTransport {
  post(request: SegmentTransportRequest): Promise<SegmentTransportResponse>;
  /** Releases connections. Default: nothing. */
  close?(): Promise<void>;
}

/** Platform pieces of {@link createSegmentClientWith}, so Node keeps its native ones. */
export interface SegmentClientPlatform {
  /** UTF-8 byte length of a string. Default: the contract's `utf8ByteLength`. */
  byteLength?: (text: string) => number;
  /** Default `User-Agent` when `options.userAgent` is not set. Default `@segment-webhook/core/<version>`. */
  userAgent?: string;
}

/** A message ready to send: its position in the request, its JSON and the JSON's UTF-8 size. */
interface Prepared {
  index: number;
  message: TrackMessage;
  json: string;
  bytes: number;
}

/** The bytes of `{"batch":[],"sentAt":"<ISO date>"}` around the messages (commas come on top). */
const ENVELOPE_BYTES = utf8ByteLength(JSON.stringify({ batch: [], sentAt: new Date(0).toISOString() }));

/**
 * Splits messages into requests of at most `maxBytes` (the whole body, in UTF-8 bytes) and `maxMessages`,
 * keeping their order. Every message must fit on its own.
 */
function planBatches(items: Prepared[], maxBytes: number, maxMessages: number): Prepared[][] {
  const batches: Prepared[][] = [];
  let current: Prepared[] = [];
  let size = ENVELOPE_BYTES;
  for (const item of items) {
    const added = item.bytes + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && (size + added > maxBytes || current.length >= maxMessages)) {
      batches.push(current);
      current = [];
      size = ENVELOPE_BYTES;
    }
    size += item.bytes + (current.length > 0 ? 1 : 0);
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** A short, key-free description of a network error (`ECONNRESET: other side closed`). */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return `Network error: ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `Network error: ${typeof code === 'string' ? `${code}: ` : ''}${error.message}${cause}`;
}

/** First `max` characters of a response body for a failure reason. */
function preview(body: string | null, max = 200): string {
  if (!body) return '';
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? ` ${oneLine.slice(0, max)}…` : ` ${oneLine}`;
}

/**
 * A Segment client over `transport` (see {@link SegmentClient} for what `send` does). The client holds no
 * write key: each `send` carries its own, which never appears in an error, an attempt record or the
 * client's `toString()`/JSON/inspect output.
 */
export function createSegmentClientWith(
  transport: SegmentTransport,
  options: SegmentClientOptions = {},
  platform: SegmentClientPlatform = {},
): SegmentClient {
  const byteLength = platform.byteLength ?? utf8ByteLength;
  const endpoints: Record<Region, string> = { ...SEGMENT_HOSTS, ...options.endpoints };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = options.userAgent ?? platform.userAgent ?? `${LIBRARY_NAME}/${LIBRARY_VERSION}`;
  const responseBodyLimit = options.responseBodyLimit ?? DEFAULT_RESPONSE_BODY_LIMIT;
  const retryAfterCapMs = options.retryAfterCapMs ?? DEFAULT_RETRY_AFTER_CAP_MS;
  // Endpoints as shown by toString/JSON/inspect: without any credentials a proxy URL might carry.
  const shownEndpoints = Object.fromEntries(
    Object.entries(endpoints).map(([region, base]) => {
      if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
        throw new SegmentWebhookError(
          'validation_error',
          `The Segment endpoint for region "${region}" is not an http(s) URL.`,
        );
      }
      const url = new URL(base);
      url.username = '';
      url.password = '';
      return [region, url.href.replace(/\/$/, '')];
    }),
  );
  let closed = false;

  function target(region: Region): { origin: string; path: string } {
    const base = Object.hasOwn(endpoints, region) ? endpoints[region] : undefined;
    if (!base) throw new SegmentWebhookError('validation_error', `No Segment endpoint for region "${region}".`);
    const url = new URL(base);
    return { origin: url.origin, path: `${url.pathname.replace(/\/+$/, '')}/v1/batch` };
  }

  /**
   * One HTTP request with one batch, in a client span (`segment.batch`; attributes: the region, the host,
   * the messages, the retry count, the status — never the write key or the messages' content).
   */
  async function post(
    batch: Prepared[],
    request: SendRequest,
    where: { origin: string; path: string },
    requests: SentRequestRecord[],
  ): Promise<{ attempt: AttemptRecord; outcome: DeliveryOutcome }> {
    const span = tracer().startSpan('segment.batch', {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'POST',
        'server.address': where.origin,
        'url.path': where.path,
        'segment.region': request.region,
        'segment.batch.messages': batch.length,
        'segment.retry_count': request.retryCount ?? 0,
      },
    });
    const start = performance.now();
    try {
      const result = await context.with(trace.setSpan(context.active(), span), () => postInSpan(batch, request, where));
      const { httpStatus, error } = result.attempt;
      requests.push({ httpStatus, latencyMs: performance.now() - start, messages: batch.length });
      if (span.isRecording()) {
        if (httpStatus !== null) span.setAttribute('http.response.status_code', httpStatus);
        span.setAttribute('segment.outcome', result.outcome.kind);
        if (result.outcome.kind !== 'delivered') {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error ?? result.outcome.kind });
          span.setAttribute('error.type', httpStatus === null ? 'network' : String(httpStatus));
        }
      }
      return result;
    } finally {
      span.end();
    }
  }

  /** One HTTP request with one batch; resolves to the attempt and the outcome for all its messages. */
  async function postInSpan(
    batch: Prepared[],
    request: SendRequest,
    where: { origin: string; path: string },
  ): Promise<{ attempt: AttemptRecord; outcome: DeliveryOutcome }> {
    const { writeKey } = request;
    const startedAt = new Date();
    const start = performance.now();
    const sentAt = startedAt.toISOString();
    const body = `{"batch":[${batch.map((item) => item.json).join(',')}],"sentAt":"${sentAt}"}`;
    const headers: Record<string, string> = {
      authorization: `Basic ${base64EncodeUtf8(`${writeKey}:`)}`,
      'content-type': 'application/json',
      'user-agent': userAgent,
    };
    const retryCount = request.retryCount ?? 0;
    if (retryCount > 0) headers['x-retry-count'] = String(retryCount);

    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = () => controller.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    const record = (httpStatus: number | null, error: string | null, responseBody: string | null): AttemptRecord => ({
      at: startedAt.toISOString(),
      httpStatus,
      latencyMs: Math.round(performance.now() - start),
      error: error === null ? null : redactWriteKey(error, writeKey),
      responseBody: responseBody === null ? null : redactWriteKey(responseBody, writeKey),
    });

    try {
      const response = await transport.post({
        origin: where.origin,
        path: where.path,
        headers,
        body,
        signal: controller.signal,
        timeoutMs,
        responseBodyLimit,
      });
      const text = response.body;
      const status = response.status;
      const kind = classifyStatus(status);
      const responseBody = text.length > 0 ? text : null;
      if (kind === 'delivered') return { attempt: record(status, null, responseBody), outcome: { kind: 'delivered' } };
      const attempt = record(status, `Segment answered HTTP ${status}`, responseBody);
      if (kind === 'retry') {
        return {
          attempt,
          outcome: {
            kind: 'retry',
            retryAfterMs: parseRetryAfter(response.retryAfter, Date.now(), retryAfterCapMs),
            rateLimited: status === 429,
          },
        };
      }
      return {
        attempt,
        outcome: {
          kind: 'failed',
          reason: `Segment refused the message: HTTP ${status}${preview(attempt.responseBody)}`,
        },
      };
    } catch (error) {
      const reason = timedOut
        ? `Timed out after ${timeoutMs} ms`
        : request.signal?.aborted
          ? 'Cancelled'
          : describeNetworkError(error);
      return {
        attempt: record(null, reason, null),
        outcome: { kind: 'retry', retryAfterMs: null, rateLimited: false },
      };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  async function send(request: SendRequest): Promise<SendReport> {
    if (closed) throw new SegmentWebhookError('invalid_state', 'The Segment client is closed.');
    const where = target(request.region);
    const results: MessageResult[] = new Array(request.messages.length);
    const requests: SentRequestRecord[] = [];
    const sendable: Prepared[] = [];

    request.messages.forEach((message, index) => {
      const json = request.json?.[index] ?? JSON.stringify(message);
      // Exact UTF-8 size (the batch plan adds them up against 500 KB); JSON.stringify leaves no lone surrogate.
      const bytes = byteLength(json);
      if (bytes <= MAX_MESSAGE_BYTES) {
        sendable.push({ index, message, json, bytes });
        return;
      }
      // Segment answers `400 Exceed payload limit` and would refuse the whole batch: fail it here, alone.
      const reason = `The message is ${bytes} bytes; Segment accepts at most ${MAX_MESSAGE_BYTES} bytes per message.`;
      results[index] = {
        messageId: message.messageId,
        attempt: { at: new Date().toISOString(), httpStatus: null, latencyMs: 0, error: reason, responseBody: null },
        outcome: { kind: 'failed', reason },
      };
    });

    const settle = (batch: Prepared[], attempt: AttemptRecord, outcome: DeliveryOutcome) => {
      for (const item of batch) {
        results[item.index] = { messageId: item.message.messageId, attempt: { ...attempt }, outcome: { ...outcome } };
      }
    };

    const deliver = async (batch: Prepared[]): Promise<void> => {
      if (request.signal?.aborted) {
        const attempt = {
          at: new Date().toISOString(),
          httpStatus: null,
          latencyMs: 0,
          error: 'Cancelled before sending',
          responseBody: null,
        };
        settle(batch, attempt, { kind: 'retry', retryAfterMs: null, rateLimited: false });
        return;
      }
      const { attempt, outcome } = await post(batch, request, where, requests);
      // Segment refuses a batch whole: bisect so the bad message fails alone and the others get through.
      if (outcome.kind === 'failed' && (attempt.httpStatus === 400 || attempt.httpStatus === 413) && batch.length > 1) {
        const middle = Math.ceil(batch.length / 2);
        await deliver(batch.slice(0, middle));
        await deliver(batch.slice(middle));
        return;
      }
      settle(batch, attempt, outcome);
    };

    for (const batch of planBatches(sendable, MAX_BATCH_BYTES, MAX_BATCH_MESSAGES)) await deliver(batch);
    return { results, requests };
  }

  const describe = () =>
    `SegmentClient(${Object.entries(shownEndpoints)
      .map(([region, base]) => `${region}=${base}`)
      .join(', ')})`;
  return {
    send,
    async close() {
      if (closed) return;
      closed = true;
      await transport.close?.();
    },
    toString: describe,
    toJSON: () => ({ type: 'SegmentClient', endpoints: shownEndpoints, timeoutMs }),
    [Symbol.for('nodejs.util.inspect.custom')]: describe,
  } as SegmentClient;
}
