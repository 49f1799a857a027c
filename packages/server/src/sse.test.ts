import { describe, expect, it } from 'vitest';
import type { EventStream } from './handlers';
import { eventStreamBody, MAX_STREAM_BUFFER } from './sse';

/** A feed the test drives: `emit` sends an event once the stream has started it. */
function testFeed() {
  let emit: ((event: string, data: unknown) => void) | null = null;
  const feed = {
    stops: 0,
    stream: {
      start(next) {
        emit = next;
      },
      stop() {
        feed.stops += 1;
      },
    } satisfies EventStream,
    emit(event: string, data: unknown) {
      if (!emit) throw new Error('not started');
      emit(event, data);
    },
  };
  return feed;
}

async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, done: (text: string) => boolean) {
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  return text;
}

describe('eventStreamBody', () => {
  it('writes retry:, then id:, event: and data: per event, and heartbeats', async () => {
    const feed = testFeed();
    const reader = eventStreamBody(feed.stream, { heartbeatMs: 5 }).getReader();
    feed.emit('delivery', { n: 1 });
    feed.emit('delivery', { n: 2, text: 'a\nb' });
    const text = await readUntil(reader, (t) => t.includes(': heartbeat'));
    expect(text).toMatch(
      /^retry: 3000\n: connected\n\nid: 1\nevent: delivery\ndata: {"n":1}\n\nid: 2\nevent: delivery\ndata: {"n":2,"text":"a\\nb"}\n\n(: heartbeat\n\n)+$/,
    );
    await reader.cancel();
    expect(feed.stops).toBe(1);
  });

  it('stops the feed once when the consumer cancels, and ignores events after', async () => {
    const feed = testFeed();
    const reader = eventStreamBody(feed.stream, { heartbeatMs: 60_000 }).getReader();
    await reader.read();
    await reader.cancel();
    await reader.cancel();
    feed.emit('delivery', { late: true });
    expect(feed.stops).toBe(1);
  });

  it('stops the feed and ends the stream when the request signal aborts, or had aborted', async () => {
    const controller = new AbortController();
    const feed = testFeed();
    const reader = eventStreamBody(feed.stream, { heartbeatMs: 60_000, signal: controller.signal }).getReader();
    await reader.read();
    controller.abort();
    expect(feed.stops).toBe(1);
    expect((await reader.read()).done).toBe(true);

    const gone = testFeed();
    const ended = eventStreamBody(gone.stream, { heartbeatMs: 60_000, signal: AbortSignal.abort() }).getReader();
    expect(gone.stops).toBe(1);
    await readUntil(ended, () => false);
  });

  it('drops a client that stops reading once more than the buffer limit waits for it', async () => {
    const feed = testFeed();
    const reader = eventStreamBody(feed.stream, { heartbeatMs: 60_000 }).getReader();
    const blob = 'x'.repeat(64 * 1024);
    for (let i = 0; i * blob.length <= MAX_STREAM_BUFFER * 2 && feed.stops === 0; i++) feed.emit('delivery', blob);
    expect(feed.stops).toBe(1);
    const text = await readUntil(reader, () => false);
    expect(text.length).toBeGreaterThan(MAX_STREAM_BUFFER);
    expect(text.length).toBeLessThan(MAX_STREAM_BUFFER + 3 * blob.length);
  });
});
