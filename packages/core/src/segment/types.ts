import type { Region, TrackMessage } from '../contract/index';

/** Options of {@link createSegmentClient}. */
export interface SegmentClientOptions {
  /**
   * Base URL per region (tests, local sinks, proxies); requests go to `<base>/v1/batch`.
   * Default: `SEGMENT_HOSTS` (`us` → `https://api.segment.io`, `eu` → `https://events.eu1.segmentapis.com`).
   */
  endpoints?: Partial<Record<Region, string>>;
  /** Time allowed for one HTTP request, from sending to reading the whole response, in ms. Default 10_000. */
  timeoutMs?: number;
  /** `User-Agent` header. Default `@segment-webhook/core/<version> (node <version>)`. */
  userAgent?: string;
  /** Most bytes of a response body kept in an attempt record. Default 2048. */
  responseBodyLimit?: number;
  /** Upper bound for a server's `Retry-After`, in ms. Default 300_000 (5 minutes, as the official library). */
  retryAfterCapMs?: number;
  /** Keep-alive connections per origin. Default 10. */
  connectionsPerOrigin?: number;
}

/** One call of {@link SegmentClient.send}. */
export interface SendRequest {
  /** The Segment source's write key (sent as Basic auth; never logged, never in an error). */
  writeKey: string;
  /** The workspace's region: picks the host. */
  region: Region;
  /** Messages to deliver, in order. */
  messages: TrackMessage[];
  /**
   * The messages' JSON texts where the caller has them (`json[i]` must be `JSON.stringify(messages[i])`):
   * sent as they are instead of serializing each message again.
   */
  json?: readonly (string | undefined)[];
  /** How many times these messages were tried before; sent as `X-Retry-Count` when > 0. Default 0. */
  retryCount?: number;
  /** Cancels the requests in flight and those not yet sent (their outcome is `retry`). */
  signal?: AbortSignal;
}

/** A client of Segment's HTTP Tracking API (`/v1/batch`). */
export interface SegmentClient {
  /**
   * Sends any number of messages to `<base>/v1/batch`: splits so each request is ≤500 KB (bytes) and
   * ≤2,500 messages; a 400 on a multi-message request is bisected so the bad message fails alone and the
   * others are delivered. A message over 32 KB fails locally without being sent. Never rejects because of
   * Segment or the network: every outcome is data.
   */
  send(request: SendRequest): Promise<SendReport>;
  /** Closes the keep-alive connections. The client cannot send afterwards. */
  close(): Promise<void>;
}

/** What happened to each message of a {@link SegmentClient.send} call. */
export interface SendReport {
  /** One per input message, in the same order. */
  results: MessageResult[];
  /**
   * Each HTTP request the call made, in order (a split or bisected batch makes several; a message refused
   * locally makes none), for metrics. Optional: a custom client may leave it out.
   */
  requests?: SentRequestRecord[];
}

/** One HTTP request of a {@link SendReport}. */
export interface SentRequestRecord {
  /** Segment's status, or null when no answer came (network error, timeout, cancellation). */
  httpStatus: number | null;
  /** From sending to reading the answer, in ms (not rounded). */
  latencyMs: number;
  /** Messages in the request. */
  messages: number;
}

/** The outcome of one message and the attempt that decided it. */
export interface MessageResult {
  messageId: string;
  /** The HTTP attempt (or local check) that decided the outcome. */
  attempt: AttemptRecord;
  outcome: DeliveryOutcome;
}

/** Delivery outcome of one message: data, never an exception. */
export type DeliveryOutcome =
  | { kind: 'delivered' }
  /**
   * Try again later. `retryAfterMs` comes from the server's `Retry-After` (capped), null when it sent none
   * (use the retry policy's backoff); `rateLimited` is true for 429.
   */
  | { kind: 'retry'; retryAfterMs: number | null; rateLimited: boolean }
  /** Permanent: retrying the same message cannot succeed. `reason` is human-readable, without the write key. */
  | { kind: 'failed'; reason: string };

/** One HTTP attempt, as the delivery logs show it. */
export interface AttemptRecord {
  /** When the request started (ISO 8601). */
  at: string;
  /** HTTP status, or null for a network error, a timeout, a cancellation or a local refusal. */
  httpStatus: number | null;
  /** From sending the request to reading the response, in whole ms. */
  latencyMs: number;
  /** What went wrong, null on success. Never contains the write key. */
  error: string | null;
  /** Segment's response body, capped to `responseBodyLimit` bytes; null when there was none. */
  responseBody: string | null;
}
