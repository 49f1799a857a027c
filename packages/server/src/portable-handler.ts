/**
 * The fetch handler without a way to make a service: every part of `createSegmentWebhookHandler` that runs in
 * any runtime (browsers and jsdom included). `handler.ts` adds the Node service a handler makes when it is
 * given a store instead of a service; `browser.ts` takes a ready service (e.g. the browser-safe one of
 * `@segment-webhook/core/browser`). Imports nothing of `@segment-webhook/core` but types.
 */
import type { Logger, SegmentWebhookService, SegmentWebhookServiceOptions } from '@segment-webhook/core';
import { SegmentWebhookError } from '@segment-webhook/core/contract';
import {
  consoleLogger,
  describeUnexpected,
  type HandlerLogger,
  problemFor,
  retryAfterOf,
  toSegmentWebhookError,
} from './errors';
import { type CatalogSource, createHandlers, type HandlerResult } from './handlers';
import { DEFAULT_BODY_LIMIT, parseQueryString, readJsonBody } from './http';
import { buildOpenApiDocument, type OpenApiOptions } from './openapi';
import { matchRoute, routes } from './routes';
import { EVENT_STREAM_HEADERS, eventStreamBody } from './sse';

/** What `resolveAccount` may answer: an account id, or nothing (→ 401). */
export type ResolvedAccount = string | null | undefined;

/** What `resolveActor` may answer: the person's name as the settings history shows it, or nothing (null). */
export type ResolvedActor = string | null | undefined;

/** Options shared by the fetch handler and every adapter, besides how the account is resolved. */
export interface SegmentWebhookHandlerCommonOptions {
  /** The host's activities and the fields the fields editor offers, or a function of the account id. */
  catalog: CatalogSource;
  /**
   * Where unexpected errors go (and, when the handler creates the service, the service's log). Default
   * {@link consoleLogger}. Request bodies are never logged.
   */
  logger?: (HandlerLogger & Partial<Logger>) | undefined;
  /** Largest JSON request body, in bytes. Default 1 MiB (1,048,576). */
  bodyLimit?: number | undefined;
  /** Interval of the `: heartbeat` comments on the deliveries stream, in ms. Default 15,000. */
  heartbeatMs?: number | undefined;
  /** `info` and `servers` of `GET /openapi.json`. Defaults: see {@link OpenApiOptions}. */
  openApi?: OpenApiOptions | undefined;
}

/**
 * Where the service comes from: either a ready `service` (e.g. the one of `createSegmentWebhooks`), or
 * what it takes to make one (`store`, `encryptionKey`, `plan`, `endpoints`, `retryPolicy`, …: every
 * option of `createSegmentWebhookService`). The handler does not deliver: run a delivery worker on the
 * same store alongside.
 */
export type ServiceSource =
  | {
      service: SegmentWebhookService;
      /** Ignored when `service` is given: the service applies its own plan. */
      plan?: SegmentWebhookServiceOptions['plan'] | undefined;
    }
  | ({ service?: undefined } & Omit<SegmentWebhookServiceOptions, 'logger'>);

/** Options of {@link createSegmentWebhookHandler}. */
export type SegmentWebhookHandlerOptions = SegmentWebhookHandlerCommonOptions &
  ServiceSource & {
    /**
     * The path the API is served under: `/api/segment-webhooks` serves `GET /api/segment-webhooks/webhooks`.
     * Default `/api/segment-webhooks`; `''` for the root.
     */
    basePath?: string | undefined;
    /**
     * The account of a request, from the host's own authentication (session cookie, token…). `null`,
     * `undefined` or `''` answer 401 `unauthorized`; a throw is logged and answered with a 500. Not called
     * for `GET /openapi.json`.
     */
    resolveAccount: (request: Request) => ResolvedAccount | Promise<ResolvedAccount>;
    /**
     * Who makes a request that changes a webhook's settings, as the settings history names them (e.g. the
     * host's current user's name). Called only for those requests; absent, or answering nothing, records
     * `actor: null`. A throw is logged and answered with a 500.
     */
    resolveActor?: ((request: Request) => ResolvedActor | Promise<ResolvedActor>) | undefined;
  };

/** The fetch handler: `(request) => Promise<Response>`, with the service it serves. */
export interface SegmentWebhookHandler {
  (request: Request): Promise<Response>;
  /** The service (the one given, or the one the handler created). */
  readonly service: SegmentWebhookService;
  /** The normalised base path (`/api/segment-webhooks`, or `''` for the root). */
  readonly basePath: string;
}

