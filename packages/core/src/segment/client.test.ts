import { inspect } from 'node:util';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrackMessage } from '../contract/index';
import { LIBRARY_NAME } from '../contract/payload';
import { createSegmentClient } from './client';
import { sendWithRetry } from './retry';
import type { SegmentClient, SendReport } from './types';

const KEY = 'wk_SECRET_live_0123456789abcdef';
const BASIC = Buffer.from(`${KEY}:`).toString('base64');

function message(id: string, properties: TrackMessage['properties'] = {}): TrackMessage {
  return {
    type: 'track',
    event: 'Order placed',
    userId: 'p_1',
    messageId: id,
    timestamp: '2026-11-27T10:00:00.000Z',
    properties,
    context: { library: { name: LIBRARY_NAME, version: '0.1.0' } },
  };
}

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** A message whose JSON is exactly `bytes` UTF-8 bytes, padded with emoji (4 bytes) and CJK (3 bytes). */
function messageOfBytes(id: string, bytes: number): TrackMessage {
  const rest = bytes - bytesOf(message(id, { text: '' }));
  const emoji = '😀'.repeat(Math.floor(rest / 8));
  const left = rest - emoji.length * 2;
  const text = emoji + '中'.repeat(Math.floor(left / 3)) + 'a'.repeat(left % 3);
  const built = message(id, { text });
  expect(bytesOf(built)).toBe(bytes);
  return built;
}

/** Everything a send produced, as one string, to search for the key. */
function everything(report: SendReport): string {
  return JSON.stringify(report) + inspect(report, { depth: 10 });
}

function expectNoKey(text: string) {
  expect(text).not.toContain(KEY);
  expect(text).not.toContain(BASIC);
  expect(text).not.toContain(BASIC.replace(/=+$/, ''));
}

let us: SegmentSink;
let eu: SegmentSink;
let client: SegmentClient;
const collected: string[] = [];

beforeAll(async () => {
  us = await startSegmentSink();
  eu = await startSegmentSink();
});
afterAll(async () => {
  await us.close();
  await eu.close();
});
beforeEach(() => {
  us.clear();
  us.reset();
  eu.clear();
  eu.reset();
  client = createSegmentClient({ endpoints: { us: us.url, eu: `${eu.url}/` }, timeoutMs: 2_000 });
});
afterEach(async () => {
  await client.close();
  vi.useRealTimers();
});

async function send(messages: TrackMessage[], extra: { retryCount?: number; signal?: AbortSignal } = {}) {
  const report = await client.send({ writeKey: KEY, region: 'us', messages, ...extra });
  collected.push(everything(report));
  expect(report.results).toHaveLength(messages.length);
  expect(report.results.map((result) => result.messageId)).toEqual(messages.map((m) => m.messageId));
  return report;
}

