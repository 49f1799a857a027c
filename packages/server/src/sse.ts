import type { EventStream } from './handlers';

/** Most bytes a live stream may have waiting for a slow client before it is closed. */
export const MAX_STREAM_BUFFER = 1024 * 1024;

/** What EventSource is told to wait before it reconnects, in ms. */
export const SSE_RETRY_MS = 3000;

/** Headers of the live tail. */
export const EVENT_STREAM_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // Reverse proxies (nginx) buffer responses unless told not to.
  'x-accel-buffering': 'no',
  'x-content-type-options': 'nosniff',
};

/** Options of {@link eventStreamBody}. */
export interface EventStreamOptions {
  /** Interval of the `: heartbeat` comments, in ms. */
  heartbeatMs: number;
  /** Aborts when the client goes (the request's signal); the feed is then stopped. */
  signal?: AbortSignal;
}

/**
 * A feed as a Server-Sent Events byte stream (https://html.spec.whatwg.org/multipage/server-sent-events.html),
 * web-standard only (`ReadableStream`, `TextEncoder`, timers): `retry:` and a `: connected` comment at
 * once, then `id:`/`event:`/`data:` per event and a `: heartbeat` comment every `heartbeatMs`.
 *
 * The feed is stopped, once, when the consumer cancels the stream (the client went and the host's server
 * noticed), when `signal` aborts, or when the client stops reading and more than {@link MAX_STREAM_BUFFER}
 * bytes wait for it (the stream then ends; EventSource reconnects and the UI refetches).
 */
export function eventStreamBody(
  feed: EventStream,
  { heartbeatMs, signal }: EventStreamOptions,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  let close = () => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        close = () => {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          signal?.removeEventListener('abort', close);
          feed.stop();
          try {
            controller.close();
          } catch {
            // Already cancelled by the consumer.
          }
        };
        const send = (text: string) => {
          if (closed) return;
          if ((controller.desiredSize ?? 0) < -MAX_STREAM_BUFFER) {
            close();
            return;
          }
          controller.enqueue(encoder.encode(text));
        };
        send(`retry: ${SSE_RETRY_MS}\n: connected\n\n`);
        heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
        // Node: a stream alone must not keep the process alive. Other runtimes have no unref.
        (heartbeat as { unref?: () => void }).unref?.();
        if (signal?.aborted) {
          close();
          return;
        }
        signal?.addEventListener('abort', close, { once: true });
        let id = 0;
        feed.start((event, data) => {
          id += 1;
          send(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        });
      },
      cancel() {
        close();
      },
    },
    // Counted in bytes, so that `desiredSize` says how much the client has not read yet.
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}
