/**
 * The Segment client over a `fetch` function: the same client logic as the Node client (splitting,
 * bisecting, classifying, `Retry-After`), for browsers, workers and in-memory Segment stand-ins.
 * Browser-safe.
 */
import { createSegmentClientWith, type SegmentTransport } from './client-core';
import type { SegmentClient, SegmentClientOptions } from './types';

/** Options of {@link createFetchSegmentClient}. */
export interface FetchSegmentClientOptions extends Omit<SegmentClientOptions, 'connectionsPerOrigin'> {
  /** The fetch to send with (an in-memory sink's `fetch`, or the platform's). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** Reads at most `limit` bytes of a body, never splitting a character; stops reading a runaway body. */
async function readCapped(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
    if (offset >= bytes.length) break;
  }
  return new TextDecoder().decode(bytes, { stream: true });
}

/**
 * Creates a Segment client that sends with `fetch` (see `SegmentClient` for what `send` does). Timeouts
 * and cancellation abort the fetch; a rejected fetch is a network error (`retry`).
 */
export function createFetchSegmentClient(options: FetchSegmentClientOptions = {}): SegmentClient {
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const transport: SegmentTransport = {
    async post(request) {
      const response = await doFetch(`${request.origin}${request.path}`, {
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
      const body = await readCapped(response, request.responseBodyLimit);
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
    },
  };
  return createSegmentClientWith(transport, options);
}
