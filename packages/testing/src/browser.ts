/**
 * `@segment-webhook/testing/browser`: the Segment stand-in without a server, for browsers, jsdom and
 * stories — an in-memory `fetch` with the same rules, records and misbehaviour on command as the
 * `node:http` sink of `@segment-webhook/testing`. Browser-safe.
 */
export {
  createMemorySegmentSink,
  type MemorySegmentSink,
  type MemorySegmentSinkOptions,
  type SinkEvents,
} from './memory-sink';
export { RingBuffer } from './ring-buffer';
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
