/**
 * The Segment stand-in in memory: a `fetch` that answers `/v1/track`, `/v1/batch` and `/__sink/*` exactly as
 * the `node:http` sink does (the same `createSinkCore`), for browsers, jsdom and stories — no server, no
 * port. Point a fetch-based Segment client at it (`createFetchSegmentClient({ fetch: sink.fetch,
 * endpoints: { us: sink.url, eu: sink.url } })`). Browser-safe.
 */
import {
  createSinkCore,
  type SinkAnswer,
  type SinkControls,
  type SinkEventName,
  type SinkHeaders,
  sinkAnswer,
  sinkControlsOf,
} from './sink-core';

/** Options of {@link createMemorySegmentSink}. */
export interface MemorySegmentSinkOptions {
  /** The base URL it answers on (any origin; requests are never sent anywhere). Default `https://segment-sink.invalid`. */
  url?: string;
  /** Most messages kept in memory (oldest dropped first). Default 10_000. */
  maxMessages?: number;
  /** Most requests kept in memory (oldest dropped first). Default 1_000. */
  maxRequests?: number;
}

/** A minimal event emitter for the sink's live events (`arrival`, `request`, `receive`). */
export interface SinkEvents {
  on(event: SinkEventName, listener: (...args: never[]) => void): SinkEvents;
  once(event: SinkEventName, listener: (...args: never[]) => void): SinkEvents;
  off(event: SinkEventName, listener: (...args: never[]) => void): SinkEvents;
}

/** An in-memory Segment sink. */
export interface MemorySegmentSink extends SinkControls {
  /** Base URL to use as the client's endpoint for both regions. */
  readonly url: string;
  /**
   * Answers a request as the sink would over HTTP. A commanded drop rejects with a `TypeError` (a network
   * error, as `fetch` reports one); an aborted signal rejects with its reason. Requests to another origin
   * than {@link MemorySegmentSink.url} are answered 404.
   */
  readonly fetch: typeof fetch;
  /** `arrival` ({id, path, receivedAt}), `request` (a {@link ReceivedRequest}), `receive` (messages, request). */
  readonly events: SinkEvents;
  /** Ends pending delayed answers and refuses further requests. */
  close(): Promise<void>;
}

function createEvents(): SinkEvents & { emit(event: SinkEventName, ...args: unknown[]): void } {
  const listeners = new Map<SinkEventName, Set<(...args: unknown[]) => void>>();
  const events = {
    on(event: SinkEventName, listener: (...args: never[]) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (...args: unknown[]) => void);
      listeners.set(event, set);
      return events;
    },
    once(event: SinkEventName, listener: (...args: never[]) => void) {
      const wrapped = (...args: unknown[]) => {
        events.off(event, wrapped);
        (listener as (...args: unknown[]) => void)(...args);
      };
      return events.on(event, wrapped);
    },
    off(event: SinkEventName, listener: (...args: never[]) => void) {
      listeners.get(event)?.delete(listener as (...args: unknown[]) => void);
      return events;
    },
    emit(event: SinkEventName, ...args: unknown[]) {
      for (const listener of [...(listeners.get(event) ?? [])]) listener(...args);
    },
  };
  return events;
}

function toResponse({ status, body, headers }: SinkAnswer): Response {
  // A 204 has no body (the Response constructor refuses one).
  return new Response(status === 204 ? null : body, { status, headers });
}

/** Creates an in-memory Segment sink (see {@link MemorySegmentSink}). */
export function createMemorySegmentSink(options: MemorySegmentSinkOptions = {}): MemorySegmentSink {
  const base = new URL(options.url ?? 'https://segment-sink.invalid');
  const events = createEvents();
  const core = createSinkCore<SinkHeaders>({
    ...(options.maxMessages !== undefined ? { maxMessages: options.maxMessages } : {}),
    ...(options.maxRequests !== undefined ? { maxRequests: options.maxRequests } : {}),
    emit: (event, ...args) => events.emit(event, ...args),
  });
  let closed = false;

  async function handle(request: Request): Promise<Response> {
    if (closed) throw new TypeError('Failed to fetch: the in-memory Segment sink is closed.');
    const url = new URL(request.url);
    if (url.origin !== base.origin) return toResponse(sinkAnswer(404, 'Not found'));
    if (url.pathname.startsWith('/__sink/')) {
      const body = request.method === 'POST' ? await request.text() : '';
      return toResponse(core.handleApi(request.method, url, body));
    }
    if (url.pathname !== '/v1/track' && url.pathname !== '/v1/batch') return toResponse(sinkAnswer(404, 'Not found'));
    if (request.method !== 'POST') return toResponse(sinkAnswer(405, 'Method not allowed'));
    const started = core.begin();
    const text = await request.text();
    const headers: SinkHeaders = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const signal = request.signal;
    const result = await core.handleTracking(started, {
      path: url.pathname,
      headers,
      body: text,
      bytes: new TextEncoder().encode(text).length,
      remotePort: null,
      gone: () => closed || signal.aborted,
    });
    if (result === null) throw signal.aborted ? signal.reason : new TypeError('Failed to fetch: the sink closed.');
    if (result === 'drop') throw new TypeError('Failed to fetch: the Segment sink dropped the connection.');
    const response = toResponse(result);
    queueMicrotask(() => result.sent?.());
    return response;
  }

  const sinkFetch: typeof fetch = (input, init) => {
    let request: Request;
    try {
      request = new Request(input, init);
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = request;
    if (signal.aborted) return Promise.reject(signal.reason);
    // An abort rejects at once, as fetch does; the sink still finishes (and records) nothing for it.
    return new Promise<Response>((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      handle(request).then(
        (response) => {
          signal.removeEventListener('abort', onAbort);
          resolve(response);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  };

  return Object.assign(sinkControlsOf(core), {
    url: base.href.replace(/\/$/, ''),
    fetch: sinkFetch,
    events,
    async close() {
      closed = true;
      core.flushDelays();
    },
  });
}
