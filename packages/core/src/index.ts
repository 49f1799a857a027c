/**
 * `@segment-webhook/core`: payload building, Segment delivery, the durable delivery engine, the
 * service API and the `Store` interface. Node; the browser-safe parts are `@segment-webhook/core/contract`
 * (schemas and rules), `@segment-webhook/core/browser` (the service and the worker with injected parts) and
 * `@segment-webhook/core/memory` (an in-memory store).
 */

export {
  type BuildTrackMessageInput,
  buildTrackMessage,
  type EventSnapshot,
  LIBRARY_NAME,
  LIBRARY_VERSION,
  messageBytes,
  messageIdFor,
  sampleEvent,
} from './contract/payload';
export {
  createPassThroughWriteKeyCipher,
  createWebCryptoWriteKeyCipher,
  type WebCryptoWriteKeyCipherOptions,
  type WriteKeyCipherLike,
} from './crypto/web-cipher';
export {
  createWriteKeyCipher,
  generateEncryptionKey,
  parseEncryptionKey,
  type WriteKeyCipher,
  type WriteKeyCipherOptions,
} from './crypto/write-key-cipher';
export {
  type AlertHooks,
  DEFAULT_FAILURE_SUMMARY_INTERVAL_MS,
  type DeliveriesFailedSummary,
  type DeliveryOutcomeLabel,
  FAILED_SAMPLE_SIZE,
  type FailedDeliverySample,
  type MetricsRecorder,
  type SegmentRequestObservation,
  type SegmentStatusClass,
  statusClassOf,
  type WebhookHealthChange,
} from './engine/observe';
export {
  createDeliveryWorker,
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEASE_MS,
  DEFAULT_NEEDS_ATTENTION_AFTER,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PRUNE_INTERVAL_MS,
  DEFAULT_REQUESTS_PER_SECOND_PER_KEY,
  DEFAULT_STOP_TIMEOUT_MS,
  DEFAULT_WORKER_RETENTION_MS,
  type DeliveryWorker,
  type DeliveryWorkerBaseOptions,
  type DeliveryWorkerOptions,
  type DeliveryWorkerStatus,
} from './engine/worker';
export { createSegmentWebhooks, type SegmentWebhooks, type SegmentWebhooksOptions } from './kit';
export {
  createSegmentClientWith,
  type SegmentClientPlatform,
  type SegmentTransport,
  type SegmentTransportRequest,
  type SegmentTransportResponse,
} from './segment/client-core';
export { createFetchSegmentClient, type FetchSegmentClientOptions } from './segment/fetch-client';
export {
  // The store has its own `AttemptRecord` (a stored attempt); the client's is exported under this name.
  type AttemptRecord as SendAttemptRecord,
  backoffDelay,
  classifyStatus,
  createSegmentClient,
  DEFAULT_CONNECTIONS_PER_ORIGIN,
  DEFAULT_RESPONSE_BODY_LIMIT,
  DEFAULT_RETRY_AFTER_CAP_MS,
  DEFAULT_RETRY_POLICY,
  DEFAULT_TIMEOUT_MS,
  type DeliveryOutcome,
  type MessageResult,
  parseRetryAfter,
  type RetriedMessageResult,
  type RetryPolicy,
  type RetryReport,
  redactWriteKey,
  type SegmentClient,
  type SegmentClientOptions,
  type SendReport,
  type SendRequest,
  type SendWithRetryOptions,
  type SentRequestRecord,
  type StatusClass,
  sendWithRetry,
  writeKeyHint,
} from './segment/index';
export { consoleJsonLogger, type LogDetails, type Logger, silentLogger } from './service/logger';
export {
  createSegmentWebhookService,
  DEFAULT_PRUNE_BATCH_SIZE,
  DEFAULT_RETENTION_MS,
  type SegmentWebhookServiceBaseOptions,
  type SegmentWebhookServiceInstance,
  type SegmentWebhookServiceOptions,
  STORE_FAILURE_ERRORS,
  storeFailureError,
} from './service/service';
export type { ChangeContext, DeliveryExport, Route, SegmentWebhookService, Unsubscribe } from './service/types';
export { type ClaimWebhookColumns, claimedAtInsert } from './store/claimed-at-insert';
export { WEBHOOK_PATCH_COLUMNS } from './store/columns';
export {
  DEFAULT_STORE_RETRY_AFTER_MS,
  isStoreFailure,
  STORE_FAILURE_REASONS,
  StoreFailure,
  type StoreFailureReason,
} from './store/failure';
export { type Turns, takeInTurns } from './store/fair-share';
export { createStorageWatch, type StorageWatch } from './store/storage-watch';
export { assertStoreTime, assertStoreTimeOrNull, storeTimes } from './store/times';
export type {
  AttemptCompletion,
  AttemptRecord,
  BatchResult,
  ClaimedDelivery,
  DeliveryChangeNotice,
  DeliveryCursor,
  DeliveryDetailRecord,
  DeliveryFilter,
  DeliveryRecord,
  DeliverySource,
  DeliveryStats,
  DeliveryStatsQuery,
  DeliveryWithMessage,
  HistoryRecord,
  InsertDeliveriesOptions,
  InsertedDelivery,
  InsertLease,
  NewDelivery,
  NewHistoryEntry,
  QueueStats,
  RequeuedDelivery,
  RouteRecord,
  SetRouteResult,
  Store,
  StoreHealth,
  StoreUnsubscribe,
  UpdateWebhookOptions,
  WebhookHealthState,
  WebhookPatch,
  WebhookRecord,
} from './store/types';
export { LAG_SAMPLE_SIZE } from './store/types';