describe('delivering', () => {
  it('posts a batch with Basic auth, JSON, a User-Agent and sentAt, and reports each message delivered', async () => {
    const report = await send([message('a'), message('b'), message('c')]);
    for (const result of report.results) {
      expect(result.outcome).toEqual({ kind: 'delivered' });
      expect(result.attempt).toMatchObject({ httpStatus: 200, error: null, responseBody: '{"success":true}' });
      expect(Date.parse(result.attempt.at)).not.toBeNaN();
      expect(result.attempt.latencyMs).toBeGreaterThanOrEqual(0);
    }
    // The sink accepts a message only with a write key and files it under the key it decoded from Basic auth.
    const received = us.received(KEY);
    expect(received.map((entry) => entry.message)).toEqual([message('a'), message('b'), message('c')]);
    expect(received[0]!.path).toBe('/v1/batch');
    expect(received[0]!.headers.authorization).toMatch(/^Basic \[redacted/);
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers['user-agent']).toContain(LIBRARY_NAME);
    expect(received[0]!.headers['x-retry-count']).toBeUndefined();
    expect(Date.parse(received[0]!.sentAt!)).not.toBeNaN();
    expect(us.requests).toHaveLength(1);
    expect(eu.count()).toBe(0);
  });

  it('sends the JSON texts it is given as they are, measured in bytes for the 500 KB plan', async () => {
    // Each text is what the caller stored (its own serialization of the message); the client must not
    // serialize the message again, and must measure the text's UTF-8 bytes, not its characters.
    const messages = Array.from({ length: 17 }, (_, i) => messageOfBytes(`j${i}`, 31_000));
    const json = messages.map((m) => JSON.stringify({ ...m, properties: { ...m.properties, stored: true } }));
    const report = await client.send({ writeKey: KEY, region: 'us', messages, json });
    expect(report.results.every((result) => result.outcome.kind === 'delivered')).toBe(true);
    const received = us.received(KEY).map((entry) => entry.message as TrackMessage);
    expect(received.map((m) => [m.messageId, m.properties.stored])).toEqual(messages.map((m) => [m.messageId, true]));
    // 17 × ~31 KB of mostly 3- and 4-byte characters is over 500 KB in bytes: two requests.
    expect(us.requests.map((request) => request.messageCount)).toEqual([16, 1]);
  });

  it('sends the EU region to the EU endpoint', async () => {
    const report = await client.send({ writeKey: KEY, region: 'eu', messages: [message('eu-1')] });
    expect(report.results[0]!.outcome.kind).toBe('delivered');
    expect(eu.messages(KEY)).toEqual([message('eu-1')]);
    expect(us.count()).toBe(0);
  });

  it('sends X-Retry-Count on retries only', async () => {
    await send([message('a')], { retryCount: 3 });
    await send([message('b')], { retryCount: 0 });
    expect(us.received().map((entry) => entry.headers['x-retry-count'])).toEqual(['3', undefined]);
  });

  it('sets sentAt on every attempt', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-27T10:00:00.000Z'));
    await send([message('a')]);
    vi.setSystemTime(new Date('2026-11-27T10:05:00.000Z'));
    await send([message('a')], { retryCount: 1 });
    expect(us.received().map((entry) => entry.sentAt)).toEqual([
      '2026-11-27T10:00:00.000Z',
      '2026-11-27T10:05:00.000Z',
    ]);
  });

  it('uses a custom User-Agent', async () => {
    await client.close();
    client = createSegmentClient({ endpoints: { us: us.url }, userAgent: 'my-host/1.0' });
    await send([message('a')]);
    expect(us.received()[0]!.headers['user-agent']).toBe('my-host/1.0');
  });

  it('reuses keep-alive connections', async () => {
    await client.close();
    client = createSegmentClient({ endpoints: { us: us.url }, connectionsPerOrigin: 1 });
    for (let i = 0; i < 5; i++) await send([message(`m${i}`)]);
    expect(us.count()).toBe(5);
    expect(new Set(us.requests.map((request) => request.remotePort)).size).toBe(1);
  });
});

describe('classifying answers', () => {
  it.each([200, 201, 202, 204])('%i is delivered', async (status) => {
    us.failNext(1, status, status === 204 ? '' : '{"success":true}');
    const [result] = (await send([message('a')])).results;
    expect(result!.outcome).toEqual({ kind: 'delivered' });
    expect(result!.attempt.httpStatus).toBe(status);
  });

  it.each([408, 410, 460, 500, 502, 503, 504, 511])('%i is retried', async (status) => {
    us.failNext(1, status, 'try later');
    const [result] = (await send([message('a')])).results;
    expect(result!.outcome).toEqual({ kind: 'retry', retryAfterMs: null, rateLimited: false });
    expect(result!.attempt).toMatchObject({ httpStatus: status, responseBody: 'try later' });
    expect(result!.attempt.error).toContain(String(status));
  });

  it.each([400, 401, 403, 404, 413, 422, 501, 505])('%i fails with the status and the body', async (status) => {
    us.failNext(1, status, 'Exceed payload limit');
    const [result] = (await send([message('a')])).results;
    expect(result!.outcome.kind).toBe('failed');
    expect(result!.outcome.kind === 'failed' && result!.outcome.reason).toContain(`HTTP ${status}`);
    expect(result!.outcome.kind === 'failed' && result!.outcome.reason).toContain('Exceed payload limit');
    expect(result!.attempt).toMatchObject({ httpStatus: status, responseBody: 'Exceed payload limit' });
  });

  it('429 is retried, rate limited, after the Retry-After seconds', async () => {
    us.rateLimitNext(1, 7);
    const [result] = (await send([message('a')])).results;
    expect(result!.outcome).toEqual({ kind: 'retry', retryAfterMs: 7_000, rateLimited: true });
    expect(result!.attempt.httpStatus).toBe(429);
  });

  it('honours Retry-After on other retryable answers and caps it', async () => {
    us.setBehavior(() => ({ status: 503, body: 'busy', headers: { 'retry-after': '3600' } }));
    const [capped] = (await send([message('a')])).results;
    expect(capped!.outcome).toEqual({ kind: 'retry', retryAfterMs: 300_000, rateLimited: false });

    await client.close();
    client = createSegmentClient({ endpoints: { us: us.url }, retryAfterCapMs: 1_000 });
    const [custom] = (await send([message('a')])).results;
    expect(custom!.outcome).toEqual({ kind: 'retry', retryAfterMs: 1_000, rateLimited: false });
  });

  it('caps the response body in bytes without splitting a character', async () => {
    us.failNext(1, 400, 'x'.repeat(10_000));
    const [ascii] = (await send([message('a')])).results;
    expect(ascii!.attempt.responseBody).toHaveLength(2048);

    us.failNext(1, 400, '中'.repeat(5_000));
    const [cjk] = (await send([message('a')])).results;
    const body = cjk!.attempt.responseBody!;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(2048);
    expect(body).toBe('中'.repeat(682));
    expect(cjk!.outcome.kind === 'failed' && cjk!.outcome.reason.length).toBeLessThan(300);

    await client.close();
    client = createSegmentClient({ endpoints: { us: us.url }, responseBodyLimit: 10 });
    us.failNext(1, 500, 'abcdefghijklmnop');
    expect((await send([message('a')])).results[0]!.attempt.responseBody).toBe('abcdefghij');
  });
});

