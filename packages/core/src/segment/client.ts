/**
 * The Segment client for Node: the client logic (`createSegmentClientWith`) over keep-alive undici
 * connections. Every outcome is data (see SEGMENT.md for the rules followed here).
 */
import { Agent } from 'undici';
import { LIBRARY_NAME, LIBRARY_VERSION } from '../contract/payload';
import { createSegmentClientWith, DEFAULT_TIMEOUT_MS, type SegmentTransport } from './client-core';
import type { SegmentClient, SegmentClientOptions } from './types';

export { DEFAULT_RESPONSE_BODY_LIMIT, DEFAULT_TIMEOUT_MS } from './client-core';
/** Default keep-alive connections per origin: 10. */
export const DEFAULT_CONNECTIONS_PER_ORIGIN = 10;

/** Decodes at most `limit` bytes of a response body, never splitting a character. */
async function readCapped(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    // Stop reading a runaway body; undici then discards the connection.
    if (size >= limit) break;
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  return new TextDecoder().decode(bytes, { stream: true });
}

/**
 * Creates a Segment client with one keep-alive connection pool per origin (an undici `Agent`).
 * The client holds no write key: each `send` carries its own, which never appears in an error, an attempt
 * record or the client's `toString()`/JSON/inspect output.
 */
export function createSegmentClient(options: SegmentClientOptions = {}): SegmentClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let agent: Agent | null = null;
  const transport: SegmentTransport = {
    async post(request) {
      agent ??= new Agent({
        connections: options.connectionsPerOrigin ?? DEFAULT_CONNECTIONS_PER_ORIGIN,
        keepAliveTimeout: 30_000,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const response = await agent.request({
        origin: request.origin,
        path: request.path,
        method: 'POST',
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
      const body = await readCapped(response.body, request.responseBodyLimit);
      return { status: response.statusCode, retryAfter: response.headers['retry-after'], body };
    },
    async close() {
      await agent?.close();
    },
  };
  return createSegmentClientWith(transport, options, {
    byteLength: (text) => Buffer.byteLength(text, 'utf8'),
    userAgent: `${LIBRARY_NAME}/${LIBRARY_VERSION} (node ${process.version})`,
  });
}
