/**
 * Retry pieces: a policy, backoff, status classification, `Retry-After` parsing and one bounded loop.
 * They follow the official `@segment/analytics-node` 3.1.0 (see SEGMENT.md, "How the official library retries").
 */
import { type Backoff, backoffDelay } from '../contract/rules';
import type { AttemptRecord, DeliveryOutcome, SegmentClient, SendRequest } from './types';

export { backoffDelay };

/** How long and how often to retry a message: a {@link Backoff} (500 ms × 2ⁿ up to 60 s by default) and limits. */
export interface RetryPolicy extends Backoff {
  /** Delay before the first retry, before jitter, in ms. Default 500. */
  baseDelayMs: number;
  /** Growth of the delay per retry. Default 2. */
  factor: number;
  /** Longest delay between two attempts, in ms. Default 60_000. */
  maxDelayMs: number;
  /** Most attempts per message, the first one included. Default 10. */
  maxAttempts: number;
  /** Give up when the next attempt would start later than this after the first one, in ms. Default 12 h. */
  maxAgeMs: number;
}

/** `{baseDelayMs: 500, factor: 2, maxDelayMs: 60_000, maxAttempts: 10, maxAgeMs: 12 h}`. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  baseDelayMs: 500,
  factor: 2,
  maxDelayMs: 60_000,
  maxAttempts: 10,
  maxAgeMs: 12 * 60 * 60 * 1000,
});

/** Default upper bound for a server's `Retry-After`: 300_000 ms (5 minutes). */
export const DEFAULT_RETRY_AFTER_CAP_MS = 300_000;

/** How an HTTP status is handled. */
export type StatusClass = 'delivered' | 'retry' | 'failed';

/**
 * Classifies Segment's HTTP status: 2xx `delivered`; 408, 410, 429, 460 and 5xx except 501 and 505 `retry`;
 * everything else (400 and the other 4xx, 501, 505, 1xx, 3xx) `failed`.
 */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 410 || status === 429 || status === 460) return 'retry';
  if (status >= 500 && status < 600 && status !== 501 && status !== 505) return 'retry';
  return 'failed';
}

/**
 * Milliseconds to wait according to a `Retry-After` header: delay-seconds (`120`) or an HTTP date, relative
 * to `now` (ms since the epoch; default `Date.now()`). Capped at `capMs` (default 300_000); a date in the
 * past gives 0. Null when the header is missing or unparsable.
 */
export function parseRetryAfter(
  header: string | string[] | null | undefined,
  now: number = Date.now(),
  capMs: number = DEFAULT_RETRY_AFTER_CAP_MS,
): number | null {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return null;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) ms = Number(value) * 1000;
  else {
    const date = Date.parse(value);
    if (Number.isNaN(date) || !/[a-z]/i.test(value)) return null;
    ms = date - now;
  }
  return Math.min(Math.max(0, Math.ceil(ms)), capMs);
}

/** Options of {@link sendWithRetry}. */
export interface SendWithRetryOptions {
  /** Default {@link DEFAULT_RETRY_POLICY}. */
  policy?: RetryPolicy;
  /** Stops retrying (and cancels the request in flight); unfinished messages keep their `retry` outcome. */
  signal?: AbortSignal;
  /** Waits between rounds; default a `setTimeout` that ends early on abort. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Jitter source for the backoff; default `Math.random`. */
  random?: () => number;
}

/** Final result of one message after {@link sendWithRetry}. */
export interface RetriedMessageResult {
  messageId: string;
  /**
   * `delivered`, `failed` (permanent, or given up after `maxAttempts`/`maxAgeMs`), or `retry` when the
   * signal stopped the loop first.
   */
  outcome: DeliveryOutcome;
  /** Every attempt, oldest first. */
  attempts: AttemptRecord[];
}

/** What {@link sendWithRetry} resolves to: one result per input message, in order. */
export interface RetryReport {
  results: RetriedMessageResult[];
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Sends messages and retries the retryable ones until they are delivered or failed, or until the policy's
 * attempts or age run out, or the signal aborts. For callers without the durable engine: everything is in
 * memory. Each round resends every unfinished message in one `send` (with `X-Retry-Count`), then waits the
 * longest `Retry-After` of the round or, without one, the policy's backoff. As in the official library, a
 * rate-limited attempt that carried `Retry-After` does not count towards `maxAttempts` (the age still bounds
 * it). Never rejects because of Segment or the network.
 */
export async function sendWithRetry(
  client: SegmentClient,
  request: Omit<SendRequest, 'retryCount' | 'signal'>,
  options: SendWithRetryOptions = {},
): Promise<RetryReport> {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const sleep = options.sleep ?? defaultSleep;
  const { signal } = options;
  const startedAt = Date.now();

  const results: RetriedMessageResult[] = request.messages.map((message) => ({
    messageId: message.messageId,
    outcome: { kind: 'retry', retryAfterMs: null, rateLimited: false },
    attempts: [],
  }));
  const counted = request.messages.map(() => 0);
  let pending = request.messages.map((_, index) => index);
  let round = 0;
  let backoffIndex = 0;

  while (pending.length > 0 && !signal?.aborted) {
    const report = await client.send({
      writeKey: request.writeKey,
      region: request.region,
      messages: pending.map((index) => request.messages[index]!),
      retryCount: round,
      ...(signal ? { signal } : {}),
    });
    round++;

    const next: number[] = [];
    let serverDelay: number | null = null;
    let allServerTimed = true;
    report.results.forEach((result, position) => {
      const index = pending[position]!;
      const entry = results[index]!;
      entry.attempts.push(result.attempt);
      entry.outcome = result.outcome;
      if (result.outcome.kind !== 'retry') return;
      const { retryAfterMs, rateLimited } = result.outcome;
      if (!(rateLimited && retryAfterMs !== null)) counted[index] = counted[index]! + 1;
      if (retryAfterMs !== null) serverDelay = Math.max(serverDelay ?? 0, retryAfterMs);
      else allServerTimed = false;
      next.push(index);
    });
    if (next.length === 0 || signal?.aborted) break;

    const delay =
      allServerTimed && serverDelay !== null
        ? serverDelay
        : Math.max(serverDelay ?? 0, backoffDelay(policy, backoffIndex++, options.random));
    const age = Date.now() + delay - startedAt;
    pending = [];
    for (const index of next) {
      const entry = results[index]!;
      if (counted[index]! >= policy.maxAttempts || age > policy.maxAgeMs) {
        const last = entry.attempts.at(-1);
        const why = last?.error ?? (last?.httpStatus ? `HTTP ${last.httpStatus}` : 'no answer');
        const limit = counted[index]! >= policy.maxAttempts ? `${entry.attempts.length} attempts` : 'the maximum age';
        entry.outcome = { kind: 'failed', reason: `Gave up after ${limit}: ${why}` };
      } else pending.push(index);
    }
    if (pending.length === 0) break;
    await sleep(delay, signal);
  }
  return { results };
}