describe('network trouble', () => {
  it('retries after a timeout when Segment answers too slowly', async () => {
    await client.close();
    client = createSegmentClient({ endpoints: { us: us.url }, timeoutMs: 150 });
    us.latency(5_000);
    const [result] = (await send([message('a')])).results;
    expect(result!.outcome).toEqual({ kind: 'retry', retryAfterMs: null, rateLimited: false });
    expect(result!.attempt).toMatchObject({ httpStatus: null, error: 'Timed out after 150 ms', responseBody: null });
    us.latency(0);
    expect((await send([message('b')])).results[0]!.outcome.kind).toBe('delivered');
  });

  it('retries after a dropped connection', async () => {
    us.dropNext(1);
    const [result] = (await send([message('a')])).results;
    expect(result!.outcome).toEqual({ kind: 'retry', retryAfterMs: null, rateLimited: false });
    expect(result!.attempt.httpStatus).toBeNull();
    expect(result!.attempt.error).toMatch(/^Network error/);
    expect((await send([message('b')])).results[0]!.outcome.kind).toBe('delivered');
  });

  it('retries when nothing listens', async () => {
    const gone = await startSegmentSink();
    const url = gone.url;
    await gone.close();
    await client.close();
    client = createSegmentClient({ endpoints: { us: url } });
    const [result] = (await send([message('a')])).results;
    expect(result!.outcome.kind).toBe('retry');
    expect(result!.attempt.error).toContain('ECONNREFUSED');
  });

  it('cancels through an AbortSignal: the request in flight and the batches not yet sent', async () => {
    us.latency(5_000);
    const controller = new AbortController();
    us.events.once('arrival', () => controller.abort());
    const many = Array.from({ length: 2501 }, (_, i) => message(`m${i}`));
    const report = await send(many, { signal: controller.signal });
    expect(report.results[0]!.attempt).toMatchObject({ httpStatus: null, error: 'Cancelled' });
    expect(report.results[2500]!.attempt).toMatchObject({ httpStatus: null, error: 'Cancelled before sending' });
    for (const result of report.results) expect(result.outcome.kind).toBe('retry');
    expect(us.requests.filter((request) => request.outcome === 'accepted')).toHaveLength(0);
  });

  it('does not send with an already aborted signal', async () => {
    const report = await send([message('a')], { signal: AbortSignal.abort() });
    expect(report.results[0]!.outcome.kind).toBe('retry');
    expect(us.requests).toHaveLength(0);
  });
});

