import { startSegmentSink } from '@segment-webhook/testing';
import { createMemorySegmentSink } from '@segment-webhook/testing/browser';
import { afterEach, describe, expect, it } from 'vitest';
import type { TrackMessage } from '../contract/index';
import { createFetchSegmentClient } from './fetch-client';
import type { SegmentClient } from './types';

const WRITE_KEY = 'wk_fetch_client_1234';

function message(id: string, extra: Record<string, unknown> = {}): TrackMessage {
  return {
    type: 'track',
    event: 'Order placed',
    userId: 'p_1',
    messageId: id,
    timestamp: '2026-11-27T10:00:00.000Z',
    properties: extra as TrackMessage['properties'],
    context: { library: { name: '@segment-webhook/core', version: '0.1.0' } },
  };
}

interface Subject {
  client: SegmentClient;
  sink: {
    setBehavior: ReturnType<typeof createMemorySegmentSink>['setBehavior'];
    rateLimitNext(n: number, s: number): void;
    count(key?: string): number;
    close(): Promise<void>;
  };
}

/** The fetch client over the platform's fetch to the node:http sink, and over the in-memory sink's fetch. */
const subjects: [string, () => Promise<Subject>][] = [
  [
    'global fetch → node:http sink',
    async () => {
      const sink = await startSegmentSink();
      return { sink, client: createFetchSegmentClient({ endpoints: { us: sink.url, eu: sink.url } }) };
    },
  ],
  [
    'in-memory sink',
    async () => {
      const sink = createMemorySegmentSink();
      return {
        sink,
        client: createFetchSegmentClient({ fetch: sink.fetch, endpoints: { us: sink.url, eu: sink.url } }),
      };
    },
  ],
];

describe.each(subjects)('createFetchSegmentClient (%s)', (_name, make) => {
  let subject: Subject;
  afterEach(async () => {
    await subject?.client.close();
    await subject?.sink.close();
  });

  it('delivers, and bisects a refused batch so only the bad message fails', async () => {
    subject = await make();
    subject.sink.setBehavior(({ body }) =>
      body.includes('"bad":true') ? { status: 400, body: 'refused' } : undefined,
    );
    const report = await subject.client.send({
      writeKey: WRITE_KEY,
      region: 'eu',
      messages: [message('m1'), message('m2', { bad: true }), message('m3'), message('m4')],
    });
    expect(report.results.map((r) => r.outcome.kind)).toEqual(['delivered', 'failed', 'delivered', 'delivered']);
    expect(report.results[1]!.attempt).toMatchObject({ httpStatus: 400, responseBody: 'refused' });
    expect(subject.sink.count(WRITE_KEY)).toBe(3);
  });

  it('reads Retry-After on a 429', async () => {
    subject = await make();
    subject.sink.rateLimitNext(1, 7);
    const [result] = (await subject.client.send({ writeKey: WRITE_KEY, region: 'us', messages: [message('m1')] }))
      .results;
    expect(result!.outcome).toEqual({ kind: 'retry', retryAfterMs: 7_000, rateLimited: true });
  });
});
