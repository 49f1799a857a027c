/** Segment delivery: the client, the retry pieces and write-key redaction (Node only). */
export {
  createSegmentClient,
  DEFAULT_CONNECTIONS_PER_ORIGIN,
  DEFAULT_RESPONSE_BODY_LIMIT,
  DEFAULT_TIMEOUT_MS,
} from './client';
export { redactWriteKey, writeKeyHint } from './redact';
export {
  backoffDelay,
  classifyStatus,
  DEFAULT_RETRY_AFTER_CAP_MS,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetriedMessageResult,
  type RetryPolicy,
  type RetryReport,
  type SendWithRetryOptions,
  type StatusClass,
  sendWithRetry,
} from './retry';
export type {
  AttemptRecord,
  DeliveryOutcome,
  MessageResult,
  SegmentClient,
  SegmentClientOptions,
  SendReport,
  SendRequest,
  SentRequestRecord,
} from './types';