describe('splitting', () => {
  it('splits at 2,500 messages per request and keeps the order', async () => {
    const many = Array.from({ length: 6_001 }, (_, i) => message(`m${i}`));
    const report = await send(many);
    expect(report.results.every((result) => result.outcome.kind === 'delivered')).toBe(true);
    expect(us.requests.map((request) => request.messageCount)).toEqual([2_500, 2_500, 1_001]);
    expect(us.messages().map((received) => received.messageId)).toEqual(many.map((m) => m.messageId));
  });

  it('fills a request to exactly 500 KB in bytes and not one byte more (emoji and CJK)', async () => {
    const limit = 500 * 1024;
    const sentAt = new Date().toISOString();
    const build = (extra: number) => {
      const messages = Array.from({ length: 16 }, (_, i) => messageOfBytes(`m${i}`, 31_000));
      const withoutLast = bytesOf({ batch: [...messages, message('last', { text: '' })], sentAt });
      const lastBytes = bytesOf(message('last', { text: '' })) + (limit - withoutLast) + extra;
      messages.push(messageOfBytes('last', lastBytes));
      return messages;
    };

    const exact = build(0);
    expect(bytesOf({ batch: exact, sentAt })).toBe(limit);
    // Far fewer characters than bytes: a character count would pack many more into one request.
    expect(JSON.stringify({ batch: exact, sentAt }).length).toBeLessThan(limit / 2);
    await send(exact);
    expect(us.requests.map((request) => [request.messageCount, request.bytes])).toEqual([[17, limit]]);

    us.clear();
    const report = await send(build(1));
    expect(us.requests.map((request) => request.messageCount)).toEqual([16, 1]);
    expect(us.requests.every((request) => request.bytes <= limit)).toBe(true);
    expect(report.results.every((result) => result.outcome.kind === 'delivered')).toBe(true);
    expect(us.count()).toBe(17);
  });

  it('packs many near-limit messages into as few requests as fit', async () => {
    const messages = Array.from({ length: 40 }, (_, i) => messageOfBytes(`big${i}`, 32 * 1024));
    const report = await send(messages);
    expect(report.results.every((result) => result.outcome.kind === 'delivered')).toBe(true);
    // 15 messages of 32,768 bytes plus commas and the envelope fit in 512,000 bytes; 16 do not.
    expect(us.requests.map((request) => request.messageCount)).toEqual([15, 15, 10]);
    expect(us.requests.every((request) => request.bytes <= 500 * 1024)).toBe(true);
    expect(us.count()).toBe(40);
  });

  it('fails a message over 32 KB locally, alone, and delivers the others', async () => {
    const tooBig = messageOfBytes('too-big', 32 * 1024 + 1);
    const report = await send([message('a'), tooBig, message('b')]);
    expect(report.results.map((result) => result.outcome.kind)).toEqual(['delivered', 'failed', 'delivered']);
    const failed = report.results[1]!;
    expect(failed.outcome.kind === 'failed' && failed.outcome.reason).toContain(String(32 * 1024 + 1));
    expect(failed.attempt).toMatchObject({ httpStatus: null, latencyMs: 0 });
    expect(us.messages().map((received) => received.messageId)).toEqual(['a', 'b']);
    expect(us.requests).toHaveLength(1);
  });

  it('accepts a message of exactly 32 KB', async () => {
    const [result] = (await send([messageOfBytes('exact', 32 * 1024)])).results;
    expect(result!.outcome.kind).toBe('delivered');
  });
});

describe('bisecting a refused batch', () => {
  it('fails the one message Segment refuses and delivers the others', async () => {
    const messages = Array.from({ length: 8 }, (_, i) => message(`m${i}`));
    // A batch item without `type` makes Segment refuse the whole batch with 400.
    const { type: _type, ...untyped } = message('bad');
    messages.splice(5, 0, untyped as TrackMessage);
    const report = await send(messages);
    const kinds = report.results.map((result) => result.outcome.kind);
    expect(kinds).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'delivered',
      'delivered',
      'failed',
      'delivered',
      'delivered',
      'delivered',
    ]);
    const bad = report.results[5]!;
    expect(bad.attempt.httpStatus).toBe(400);
    expect(bad.outcome.kind === 'failed' && bad.outcome.reason).toContain('HTTP 400');
    expect(us.messages().map((received) => received.messageId)).toEqual(
      messages.filter((m) => m.messageId !== 'bad').map((m) => m.messageId),
    );
    // 9 messages, one bad: 1 + 2 + 2 + 2 requests at most (log2 depth), far fewer than one per message.
    expect(us.requests.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(9)));
  });

  it('isolates two bad messages in different halves', async () => {
    us.setBehavior(({ body }) => (body.includes('"poison"') ? { status: 400, body: 'Bad message' } : undefined));
    const messages = Array.from({ length: 16 }, (_, i) =>
      message(`m${i}`, i === 2 || i === 13 ? { tag: 'poison' } : {}),
    );
    const report = await send(messages);
    report.results.forEach((result, index) => {
      expect(result.outcome.kind).toBe(index === 2 || index === 13 ? 'failed' : 'delivered');
    });
    expect(report.results[2]!.attempt.responseBody).toBe('Bad message');
    expect(us.count()).toBe(14);
  });

  it('does not bisect retryable answers', async () => {
    us.failNext(1, 503, 'down');
    const report = await send([message('a'), message('b'), message('c')]);
    expect(report.results.map((result) => result.outcome.kind)).toEqual(['retry', 'retry', 'retry']);
    expect(us.requests).toHaveLength(1);
  });
});

