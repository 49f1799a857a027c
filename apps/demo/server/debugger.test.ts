import type { AddressInfo } from 'node:net';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDebuggerRouter } from './debugger';

const WRITE_KEY = 'wk_demo_0123456789abcd';

async function track(sink: SegmentSink, event: string) {
  const response = await fetch(`${sink.url}/v1/track`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${WRITE_KEY}:`).toString('base64')}`,
    },
    body: JSON.stringify({ type: 'track', event, userId: 'usr_ava', messageId: `m-${event}`, properties: {} }),
  });
  expect(response.status).toBe(200);
}

describe('the debugger feed', () => {
  let sink: SegmentSink;
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let base: string;

  beforeEach(async () => {
    sink = await startSegmentSink();
    const app = express();
    app.use('/debugger', createDebuggerRouter(sink, 'sink'));
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debugger`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await sink.close();
  });

  it('lists what the sink received, newest first, with the write key as a hint only', async () => {
    await track(sink, 'Order placed');
    await track(sink, 'Email opened');
    const response = await fetch(base);
    const text = await response.text();
    expect(text).not.toContain(WRITE_KEY);
    const body = JSON.parse(text) as { mode: string; events: { event: string; source: string; userId: string }[] };
    expect(body.mode).toBe('sink');
    expect(body.events.map((item) => item.event)).toEqual(['Email opened', 'Order placed']);
    expect(body.events[0]).toMatchObject({ source: '…abcd', userId: 'usr_ava', type: 'track' });
  });

  it('streams arrivals as Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    // The first chunk is the greeting comment: the subscription is in place after it.
    expect((await reader.read()).value).toContain(': connected');
    await track(sink, 'Survey completed');
    let received = '';
    while (!received.includes('\n\n')) received += (await reader.read()).value ?? '';
    controller.abort();
    expect(received).toMatch(/^event: message\ndata: /);
    expect(JSON.parse(received.split('data: ')[1]!.trim())).toMatchObject({ event: 'Survey completed' });
    expect(received).not.toContain(WRITE_KEY);
  });

  it('replays what arrived after ?since before going live', async () => {
    await track(sink, 'Order placed');
    await track(sink, 'Email opened');
    const controller = new AbortController();
    const response = await fetch(`${base}/stream?since=1`, { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    while (!received.includes('Email opened')) received += (await reader.read()).value ?? '';
    controller.abort();
    expect(received).not.toContain('Order placed');
  });

  it('clears the record', async () => {
    await track(sink, 'Order placed');
    expect((await fetch(base, { method: 'DELETE' })).status).toBe(204);
    const body = (await (await fetch(base)).json()) as { events: unknown[] };
    expect(body.events).toEqual([]);
  });

  it('says so when Segment is live and there is nothing to show', async () => {
    const app = express();
    app.use('/debugger', createDebuggerRouter(null, 'live'));
    const live = app.listen(0);
    await new Promise((resolve) => live.once('listening', resolve));
    const url = `http://127.0.0.1:${(live.address() as AddressInfo).port}/debugger`;
    expect(await (await fetch(url)).json()).toEqual({ mode: 'live', events: [] });
    expect((await fetch(`${url}/stream`)).status).toBe(404);
    live.closeAllConnections();
    await new Promise((resolve) => live.close(resolve));
  });
});
