/**
 * `@segment-webhook/testing`: a Segment stand-in (HTTP Tracking API on 127.0.0.1) for tests, demos and
 * benchmarks. Start it with {@link startSegmentSink}; the `segment-sink` CLI runs it standalone.
 */
export { formatMessageLine, formatRequestLine } from './format';
export { RingBuffer } from './ring-buffer';
export {
  EXCEED_PAYLOAD_LIMIT,
  type ReceivedMessage,
  type ReceivedRequest,
  type ReceiveListener,
  type RequestOutcome,
  type SegmentSink,
  type SegmentSinkOptions,
  SINK_MAX_BATCH_MESSAGES,
  SINK_MAX_MESSAGE_BYTES,
  SINK_MAX_REQUEST_BYTES,
  type SinkBehavior,
  type SinkBehaviorResult,
  type SinkPath,
  startSegmentSink,
  writeKeyHint,
} from './sink';