describe('the write key stays secret', () => {
  it('is redacted from response bodies that echo it', async () => {
    us.setBehavior(({ headers, writeKey }) => ({
      status: 400,
      body: `bad key ${writeKey} / ${String(headers.authorization)} / Basic ${BASIC}`,
    }));
    const report = await send([message('a')]);
    expect(report.results[0]!.attempt.responseBody).toContain('…cdef');
    expectNoKey(everything(report));
  });

  it('is absent from the client object, its errors and every report of this file', async () => {
    const described = [String(client), JSON.stringify(client), inspect(client, { depth: 10, showHidden: true })];
    for (const text of described) expectNoKey(text);
    expect(String(client)).toContain(us.url);

    await expect(client.send({ writeKey: KEY, region: 'mars' as 'us', messages: [message('a')] })).rejects.toSatisfy(
      (error: Error) => !error.message.includes(KEY) && !inspect(error).includes(KEY),
    );
    await client.close();
    await expect(client.send({ writeKey: KEY, region: 'us', messages: [message('a')] })).rejects.toMatchObject({
      code: 'invalid_state',
    });
    const error = await client.send({ writeKey: KEY, region: 'us', messages: [] }).catch((caught: Error) => caught);
    expectNoKey(`${String(error)} ${inspect(error)}`);

    // Every report produced in this file (errors, timeouts, refused and dropped connections, bodies).
    expect(collected.length).toBeGreaterThan(20);
    for (const text of collected) expectNoKey(text);
  });
});

describe('with sendWithRetry', () => {
  it('retries through outages with X-Retry-Count until Segment accepts', async () => {
    us.failNext(1, 503, 'down');
    us.rateLimitNext(1, 0);
    const slept: number[] = [];
    const report = await sendWithRetry(
      client,
      { writeKey: KEY, region: 'us', messages: [message('a'), message('b')] },
      { random: () => 0, sleep: async (ms) => void slept.push(ms) },
    );
    collected.push(JSON.stringify(report));
    expect(report.results.map((result) => [result.outcome.kind, result.attempts.length])).toEqual([
      ['delivered', 3],
      ['delivered', 3],
    ]);
    expect(report.results[0]!.attempts.map((attempt) => attempt.httpStatus)).toEqual([503, 429, 200]);
    expect(slept).toEqual([500, 0]);
    expect(us.requests.map((request) => request.headers['x-retry-count'])).toEqual([undefined, '1', '2']);
    expect(us.messages().map((received) => received.messageId)).toEqual(['a', 'b']);
  });
});

describe('lifecycle', () => {
  it('defaults to Segment’s hosts', async () => {
    const real = createSegmentClient();
    expect(String(real)).toContain('us=https://api.segment.io');
    expect(String(real)).toContain('eu=https://events.eu1.segmentapis.com');
    await real.close();
    const proxied = createSegmentClient({ endpoints: { us: 'http://user:hunter2@proxy.local:8080/segment' } });
    expect(String(proxied)).toContain('us=http://proxy.local:8080/segment');
    expect(JSON.stringify(proxied) + inspect(proxied)).not.toContain('hunter2');
    await proxied.close();
  });

  it('returns an empty report for no messages and closes idempotently', async () => {
    expect((await send([])).results).toEqual([]);
    await client.close();
    await client.close();
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    expect(() => createSegmentClient({ endpoints: { eu: 'not a url' } })).toThrow(
      expect.objectContaining({ code: 'validation_error' }),
    );
    expect(() => createSegmentClient({ endpoints: { us: 'ftp://example.com' } })).toThrow(/region "us"/);
  });

  it('refuses an unknown region as a programmer error', async () => {
    for (const region of ['ap', 'constructor', '__proto__']) {
      await expect(
        client.send({ writeKey: KEY, region: region as 'us', messages: [message('a')] }),
      ).rejects.toMatchObject({
        code: 'validation_error',
      });
    }
  });
});
