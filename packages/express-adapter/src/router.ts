import {
  createSegmentWebhookService,
  type Logger,
  type SegmentWebhookService,
  type SegmentWebhookServiceOptions,
} from '@segment-webhook/core';
import { SegmentWebhookError } from '@segment-webhook/core/contract';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { consoleLogger, describeUnexpected, problemFor, type RouterLogger, toSegmentWebhookError } from './errors';
import { type CatalogSource, createHandlers, type HandlerResult, type StreamResult } from './handlers';
import { DEFAULT_BODY_LIMIT, parseQueryString, readJsonBody } from './http';
import { buildOpenApiDocument, type OpenApiOptions } from './openapi';
import { routes } from './routes';

/** Options of {@link createSegmentWebhookRouter} besides where the service comes from. */
export interface SegmentWebhookRouterBaseOptions {
  /**
   * The account of a request, from the host's own authentication (session, token…). `null`,
   * `undefined` or `''` answer 401 `unauthorized`; a throw is logged and answered with a 500.
   * Not called for `GET /openapi.json`.
   */
  resolveAccount: (req: Request) => string | null | undefined | Promise<string | null | undefined>;
  /** The host's activities and the fields the fields editor offers, or a function of the account id. */
  catalog: CatalogSource;
  /**
   * Where unexpected errors go (and, when the router creates the service, the service's log). Default
   * {@link consoleLogger}. Request bodies are never logged.
   */
  logger?: RouterLogger & Partial<Logger>;
  /** Largest JSON request body, in bytes. Default 1 MiB (1,048,576). */
  bodyLimit?: number;
  /** Interval of the `: heartbeat` comments on the deliveries stream, in ms. Default 15,000. */
  heartbeatMs?: number;
  /**
   * Answer requests that match no route under the mount point with a 404 problem. Default `true`;
   * set `false` when mounting at the root of an app that has other routes.
   */
  handleUnknownRoutes?: boolean;
  /** `info` and `servers` of `GET /openapi.json`. Defaults: see {@link OpenApiOptions}. */
  openApi?: OpenApiOptions;
}

/**
 * Options of {@link createSegmentWebhookRouter}: either a ready `service` (e.g.
 * `createSegmentWebhookService({store: sqliteStore(...), encryptionKey, plan, endpoints})`), or what it
 * takes to make one (`store`, `encryptionKey`, `plan` — `plan(accountId)` → included outbound streams —,
 * `endpoints`, `retryPolicy`, …: every option of `createSegmentWebhookService`). The router does not
 * deliver: run `createDeliveryWorker` on the same store alongside.
 */
export type SegmentWebhookRouterOptions = SegmentWebhookRouterBaseOptions &
  (
    | {
        service: SegmentWebhookService;
        /** Ignored when `service` is given: the service applies its own plan. */
        plan?: SegmentWebhookServiceOptions['plan'];
      }
    | ({ service?: undefined } & Omit<SegmentWebhookServiceOptions, 'logger'>)
  );

/** The router, with the service it serves (the one given, or the one it created). */
export type SegmentWebhookRouter = Router & { readonly service: SegmentWebhookService };