/** Options of {@link createAdapterHandler}: like the handler's, with a `resolveAccount` of the adapter's context. */
export type AdapterHandlerOptions<Context> = SegmentWebhookHandlerCommonOptions &
  ServiceSource & {
    /** See {@link SegmentWebhookHandlerOptions.basePath}. Default `''`. */
    basePath?: string | undefined;
    /** Receives the web request and the framework's own request object (e.g. Express's `req`). */
    resolveAccount: (request: Request, context: Context) => ResolvedAccount | Promise<ResolvedAccount>;
    /** See {@link SegmentWebhookHandlerOptions.resolveActor}; also receives the framework's request object. */
    resolveActor?: ((request: Request, context: Context) => ResolvedActor | Promise<ResolvedActor>) | undefined;
  };

/** Per-request options of {@link AdapterHandler.handle}. */
export interface HandleOptions {
  /**
   * The path the API is mounted at as the client sees it, for the OpenAPI document's `servers` (e.g.
   * Express's `req.baseUrl`). Default: the base path.
   */
  mountPath?: string | undefined;
}

/** The request handler an adapter wraps. */
export interface AdapterHandler<Context> {
  /** The service (the one given, or the one the handler created). */
  readonly service: SegmentWebhookService;
  /** The normalised base path. */
  readonly basePath: string;
  /**
   * Answers `request` when its path (under the base path) and method are a route of the API, else
   * resolves `null` so the adapter can pass the request on (or answer {@link notFoundResponse}). Never
   * rejects: every failure is a problem+json response.
   */
  handle(request: Request, context: Context, options?: HandleOptions): Promise<Response | null>;
}

/**
 * The text of the JSON responses this handler made, so that a Node bridge can write it as it is instead of
 * reading the `Response` body stream back (a measurable share of a small request's cost).
 */
const bodyTexts = new WeakMap<Response, string>();

/** The text of a JSON or problem response made by the handler, if `response` is one. */
export function responseText(response: Response): string | undefined {
  return bodyTexts.get(response);
}

function textResponse(text: string, status: number, headers: Record<string, string>): Response {
  const response = new Response(text, { status, headers });
  bodyTexts.set(response, text);
  return response;
}

const NO_STORE = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
const PROBLEM_HEADERS = { 'content-type': 'application/problem+json; charset=utf-8', ...NO_STORE };
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', ...NO_STORE };

/**
 * The RFC 9457 response for an error: `application/problem+json`, `Retry-After` when the error carries one
 * (see {@link retryAfterOf}), and `Connection: close` for a 413 (the rest of the body is not read).
 */
export function problemResponse(error: SegmentWebhookError): Response {
  const problem = problemFor(error);
  const headers: Record<string, string> = { ...PROBLEM_HEADERS };
  const retryAfter = retryAfterOf(error);
  if (retryAfter !== null) headers['retry-after'] = retryAfter;
  if (error.code === 'payload_too_large') headers.connection = 'close';
  return textResponse(JSON.stringify(problem), problem.status, headers);
}

/** The 404 problem for a path or method that is not a route of the API. */
export function notFoundResponse(): Response {
  return problemResponse(new SegmentWebhookError('not_found', 'No such route.'));
}

