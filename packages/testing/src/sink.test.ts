import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer';
import { EXCEED_PAYLOAD_LIMIT, type SegmentSink, startSegmentSink, writeKeyHint } from './sink';

const KEY = 'wk_live_abcdefgh1234';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

function track(overrides: Record<string, unknown> = {}) {
  return { type: 'track', event: 'Order placed', userId: 'p_1', messageId: 'm_1', properties: {}, ...overrides };
}

async function post(
  sink: SegmentSink,
  path: string,
  body: unknown,
  options: { key?: string | null; contentType?: string; raw?: boolean; signal?: AbortSignal } = {},
) {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/json' };
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) headers.authorization = basic(key);
  const response = await fetch(`${sink.url}${path}`, {
    method: 'POST',
    headers,
    body: options.raw ? (body as string) : JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

/** A string of exactly `bytes` UTF-8 bytes made of 3-byte CJK characters (and ASCII for the rest). */
function cjk(bytes: number): string {
  return '中'.repeat(Math.floor(bytes / 3)) + 'a'.repeat(bytes % 3);
}

let sink: SegmentSink;
beforeEach(async () => {
  sink = await startSegmentSink();
});
afterEach(async () => {
  await sink.close();
});

describe('accepting messages', () => {
  it('listens on 127.0.0.1 on an ephemeral port', () => {
    expect(sink.url).toBe(`http://127.0.0.1:${sink.port}`);
    expect(sink.port).toBeGreaterThan(0);
  });

  it('accepts a batch with Basic auth and records each message per write key', async () => {
    const answer = await post(sink, '/v1/batch', {
      batch: [track({ messageId: 'a' }), track({ messageId: 'b' })],
      sentAt: '2026-11-27T10:00:01.000Z',
    });
    expect(answer).toMatchObject({ status: 200, body: '{"success":true}' });
    const received = sink.received(KEY);
    expect(received.map((entry) => entry.message.messageId)).toEqual(['a', 'b']);
    expect(received[0]).toMatchObject({
      seq: 1,
      writeKey: KEY,
      path: '/v1/batch',
      sentAt: '2026-11-27T10:00:01.000Z',
    });
    expect(Date.parse(received[0]!.receivedAt)).not.toBeNaN();
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.headers.authorization).toBe(`Basic [redacted ${writeKeyHint(KEY)}]`);
    expect(sink.messages(KEY)).toEqual([track({ messageId: 'a' }), track({ messageId: 'b' })]);
    expect(sink.received('other-key-0000')).toEqual([]);
    expect(sink.count()).toBe(2);
    expect(sink.count(KEY)).toBe(2);
    expect(sink.requests).toHaveLength(1);
    expect(sink.requests[0]).toMatchObject({ status: 200, outcome: 'accepted', messageCount: 2, writeKey: KEY });
  });

  it('accepts /v1/track with the write key in the body and does not record the key in the message', async () => {
    const answer = await post(sink, '/v1/track', { ...track(), writeKey: 'body-key-5678' }, { key: null });
    expect(answer.status).toBe(200);
    expect(sink.received('body-key-5678')).toHaveLength(1);
    expect(sink.messages('body-key-5678')[0]).toEqual(track());
    expect(sink.received()[0]!.path).toBe('/v1/track');
  });

  it('keeps messages of different write keys apart', async () => {
    await post(sink, '/v1/batch', { batch: [track()] }, { key: 'key-one-1111' });
    await post(sink, '/v1/batch', { batch: [track(), track()] }, { key: 'key-two-2222' });
    expect(sink.received('key-one-1111')).toHaveLength(1);
    expect(sink.received('key-two-2222')).toHaveLength(2);
    expect(sink.received()).toHaveLength(3);
  });
});

describe('Segment rules', () => {
  it('answers 401 without a write key, and for Basic auth with an empty user name', async () => {
    expect((await post(sink, '/v1/batch', { batch: [track()] }, { key: null })).status).toBe(401);
    expect((await post(sink, '/v1/batch', { batch: [track()] }, { key: '' })).status).toBe(401);
    expect(sink.count()).toBe(0);
    expect(sink.requests.map((request) => request.outcome)).toEqual(['rejected', 'rejected']);
  });

  it('requires Content-Type application/json', async () => {
    const answer = await post(sink, '/v1/batch', { batch: [track()] }, { contentType: 'text/plain' });
    expect(answer.status).toBe(400);
    expect(
      (await post(sink, '/v1/batch', { batch: [track()] }, { contentType: 'application/json; charset=utf-8' })).status,
    ).toBe(200);
  });

  it('answers 400 to malformed JSON and to a body that is not an object', async () => {
    expect((await post(sink, '/v1/batch', '{"batch": [', { raw: true })).status).toBe(400);
    expect((await post(sink, '/v1/track', '[1,2]', { raw: true })).status).toBe(400);
    expect((await post(sink, '/v1/batch', { batch: 'nope' })).status).toBe(400);
    expect(sink.count()).toBe(0);
  });

  it('requires a type on every batch item and refuses the whole batch otherwise', async () => {
    const { type: _type, ...untyped } = track();
    const answer = await post(sink, '/v1/batch', { batch: [track(), untyped] });
    expect(answer.status).toBe(400);
    expect((await post(sink, '/v1/batch', { batch: [track(), 42] })).status).toBe(400);
    expect(sink.count()).toBe(0);
  });

  it('accepts a message of exactly 32 KB and refuses one byte more, counting UTF-8 bytes', async () => {
    const empty = Buffer.byteLength(JSON.stringify(track({ properties: { text: '' } })));
    const exact = track({ properties: { text: cjk(32 * 1024 - empty) } });
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(32 * 1024);
    expect(JSON.stringify(exact).length).toBeLessThan(12 * 1024);
    expect((await post(sink, '/v1/batch', { batch: [exact] })).status).toBe(200);

    const over = track({ properties: { text: `${cjk(32 * 1024 - empty)}a` } });
    const answer = await post(sink, '/v1/batch', { batch: [track({ messageId: 'fine' }), over] });
    expect(answer).toMatchObject({ status: 400, body: EXCEED_PAYLOAD_LIMIT });
    expect(sink.messages().map((message) => message.messageId)).toEqual(['m_1']);
  });

  it('applies the 32 KB limit to the whole body of /v1/track', async () => {
    const answer = await post(sink, '/v1/track', track({ properties: { text: cjk(33 * 1024) } }));
    expect(answer).toMatchObject({ status: 400, body: EXCEED_PAYLOAD_LIMIT });
  });

  it('accepts a request of exactly 500 KB and refuses one byte more', async () => {
    const limit = 500 * 1024;
    const messageBytes = 30 * 1024;
    const message = (text: string) => track({ properties: { text } });
    const itemOverhead = Buffer.byteLength(JSON.stringify(message('')));
    const body = (lastText: string) => {
      const batch = Array.from({ length: 16 }, () => message(cjk(messageBytes - itemOverhead)));
      batch.push(message(lastText));
      return { batch };
    };
    const withoutLast = Buffer.byteLength(JSON.stringify(body('')));
    const rest = limit - withoutLast;
    expect(rest).toBeGreaterThan(0);
    expect(rest).toBeLessThan(32 * 1024 - itemOverhead);
    const exact = body(cjk(rest));
    expect(Buffer.byteLength(JSON.stringify(exact))).toBe(limit);
    expect((await post(sink, '/v1/batch', exact)).status).toBe(200);
    expect(sink.count()).toBe(17);

    const answer = await post(sink, '/v1/batch', body(`${cjk(rest)}a`));
    expect(answer).toMatchObject({ status: 400, body: EXCEED_PAYLOAD_LIMIT });
    expect(sink.count()).toBe(17);
  });

  it('answers 200 to more than 2,500 messages but records nothing, as Segment does', async () => {
    const batch = Array.from({ length: 2501 }, (_, i) => ({ type: 'track', messageId: `m${i}` }));
    const answer = await post(sink, '/v1/batch', { batch });
    expect(answer).toMatchObject({ status: 200, body: '{"success":true}' });
    expect(sink.count()).toBe(0);
    expect(sink.requests[0]).toMatchObject({ outcome: 'discarded', messageCount: 2501 });

    expect((await post(sink, '/v1/batch', { batch: batch.slice(0, 2500) })).status).toBe(200);
    expect(sink.count()).toBe(2500);
  });

  it('answers 404 to other paths and 405 to other methods', async () => {
    expect((await post(sink, '/v1/identify', track())).status).toBe(404);
    expect((await fetch(`${sink.url}/v1/batch`)).status).toBe(405);
  });
});

describe('misbehaving on command', () => {
  it('fails the next n requests with a status and body, then recovers', async () => {
    sink.failNext(2, 503, 'Service Unavailable');
    expect(await post(sink, '/v1/batch', { batch: [track()] })).toMatchObject({
      status: 503,
      body: 'Service Unavailable',
    });
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(503);
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(200);
    expect(sink.count()).toBe(1);
    expect(sink.requests.map((request) => request.outcome)).toEqual(['misbehaved', 'misbehaved', 'accepted']);
  });

  it('rate limits with Retry-After and X-RateLimit-Reset in seconds', async () => {
    sink.rateLimitNext(1, 7);
    const answer = await post(sink, '/v1/batch', { batch: [track()] });
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('7');
    expect(answer.headers.get('x-ratelimit-reset')).toBe('7');
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(200);
  });

  it('drops the connection of the next n requests', async () => {
    sink.dropNext(1);
    await expect(post(sink, '/v1/batch', { batch: [track()] })).rejects.toThrow();
    expect(sink.requests[0]).toMatchObject({ status: null, outcome: 'dropped' });
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(200);
    expect(sink.count()).toBe(1);
  });

  it('delays answers by the configured latency', async () => {
    sink.latency(5_000);
    await expect(post(sink, '/v1/batch', { batch: [track()] }, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    sink.latency(0);
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(200);
  });

  it('applies a custom behaviour and reset() removes every misbehaviour', async () => {
    sink.setBehavior(({ body }) => (body.includes('"bad"') ? { status: 400, body: 'bad message' } : undefined));
    expect((await post(sink, '/v1/batch', { batch: [track({ event: 'bad' })] })).status).toBe(400);
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(200);
    sink.failNext(3, 500);
    sink.latency(10_000);
    sink.reset();
    expect((await post(sink, '/v1/batch', { batch: [track({ event: 'bad' })] })).status).toBe(200);
  });

  it('closes while an answer is delayed', async () => {
    sink.latency(60_000);
    const pending = post(sink, '/v1/batch', { batch: [track()] });
    await new Promise<void>((resolve) => sink.events.once('arrival', () => resolve()));
    await sink.close();
    await expect(pending).rejects.toThrow();
    sink = await startSegmentSink();
  });
});

describe('observing', () => {
  it('waitFor resolves once enough messages arrived and rejects after its timeout', async () => {
    const waiting = sink.waitFor(3, { writeKey: KEY, timeoutMs: 5_000 });
    await post(sink, '/v1/batch', { batch: [track(), track()] });
    await post(sink, '/v1/batch', { batch: [track()] }, { key: 'someone-else-0000' });
    await post(sink, '/v1/batch', { batch: [track()] });
    expect(await waiting).toHaveLength(3);
    await expect(sink.waitFor(10, { timeoutMs: 50 })).rejects.toThrow('4 of 10 messages');
  });

  it('calls onReceive listeners with the accepted messages until unsubscribed', async () => {
    const seen: number[] = [];
    const unsubscribe = sink.onReceive((messages, request) => {
      seen.push(messages.length);
      expect(request.outcome).toBe('accepted');
    });
    await post(sink, '/v1/batch', { batch: [track(), track()] });
    sink.failNext(1, 500);
    await post(sink, '/v1/batch', { batch: [track()] });
    unsubscribe();
    await post(sink, '/v1/batch', { batch: [track()] });
    expect(seen).toEqual([2]);
  });

  it('clear() forgets messages, requests and counts', async () => {
    await post(sink, '/v1/batch', { batch: [track()] });
    sink.clear();
    expect(sink.received()).toEqual([]);
    expect(sink.requests).toEqual([]);
    expect(sink.count()).toBe(0);
    await post(sink, '/v1/batch', { batch: [track()] });
    expect(sink.received()[0]!.seq).toBe(2);
  });

  it('bounds what it records with ring buffers', async () => {
    await sink.close();
    sink = await startSegmentSink({ maxMessages: 3, maxRequests: 2 });
    for (let i = 0; i < 5; i++) await post(sink, '/v1/batch', { batch: [track({ messageId: `m${i}` })] });
    expect(sink.messages().map((message) => message.messageId)).toEqual(['m2', 'm3', 'm4']);
    expect(sink.requests.map((request) => request.id)).toEqual([4, 5]);
    expect(sink.count()).toBe(5);
  });
});

describe('HTTP read and control API', () => {
  it('lists messages since a sequence number with write key hints only, CORS open', async () => {
    await post(sink, '/v1/batch', { batch: [track({ messageId: 'a' }), track({ messageId: 'b' })] });
    const response = await fetch(`${sink.url}/__sink/messages?since=1`);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const text = await response.text();
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(Buffer.from(`${KEY}:`).toString('base64'));
    const page = JSON.parse(text);
    expect(page.last).toBe(2);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ seq: 2, writeKey: '…1234', message: { messageId: 'b' } });

    const requests = await (await fetch(`${sink.url}/__sink/requests`)).text();
    expect(requests).not.toContain(KEY);
    expect(JSON.parse(requests).items[0]).toMatchObject({ id: 1, writeKey: '…1234', status: 200 });
  });

  it('takes misbehaviour commands over HTTP', async () => {
    const command = (path: string, body: unknown) =>
      fetch(`${sink.url}/__sink/${path}`, { method: 'POST', body: JSON.stringify(body) });
    expect((await command('fail', { count: 1, status: 502 })).status).toBe(200);
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(502);
    await command('rate-limit', { count: 1, retryAfterSeconds: 3 });
    expect((await post(sink, '/v1/batch', { batch: [track()] })).headers.get('retry-after')).toBe('3');
    await command('drop', { count: 1 });
    await expect(post(sink, '/v1/batch', { batch: [track()] })).rejects.toThrow();
    await command('fail', { count: 5, status: 500 });
    await command('reset', {});
    expect((await post(sink, '/v1/batch', { batch: [track()] })).status).toBe(200);
    await command('clear', {});
    expect(sink.count()).toBe(0);
    expect((await command('nope', {})).status).toBe(404);
    expect((await fetch(`${sink.url}/__sink/health`)).status).toBe(200);
  });
});

describe('writeKeyHint', () => {
  it('shows at most the last 4 characters', () => {
    expect(writeKeyHint('abcdefgh1234')).toBe('…1234');
    expect(writeKeyHint('short')).toBe('…');
  });
});

describe('RingBuffer', () => {
  it('keeps the newest items in order', () => {
    const buffer = new RingBuffer<number>(3);
    for (let i = 1; i <= 5; i++) buffer.push(i);
    expect(buffer.toArray()).toEqual([3, 4, 5]);
    expect(buffer.size).toBe(3);
    buffer.clear();
    expect(buffer.toArray()).toEqual([]);
    buffer.push(9);
    expect(buffer.toArray()).toEqual([9]);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});
