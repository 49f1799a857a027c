/**
 * `@segment-webhook/server/node`: the bridge between Node's `node:http` objects and the fetch handler,
 * used by the Express and Fastify adapters and by plain `node:http` hosts. The fetch handler itself needs
 * none of it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SegmentWebhookError } from '@segment-webhook/core/contract';
import { problemResponse, responseText } from './portable-handler';

/** Options of {@link toWebRequest}. */
export interface ToWebRequestOptions {
  /** The path and query of the request (default `req.url`), e.g. relative to a framework's mount point. */
  url?: string | undefined;
  /**
   * A body a framework already read and parsed (e.g. by `express.json()`): the stream is consumed, so
   * the value is passed on as JSON. `undefined`: the body is read from the stream.
   */
  parsedBody?: unknown;
}

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * A web `Request` for a Node request. Its body streams from `req` (with backpressure, never buffered
 * here); cancelling it stops reading, so that a 413 can be answered without draining a huge body. Its
 * `signal` aborts when the client goes before the response has finished (the live tail then stops).
 */
export function toWebRequest(req: IncomingMessage, res: ServerResponse, options: ToWebRequestOptions = {}): Request {
  const host = req.headers.host !== undefined && HOST.test(req.headers.host) ? req.headers.host : 'localhost';
  const protocol = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const target = options.url ?? req.url ?? '/';
  // Concatenated, not resolved: a path starting with `//` must stay a path, not become a host.
  const url = `${protocol}://${host}${target.startsWith('/') ? target : `/${target}`}`;

  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    } catch {
      // A header the fetch API cannot hold; the kit reads none of those.
    }
  }

  const method = (req.method ?? 'GET').toUpperCase();
  // Only a GET can become a long-lived response (the live tail): only it needs to know when the client goes.
  let signal: AbortSignal | undefined;
  if (method === 'GET') {
    const controller = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    signal = controller.signal;
  }

  let body: ReadableStream<Uint8Array> | string | null = null;
  if (method !== 'GET' && method !== 'HEAD') {
    if (options.parsedBody !== undefined) {
      body = JSON.stringify(options.parsedBody);
      headers.set('content-type', 'application/json');
      headers.delete('content-encoding');
      headers.set('content-length', String(new TextEncoder().encode(body).byteLength));
    } else if (hasBody(req)) {
      body = bodyStream(req);
    }
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (signal) init.signal = signal;
  if (body !== null) {
    init.body = body;
    init.duplex = 'half';
  }
  return new Request(url, init);
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * The body of `req` as a byte stream that reads only on demand: until the handler reads, Node may still
 * discard an unread body itself (a route without a body, a refused content type), so a keep-alive
 * connection stays in step. Each read resumes `req` for one chunk; cancelling stops reading.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let attached = false;
  let detach = () => {};
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!attached) {
          attached = true;
          const onData = (chunk: Uint8Array) => {
            req.pause();
            controller.enqueue(chunk);
          };
          const onEnd = () => {
            detach();
            controller.close();
          };
          const onError = () => {
            detach();
            controller.error(new Error('The request body could not be read.'));
          };
          const onClose = () => {
            if (req.complete) return;
            detach();
            controller.error(new Error('The request was aborted.'));
          };
          detach = () => {
            req.off('data', onData);
            req.off('end', onEnd);
            req.off('error', onError);
            req.off('close', onClose);
          };
          req.on('data', onData);
          req.on('end', onEnd);
          req.on('error', onError);
          req.on('close', onClose);
        }
        req.resume();
      },
      cancel() {
        // Stop reading; after a 413 the response closes the connection (`Connection: close`).
        detach();
        req.pause();
      },
    },
    // Nothing is read ahead of the handler.
    { highWaterMark: 0 },
  );
}

/**
 * Writes a web `Response` to a Node response: status, headers (`Set-Cookie` kept apart), then the body.
 * The handler's JSON answers are written in one piece with their `Content-Length`; any other body (the live
 * tail's Server-Sent Events, an export) is streamed with backpressure and cancelled when the client goes.
 */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  if (res.headersSent || res.destroyed) {
    await response.body?.cancel().catch(() => {});
    if (!res.writableEnded) res.end();
    return;
  }
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;

  const text = responseText(response);
  if (text !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(response.status, headers);
    res.end(text);
    return;
  }
  if (!response.body) {
    res.writeHead(response.status, headers);
    res.end();
    return;
  }

  res.writeHead(response.status, headers);
  res.flushHeaders();
  const reader = response.body.getReader();
  const cancel = () => {
    reader.cancel().catch(() => {});
  };
  res.once('close', cancel);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value)) await drained(res);
    }
  } catch {
    // The stream failed (an export whose store went away): cut the connection, so the client sees an
    // incomplete response rather than a file that looks whole.
    res.destroy();
  } finally {
    res.off('close', cancel);
    if (!res.writableEnded && !res.destroyed) res.end();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * A `node:http` request listener for a fetch handler: `http.createServer(toNodeListener(handler))`. A
 * handler that throws gets a bare 500 (the kit's handler never throws: its errors are problem responses).
 */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    let request: Request;
    try {
      request = toWebRequest(req, res);
    } catch {
      await sendWebResponse(res, unreadableRequestResponse());
      return;
    }
    let response: Response;
    try {
      response = await handler(request);
    } catch {
      response = new Response(null, { status: 500 });
    }
    await sendWebResponse(res, response);
  };
}

/** The 400 problem for a request the fetch API cannot represent (e.g. a URL it refuses). */
export function unreadableRequestResponse(): Response {
  return problemResponse(new SegmentWebhookError('validation_error', 'The request URL or headers are invalid.'));
}