/** Normalises a base path: a leading slash, no trailing slash, `''` for the root. */
export function normalizeBasePath(basePath: string): string {
  const trimmed = basePath.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Makes the service of a handler that was given what it takes to make one instead of a `service`. */
export type ServiceFactory = (
  options: Record<string, unknown>,
  logger: HandlerLogger & Partial<Logger>,
) => SegmentWebhookService;

/**
 * The framework-free core every adapter wraps (see `createAdapterHandler`), with the platform's way of
 * making a service when none is given. Routes by method and path under `basePath`, resolves the account
 * through the adapter's context, reads JSON bodies itself (limits, content type, depth), calls the handlers
 * and turns their result, or any error, into a web `Response`.
 */
export function createAdapterHandlerWith<Context>(
  options: AdapterHandlerOptions<Context>,
  makeService: ServiceFactory,
): AdapterHandler<Context> {
  const logger = options.logger ?? consoleLogger;
  const service = options.service ?? makeService(options as unknown as Record<string, unknown>, logger);
  const basePath = normalizeBasePath(options.basePath ?? '');
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const documents = new Map<string, unknown>();
  const handlers = createHandlers({
    service,
    catalog: options.catalog,
    openApiDocument: (mountPath) => {
      let document = documents.get(mountPath);
      if (document === undefined) {
        document = buildOpenApiDocument(routes, {
          ...options.openApi,
          serverUrl: options.openApi?.serverUrl ?? mountPath,
        });
        // A handful of mount paths at most; never grow without bound on hostile input.
        if (documents.size < 16) documents.set(mountPath, document);
      }
      return document;
    },
  });

  async function handle(request: Request, context: Context, handleOptions?: HandleOptions): Promise<Response | null> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return null;
    }
    const path = url.pathname;
    if (basePath !== '' && path !== basePath && !path.startsWith(`${basePath}/`)) return null;
    const relative = path.slice(basePath.length) || '/';
    try {
      const match = matchRoute(request.method, relative);
      if (!match) return null;
      const { route, params } = match;
      let accountId = '';
      if (!route.public) {
        const resolved = await options.resolveAccount(request, context);
        if (typeof resolved !== 'string' || resolved === '') {
          throw new SegmentWebhookError('unauthorized', 'Sign in to use this API.');
        }
        accountId = resolved;
      }
      const body = route.body ? await readJsonBody(request, bodyLimit) : undefined;
      const { resolveActor } = options;
      const result = await handlers[route.operationId]({
        accountId,
        params,
        query: parseQueryString(url.search),
        body,
        basePath: handleOptions?.mountPath ?? basePath,
        actor: async () => {
          const actor = resolveActor ? await resolveActor(request, context) : null;
          return typeof actor === 'string' && actor !== '' ? actor.slice(0, 200) : null;
        },
      });
      return toResponse(request, result, heartbeatMs, (error) =>
        logger.error(
          { method: request.method, path: relative, error: describeUnexpected(toSegmentWebhookError(error).error) },
          'segment-webhook: an export failed while streaming',
        ),
      );
    } catch (thrown) {
      const { error, unexpected } = toSegmentWebhookError(thrown);
      if (unexpected) {
        logger.error(
          { method: request.method, path: relative, error: describeUnexpected(error) },
          'segment-webhook: unexpected error',
        );
      }
      return problemResponse(error);
    }
  }

  return { service, basePath, handle };
}

/** `createSegmentWebhookHandler` with the platform's way of making a service when none is given. */
export function createSegmentWebhookHandlerWith(
  options: SegmentWebhookHandlerOptions,
  makeService: ServiceFactory,
): SegmentWebhookHandler {
  const { resolveAccount, resolveActor, basePath = '/api/segment-webhooks' } = options;
  const core = createAdapterHandlerWith<undefined>(
    {
      ...options,
      basePath,
      resolveAccount: (request) => resolveAccount(request),
      resolveActor: resolveActor ? (request) => resolveActor(request) : undefined,
    },
    makeService,
  );
  const handler = async (request: Request) => (await core.handle(request, undefined)) ?? notFoundResponse();
  return Object.assign(handler, { service: core.service, basePath: core.basePath });
}

/**
 * A byte stream of text chunks, read one chunk per pull (so a slow client holds back the producer), that
 * stops the producer when cancelled and reports a failure before erroring.
 */
function textStream(chunks: AsyncIterable<string>, onError: (error: unknown) => void): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const { value, done } = await iterator.next();
            if (done) {
              controller.close();
              return;
            }
            if (value.length > 0) {
              controller.enqueue(encoder.encode(value));
              return;
            }
          }
        } catch (error) {
          onError(error);
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

function toResponse(
  request: Request,
  result: HandlerResult,
  heartbeatMs: number,
  onStreamError: (error: unknown) => void,
): Response {
  const head = request.method.toUpperCase() === 'HEAD';
  if ('download' in result) {
    const { filename, contentType, body } = result.download;
    const headers = {
      'content-type': contentType,
      'content-disposition': `attachment; filename="${filename}"`,
      ...NO_STORE,
    };
    if (head) {
      void body[Symbol.asyncIterator]().return?.();
      return new Response(null, { status: 200, headers });
    }
    return new Response(textStream(body, onStreamError), { status: 200, headers });
  }
  if ('stream' in result) {
    if (head) {
      // HEAD is answered as GET without a body: no endless stream either.
      result.stream.stop();
      return new Response(null, { status: 200, headers: EVENT_STREAM_HEADERS });
    }
    const body = eventStreamBody(result.stream, { heartbeatMs, signal: request.signal });
    return new Response(body, { status: 200, headers: EVENT_STREAM_HEADERS });
  }
  if (result.body === undefined) {
    return new Response(null, { status: result.status, headers: { 'cache-control': 'no-store', ...result.headers } });
  }
  const headers = { ...JSON_HEADERS, ...result.headers };
  if (head) return new Response(null, { status: result.status, headers });
  return textResponse(JSON.stringify(result.body), result.status, headers);
}