const PROBLEM_HEADERS = {
  'content-type': 'application/problem+json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/**
 * An Express 5 router with the whole REST API (see the package README for the routes). Mount it
 * behind the host's authentication: `app.use('/api/segment-webhooks', createSegmentWebhookRouter({...}))`.
 * It reads JSON bodies itself (so the host's body parsers are not needed) and answers every error
 * as an RFC 9457 `application/problem+json`.
 */
export function createSegmentWebhookRouter(options: SegmentWebhookRouterOptions): SegmentWebhookRouter {
  const logger = options.logger ?? consoleLogger;
  const service = options.service ?? createService(options, logger);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  let document: unknown;
  const handlers = createHandlers({
    service,
    catalog: options.catalog,
    openApiDocument: () => {
      document ??= buildOpenApiDocument(routes, options.openApi);
      return document;
    },
  });

  const fail = (req: Request, res: Response, thrown: unknown) => {
    const { error, unexpected } = toSegmentWebhookError(thrown);
    if (unexpected) {
      logger.error('segment-webhook: unexpected error', {
        method: req.method,
        path: req.route?.path ?? req.path,
        error: describeUnexpected(error),
      });
    }
    sendProblem(res, error);
  };

  const router = express.Router();
  for (const route of routes) {
    const handler = handlers[route.operationId];
    router[route.method](route.path, async (req: Request, res: Response) => {
      try {
        let accountId = '';
        if (!route.public) {
          const resolved = await options.resolveAccount(req);
          if (typeof resolved !== 'string' || resolved === '') {
            throw new SegmentWebhookError('unauthorized', 'Sign in to use this API.');
          }
          accountId = resolved;
        }
        const body = route.body ? await readJsonBody(req, bodyLimit) : undefined;
        const result = await handler({
          accountId,
          params: req.params as Record<string, string>,
          query: parseQueryString(req.originalUrl),
          body,
        });
        send(req, res, result, heartbeatMs);
      } catch (thrown) {
        fail(req, res, thrown);
      }
    });
  }
  if (options.handleUnknownRoutes ?? true) {
    router.use((_req: Request, res: Response) => {
      sendProblem(res, new SegmentWebhookError('not_found', 'No such route.'));
    });
  }
  // Errors raised by Express itself before a handler runs, e.g. a path parameter that is not valid
  // percent-encoding (a 400 from the router).
  router.use((thrown: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(thrown);
    fail(req, res, thrown);
  });
  return Object.assign(router, { service });
}

function createService(
  options: Omit<SegmentWebhookServiceOptions, 'logger'> & SegmentWebhookRouterBaseOptions,
  logger: RouterLogger & Partial<Logger>,
): SegmentWebhookService {
  const {
    resolveAccount,
    catalog,
    bodyLimit,
    heartbeatMs,
    handleUnknownRoutes,
    openApi,
    logger: _logger,
    ...rest
  } = options;
  const serviceLogger: Logger = {
    info: (message, details) => logger.info?.(message, details),
    warn: (message, details) => logger.warn?.(message, details),
    error: (message, details) => logger.error(message, details),
  };
  return createSegmentWebhookService({ ...rest, logger: serviceLogger });
}

function sendProblem(res: Response, error: SegmentWebhookError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const problem = problemFor(error);
  const headers: Record<string, string> = { ...PROBLEM_HEADERS };
  // A body over the limit may still be arriving; do not keep reading it on this connection.
  if (error.code === 'payload_too_large') headers.connection = 'close';
  // An error that passes (`unavailable`): when to try again.
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  res.writeHead(problem.status, headers).end(JSON.stringify(problem));
}

function send(req: Request, res: Response, result: HandlerResult, heartbeatMs: number): void {
  if ('stream' in result) {
    if (req.method === 'HEAD') {
      // Express answers HEAD with the GET route: no body, so no endless stream either.
      result.stream.stop();
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' }).end();
      return;
    }
    startEventStream(req, res, result, heartbeatMs);
    return;
  }
  if (result.body === undefined) {
    res.writeHead(result.status, { 'cache-control': 'no-store', ...result.headers }).end();
    return;
  }
  res.writeHead(result.status, { ...JSON_HEADERS, ...result.headers }).end(JSON.stringify(result.body));
}

/** Most bytes a live stream may have waiting for a slow client before it is closed. */
const MAX_STREAM_BUFFER = 1024 * 1024;

/** Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
function startEventStream(req: Request, res: Response, result: StreamResult, heartbeatMs: number): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // Reverse proxies (nginx) buffer responses unless told not to.
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.flushHeaders();
  // Tell EventSource to reconnect after 3 s; the comment makes the stream visibly open at once.
  res.write('retry: 3000\n: connected\n\n');
  const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
  heartbeat.unref();
  const close = () => {
    clearInterval(heartbeat);
    result.stream.stop();
    if (!res.writableEnded) res.end();
  };
  // The response's 'close' marks the client leaving (the request's fires when its body is done).
  res.on('close', close);
  res.on('error', close);
  // The client may have left while the subscription was being set up: its 'close' has already fired.
  if (req.socket.destroyed || res.destroyed) close();
  result.stream.start((event, data) => {
    if (res.writableEnded || res.destroyed) return;
    // A client that stopped reading is dropped rather than buffered without bound; EventSource
    // reconnects and the UI refetches the page.
    if (res.writableLength > MAX_STREAM_BUFFER) {
      res.end();
      return;
    }
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  });
}
