/**
 * Spans through `@opentelemetry/api`: one client span per HTTP request to Segment, once a host registers an
 * SDK (here the SDK's in-memory exporter); never the write key. With no SDK, the API's no-op tracer.
 */
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSegmentClient } from './client';

const WRITE_KEY = 'wk_trace_SECRET_0001';
const message = (id: string) => ({
  type: 'track' as const,
  event: 'E',
  userId: 'p',
  messageId: id,
  timestamp: '2026-12-04T12:00:00.000Z',
  properties: {},
  context: { library: { name: '@segment-webhook/core', version: '0.1.0' } },
});

let sink: SegmentSink;
beforeAll(async () => {
  sink = await startSegmentSink();
});
afterAll(() => sink.close());
afterEach(() => {
  trace.disable();
  sink.reset();
});

describe('the Segment client’s spans', () => {
  it('records nothing without an SDK (the no-op tracer), and reports each request as data', async () => {
    const client = createSegmentClient({ endpoints: { us: sink.url } });
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
    const report = await client.send({ writeKey: WRITE_KEY, region: 'us', messages: [message('m1'), message('m2')] });
    expect(report.requests).toEqual([{ httpStatus: 200, latencyMs: expect.any(Number), messages: 2 }]);
    await client.close();
  });

  it('makes one client span per request, bisected ones included, without the write key', async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const client = createSegmentClient({ endpoints: { us: sink.url } });
    await client.send({ writeKey: WRITE_KEY, region: 'us', messages: [message('a1'), message('a2'), message('a3')] });
    sink.failNext(1, 400, 'bad');
    const report = await client.send({ writeKey: WRITE_KEY, region: 'us', messages: [message('b1'), message('b2')] });
    await client.close();
    // 1 request, then a refused pair bisected into two single ones.
    expect(report.requests?.map((r) => [r.httpStatus, r.messages])).toEqual([
      [400, 2],
      [200, 1],
      [200, 1],
    ]);
    const spans = exporter.getFinishedSpans();
    expect(
      spans.map((s) => [s.name, s.attributes['segment.batch.messages'], s.attributes['http.response.status_code']]),
    ).toEqual([
      ['segment.batch', 3, 200],
      ['segment.batch', 2, 400],
      ['segment.batch', 1, 200],
      ['segment.batch', 1, 200],
    ]);
    expect(spans[0]!.kind).toBe(2); // SpanKind.CLIENT
    expect(spans[0]!.attributes).toMatchObject({ 'segment.region': 'us', 'http.request.method': 'POST' });
    expect(spans[1]!.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(JSON.stringify(spans.map((s) => ({ attributes: s.attributes, status: s.status })))).not.toContain(WRITE_KEY);
  });
});
