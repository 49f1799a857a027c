import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySegmentSink } from './memory-sink';
import { startSegmentSink } from './sink';
import type { SinkControls } from './sink-core';

const KEY = 'wk_parity_12345678';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

interface Subject {
  sink: SinkControls & { close(): Promise<void> };
  post(path: string, init: RequestInit): Promise<Response>;
}

/** The same scenarios on the node:http sink (over real HTTP) and the in-memory one (its fetch). */
const subjects: [string, () => Promise<Subject>][] = [
  [
    'node:http sink',
    async () => {
      const sink = await startSegmentSink();
      return { sink, post: (path, init) => fetch(`${sink.url}${path}`, init) };
    },
  ],
  [
    'in-memory sink',
    async () => {
      const sink = createMemorySegmentSink();
      return { sink, post: (path, init) => sink.fetch(`${sink.url}${path}`, init) };
    },
  ],
];

describe.each(subjects)('%s', (_name, make) => {
  let subject: Subject;
  afterEach(async () => {
    await subject?.sink.close();
  });

  const batch = (body: unknown, headers: Record<string, string> = {}) =>
    subject.post('/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(KEY), ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('accepts a batch and records its messages with the key redacted', async () => {
    subject = await make();
    const response = await batch({
      batch: [
        { type: 'track', event: 'A' },
        { type: 'track', event: 'B' },
      ],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true });
    const received = await subject.sink.waitFor(2, { writeKey: KEY });
    expect(received.map((m) => m.message.event)).toEqual(['A', 'B']);
    expect(received[0]!.headers.authorization).toBe('Basic [redacted …5678]');
    expect(subject.sink.requests.map((r) => [r.status, r.outcome, r.messageCount])).toEqual([[200, 'accepted', 2]]);
  });

  it('applies Segment’s rules', async () => {
    subject = await make();
    const answers: [number, string][] = [];
    const record = async (response: Promise<Response>) => {
      const r = await response;
      answers.push([r.status, await r.text()]);
    };
    await record(batch({ batch: [{ type: 'track' }] }, { authorization: '' }));
    await record(batch({ batch: [{ type: 'track' }] }, { 'content-type': 'text/plain' }));
    await record(batch({ batch: [{ event: 'no type' }] }));
    await record(batch({ batch: [{ type: 'track', big: 'x'.repeat(33 * 1024) }] }));
    await record(batch({ batch: Array.from({ length: 2501 }, () => ({ type: 'track' })) }));
    await record(batch('{not json'));
    expect(answers).toEqual([
      [401, 'Missing write key: use Basic auth or a writeKey in the body'],
      [400, 'Content-Type must be application/json'],
      [400, 'Every batch item needs a type'],
      [400, 'Exceed payload limit'],
      [200, '{"success":true}'],
      [400, 'Invalid JSON'],
    ]);
    expect(subject.sink.requests.map((r) => r.outcome)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'discarded',
      'rejected',
    ]);
    expect(subject.sink.count()).toBe(0);
  });

  it('fails, rate-limits, drops and answers slowly on command', async () => {
    subject = await make();
    const one = { batch: [{ type: 'track' }] };
    subject.sink.failNext(1, 503);
    subject.sink.rateLimitNext(1, 7);
    subject.sink.dropNext(1);
    expect((await batch(one)).status).toBe(503);
    const limited = await batch(one);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
    await expect(batch(one)).rejects.toThrow(TypeError);
    subject.sink.setBehavior(({ body }) => (body.includes('"refuse"') ? { status: 400, body: 'refused' } : undefined));
    expect((await batch({ batch: [{ type: 'track', refuse: true }] })).status).toBe(400);
    subject.sink.reset();
    subject.sink.latency(5_000);
    const controller = new AbortController();
    const slow = batch(one, {});
    const aborted = subject.post('/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(KEY) },
      body: JSON.stringify(one),
      signal: controller.signal,
    });
    controller.abort();
    await expect(aborted).rejects.toThrow();
    subject.sink.latency(0);
    await subject.sink.close();
    // Closing ends the delayed answer at once.
    await slow.then(
      (response) => expect(response.status).toBe(200),
      (error: unknown) => expect(error).toBeInstanceOf(Error),
    );
    expect(subject.sink.requests.map((r) => r.outcome).slice(0, 4)).toEqual([
      'misbehaved',
      'misbehaved',
      'dropped',
      'misbehaved',
    ]);
  });

  it('serves the read API with write-key hints', async () => {
    subject = await make();
    await batch({ batch: [{ type: 'track', event: 'A' }] });
    const response = await subject.post('/__sink/messages?since=0', { method: 'GET' });
    const body = (await response.json()) as { items: { writeKey: string; message: { event: string } }[] };
    expect(body.items.map((m) => [m.writeKey, m.message.event])).toEqual([['…5678', 'A']]);
    expect((await subject.post('/__sink/fail', { method: 'POST', body: '{"count":1,"status":500}' })).status).toBe(200);
    expect((await batch({ batch: [{ type: 'track' }] })).status).toBe(500);
  });
});
