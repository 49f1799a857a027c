/**
 * The Segment client: `track` messages → `POST <base>/v1/batch` over keep-alive undici connections.
 * Every outcome is data (see SEGMENT.md for the rules followed here).
 */
import { Agent } from 'undici';
import { type Region, SEGMENT_HOSTS, SegmentWebhookError, type TrackMessage, utf8ByteLength } from '../contract/index';
import { MAX_BATCH_BYTES, MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES } from '../contract/limits';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../contract/payload';
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
} from './types';

/** Default request timeout: 10_000 ms, as the official library. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default cap of a response body kept in an attempt record: 2048 bytes. */
export const DEFAULT_RESPONSE_BODY_LIMIT = 2048;
/** Default keep-alive connections per origin: 10. */
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 10;

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

/** Decodes at most `limit` bytes of a response body, never splitting a character. */
async function readCapped(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // Stop reading a runaway body; undici then discards the connection.
    if (size >= limit) break;
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  return new TextDecoder().decode(bytes, { stream: true });
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
 * Creates a Segment client with one keep-alive connection pool per origin (an undici `Agent`).
 * The client holds no write key: each `send` carries its own, which never appears in an error, an attempt
 * record or the client's `toString()`/JSON/inspect output.
 */
export function createSegmentClient(options: SegmentClientOptions = {}): SegmentClient {
  const endpoints: Record<Region, string> = { ...SEGMENT_HOSTS, ...options.endpoints };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const userAgent = options.userAgent ?? `${LIBRARY_NAME}/${LIBRARY_VERSION} (node ${process.version})`;
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
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN,
    keepAliveTimeout: 30_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  let closed = false;

  function target(region: Region): { origin: string; path: string } {
    const base = Object.hasOwn(endpoints, region) ? endpoints[region] : undefined;
    if (!base) throw new SegmentWebhookError('validation_error', `No Segment endpoint for region "${region}".`);
    const url = new URL(base);
    return { origin: url.origin, path: `${url.pathname.replace(/\/+$/, '')}/v1/batch` };
  }

  /** One HTTP request with one batch; resolves to the attempt and the outcome for all its messages. */
  async function post(
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
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
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
      const response = await agent.request({
        origin: where.origin,
        path: where.path,
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
      });
      const text = await readCapped(response.body, responseBodyLimit);
      const status = response.statusCode;
      const kind = classifyStatus(status);
      const responseBody = text.length > 0 ? text : null;
      if (kind === 'delivered') return { attempt: record(status, null, responseBody), outcome: { kind: 'delivered' } };
      const attempt = record(status, `Segment answered HTTP ${status}`, responseBody);
      if (kind === 'retry') {
        return {
          attempt,
          outcome: {
            kind: 'retry',
            retryAfterMs: parseRetryAfter(response.headers['retry-after'], Date.now(), retryAfterCapMs),
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
    const sendable: Prepared[] = [];

    request.messages.forEach((message, index) => {
      const json = request.json?.[index] ?? JSON.stringify(message);
      // Exact UTF-8 size (the batch plan adds them up against 500 KB); JSON.stringify leaves no lone surrogate.
      const bytes = Buffer.byteLength(json, 'utf8');
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
      const { attempt, outcome } = await post(batch, request, where);
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
    return { results };
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
      await agent.close();
    },
    toString: describe,
    toJSON: () => ({ type: 'SegmentClient', endpoints: shownEndpoints, timeoutMs }),
    [Symbol.for('nodejs.util.inspect.custom')]: describe,
  } as SegmentClient;
}
