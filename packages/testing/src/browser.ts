/**
 * `@segment-webhook/testing/browser`, for browsers, jsdom and stories. Browser-safe.
 * - The kit's REST API in memory (`createInMemoryBackend`): the real fetch handler, service and delivery
 *   worker over a memory store, on a manual clock, as a `fetch` for `<SegmentWebhookProvider>`; and a sample
 *   account on it (`createSampleBackend`).
 * - The Segment stand-in without a server (`createMemorySegmentSink`): an in-memory `fetch` with the same
 *   rules, records and misbehaviour on command as the `node:http` sink of `@segment-webhook/testing`.
 */

export { createManualClock, type ManualClock } from './manual-clock';
export {
  type BackendFailure,
  type BackendRequest,
  createInMemoryBackend,
  type InMemoryBackend,
  type InMemoryBackendOptions,
} from './memory-backend';
export {
  createMemorySegmentSink,
  type MemorySegmentSink,
  type MemorySegmentSinkOptions,
  type SinkEvents,
} from './memory-sink';
export { RingBuffer } from './ring-buffer';
export {
  createSampleBackend,
  SAMPLE_NOW,
  type SampleAccountOptions,
  type SampleBackend,
  type SampleFacts,
  type SampleWebhookId,
  sampleCatalog,
  samplePerson,
  sampleRecentActivities,
} from './sample-account';
export {
  EXCEED_PAYLOAD_LIMIT,
  type ReceivedMessage,
  type ReceivedRequest,
  type ReceiveListener,
  type RequestOutcome,
  SINK_MAX_BATCH_MESSAGES,
  SINK_MAX_MESSAGE_BYTES,
  SINK_MAX_REQUEST_BYTES,
  type SinkBehavior,
  type SinkBehaviorResult,
  type SinkControls,
  type SinkHeaders,
  type SinkPath,
  writeKeyHint,
} from './sink-core';
