/**
 * `@segment-webhook/core/browser`: the service and the delivery worker without Node — for browsers,
 * jsdom, web workers and edge runtimes. The parts that are Node-only in `@segment-webhook/core` are
 * passed in: the Segment client (`createFetchSegmentClient` over any `fetch`, e.g. an in-memory Segment
 * stand-in's) and the write-key cipher (`createWebCryptoWriteKeyCipher`, or `createPassThroughWriteKeyCipher`
 * for in-memory stores). Pair it with `@segment-webhook/core/memory` for a store.
 */
import type { WriteKeyCipherLike } from '../crypto/web-cipher';
import { createWorkerWith, type DeliveryWorker, type DeliveryWorkerBaseOptions } from '../engine/portable-worker';
import type { SegmentClient } from '../segment/types';
import {
  createServiceWith,
  type SegmentWebhookServiceBaseOptions,
  type SegmentWebhookServiceInstance,
} from '../service/portable-service';

export { deliveryHeldReason, heldReasonOf } from '../contract/rules';
export {
  createPassThroughWriteKeyCipher,
  createWebCryptoWriteKeyCipher,
  parseEncryptionKeyBytes,
  type WebCryptoWriteKeyCipherOptions,
  type WriteKeyCipherLike,
} from '../crypto/web-cipher';
export type {
  AlertHooks,
  DeliveriesFailedSummary,
  MetricsRecorder,
  WebhookHealthChange,
} from '../engine/observe';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEASE_MS,
  DEFAULT_NEEDS_ATTENTION_AFTER,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PRUNE_INTERVAL_MS,
  DEFAULT_REQUESTS_PER_SECOND_PER_KEY,
  DEFAULT_WORKER_RETENTION_MS,
  type DeliveryWorker,
  type DeliveryWorkerBaseOptions,
} from '../engine/portable-worker';
export {
  createSegmentClientWith,
  DEFAULT_RESPONSE_BODY_LIMIT,
  DEFAULT_TIMEOUT_MS,
  type SegmentClientPlatform,
  type SegmentTransport,
  type SegmentTransportRequest,
  type SegmentTransportResponse,
} from '../segment/client-core';
export { createFetchSegmentClient, type FetchSegmentClientOptions } from '../segment/fetch-client';
export { redactWriteKey, writeKeyHint } from '../segment/redact';
export {
  backoffDelay,
  classifyStatus,
  DEFAULT_RETRY_AFTER_CAP_MS,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
} from '../segment/retry';
export type {
  AttemptRecord as SendAttemptRecord,
  DeliveryOutcome,
  MessageResult,
  SegmentClient,
  SegmentClientOptions,
  SendReport,
  SendRequest,
} from '../segment/types';
export { consoleJsonLogger, type LogDetails, type Logger, silentLogger } from '../service/logger';
export {
  DEFAULT_PRUNE_BATCH_SIZE,
  DEFAULT_RETENTION_MS,
  type SegmentWebhookServiceBaseOptions,
  type SegmentWebhookServiceInstance,
} from '../service/portable-service';
export type { ChangeContext, DeliveryExport, Route, SegmentWebhookService, Unsubscribe } from '../service/types';
export type { Store } from '../store/types';

/** Options of the browser-safe {@link createSegmentWebhookService}. */
export interface BrowserSegmentWebhookServiceOptions extends SegmentWebhookServiceBaseOptions {
  /** The Segment client of the Test button (e.g. `createFetchSegmentClient({ fetch })`). The host closes it. */
  client: SegmentClient;
  /** How write keys are kept at rest: `await createWebCryptoWriteKeyCipher({ encryptionKey })`, or a pass-through. */
  cipher: WriteKeyCipherLike;
}

/** Options of the browser-safe {@link createDeliveryWorker}. */
export interface BrowserDeliveryWorkerOptions extends DeliveryWorkerBaseOptions {
  /** The Segment client to deliver with. The host closes it (`stop()` does not). */
  client: SegmentClient;
  /** The cipher the service encrypted write keys with. */
  cipher: WriteKeyCipherLike;
}

/**
 * The service behind the REST API (see `SegmentWebhookService`), as `createSegmentWebhookService` of
 * `@segment-webhook/core`, with the given Segment client and write-key cipher instead of Node's.
 */
export function createSegmentWebhookService(
  options: BrowserSegmentWebhookServiceOptions,
): SegmentWebhookServiceInstance {
  return createServiceWith(options, {
    cipher: options.cipher,
    getClient: () => options.client,
    closeClient: async () => {},
  });
}

/**
 * A delivery worker (see `DeliveryWorker`), as `createDeliveryWorker` of `@segment-webhook/core`, with the
 * given Segment client and write-key cipher instead of Node's.
 */
export function createDeliveryWorker(options: BrowserDeliveryWorkerOptions): DeliveryWorker {
  return createWorkerWith(options, { cipher: options.cipher, client: options.client, ownsClient: false });
}
