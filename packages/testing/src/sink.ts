/**
 * A stand-in for Segment's HTTP Tracking API on 127.0.0.1: `/v1/track` and `/v1/batch` with Segment's
 * rules (see SEGMENT.md), a record of what arrived, and misbehaviour on command. The rules live in
 * `createSinkCore` (shared with the in-memory sink of `@segment-webhook/testing/browser`); this file is the
 * `node:http` transport.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  type ReceivedMessage as CoreReceivedMessage,
  type ReceivedRequest as CoreReceivedRequest,
  type ReceiveListener as CoreReceiveListener,
  type SinkBehavior as CoreSinkBehavior,
  createSinkCore,
  SINK_MAX_REQUEST_BYTES,
  type SinkAnswer,
  type SinkControls,
  type SinkPath,
  sinkAnswer,
  sinkControlsOf,
} from './sink-core';

export {
  EXCEED_PAYLOAD_LIMIT,
  type RequestOutcome,
  SINK_MAX_BATCH_MESSAGES,
  SINK_MAX_MESSAGE_BYTES,
  SINK_MAX_REQUEST_BYTES,
  type SinkBehaviorResult,
  type SinkPath,
  writeKeyHint,
} from './sink-core';

/** Options of {@link startSegmentSink}. */
export interface SegmentSinkOptions {
  /** Port to listen on. Default 0 (an ephemeral port). */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Most messages kept in memory (oldest dropped first). Default 10_000. */
  maxMessages?: number;
  /** Most requests kept in memory (oldest dropped first). Default 1_000. */
  maxRequests?: number;
}

/** One message the sink accepted (headers as Node read them). */
export type ReceivedMessage = CoreReceivedMessage<IncomingHttpHeaders>;
/** One request the sink received on a tracking path. */
export type ReceivedRequest = CoreReceivedRequest<IncomingHttpHeaders>;
/** A custom behaviour, consulted for every tracking request after the queued misbehaviours. */
export type SinkBehavior = CoreSinkBehavior<IncomingHttpHeaders>;
/** Listener of {@link SegmentSink.onReceive}: the messages one request delivered, and the request. */
export type ReceiveListener = CoreReceiveListener<IncomingHttpHeaders>;

/** A running sink. */
export interface SegmentSink extends SinkControls<IncomingHttpHeaders> {
  /** Base URL, e.g. `http://127.0.0.1:41234` (use it as the client's endpoint). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /**
   * Events for live displays: `arrival` ({id, path, receivedAt}: a tracking request was read, before any
   * latency), `request` (a {@link ReceivedRequest} was answered or dropped) and `receive` (messages, request).
   */
  readonly events: EventEmitter;
  /** Stops the server, destroying open connections and pending delayed answers. */
  close(): Promise<void>;
}

/**
 * Starts the sink. Rules, as Segment's tracking API:
 * - `POST /v1/track` (one message) and `POST /v1/batch` (`{batch: [...], sentAt?}`); other tracking paths 404.
 * - `Content-Type: application/json` required, else `400`; malformed JSON or a non-object body `400`.
 * - A write key is required, from `Authorization: Basic base64("<writeKey>:")` or the body's `writeKey`;
 *   without one the sink answers `401` (Segment's own answer is not documented; any key is accepted, as
 *   Segment's edge does not validate keys).
 * - A request over 500 KB, or any message over 32 KB (UTF-8 bytes of its JSON), is answered
 *   `400 Exceed payload limit`; a batch item without a string `type` `400`.
 * - Over 2,500 messages in one batch: `200 {"success":true}` and nothing recorded, as Segment does.
 * - Otherwise `200 {"success":true}` and every message recorded.
 *
 * A small read API for debugger panels (CORS open, write keys shown as hints): `GET /__sink/messages?since=<seq>`,
 * `GET /__sink/requests?since=<id>`, `GET /__sink/health`; and control: `POST /__sink/fail {count, status, body?}`,
 * `/__sink/rate-limit {count, retryAfterSeconds}`, `/__sink/drop {count}`, `/__sink/latency {ms}`,
 * `/__sink/reset`, `/__sink/clear`.
 */
export async function startSegmentSink(options: SegmentSinkOptions = {}): Promise<SegmentSink> {
  const host = options.host ?? '127.0.0.1';
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const core = createSinkCore<IncomingHttpHeaders>({
    ...(options.maxMessages !== undefined ? { maxMessages: options.maxMessages } : {}),
    ...(options.maxRequests !== undefined ? { maxRequests: options.maxRequests } : {}),
    emit: (event, ...args) => events.emit(event, ...args),
    byteLength: (text) => Buffer.byteLength(text, 'utf8'),
    decodeBase64: (value) => Buffer.from(value, 'base64').toString('utf8'),
  });
  const sockets = new Set<Socket>();

  function answer(response: ServerResponse, { status, body, headers, sent }: SinkAnswer) {
    if (response.destroyed || response.socket?.destroyed !== false) return;
    response.writeHead(status, headers);
    response.end(body);
    sent?.();
  }

  function readBody(request: IncomingMessage): Promise<{ text: string; bytes: number }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      request.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        // Keep at most a little over the limit in memory; a larger body is refused whatever it holds.
        if (bytes <= SINK_MAX_REQUEST_BYTES + 1) chunks.push(chunk);
      });
      request.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), bytes }));
      request.on('error', reject);
    });
  }

  async function handleTracking(request: IncomingMessage, response: ServerResponse, path: SinkPath) {
    const started = core.begin();
    const { text, bytes } = await readBody(request);
    const result = await core.handleTracking(started, {
      path,
      headers: request.headers,
      body: text,
      bytes,
      remotePort: request.socket.remotePort ?? null,
      gone: () => response.destroyed || request.socket.destroyed,
    });
    if (result === null) return;
    if (result === 'drop') request.socket.destroy();
    else answer(response, result);
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://sink.local');
    const handle = async () => {
      if (url.pathname.startsWith('/__sink/')) {
        const body = request.method === 'POST' ? (await readBody(request)).text : '';
        return answer(response, core.handleApi(request.method ?? 'GET', url, body));
      }
      if (url.pathname === '/v1/track' || url.pathname === '/v1/batch') {
        if (request.method !== 'POST') return answer(response, sinkAnswer(405, 'Method not allowed'));
        return handleTracking(request, response, url.pathname);
      }
      return answer(response, sinkAnswer(404, 'Not found'));
    };
    handle().catch(() => {
      if (!response.headersSent) answer(response, sinkAnswer(500, 'Sink error'));
      else response.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  const sink: SegmentSink = Object.assign(sinkControlsOf(core), {
    url: `http://${urlHost}:${port}`,
    port,
    host,
    events,
    close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      core.flushDelays();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
  return sink;
}
