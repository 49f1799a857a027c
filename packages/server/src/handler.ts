import { createSegmentWebhookService, type Logger, type SegmentWebhookServiceOptions } from '@segment-webhook/core';
import type { HandlerLogger } from './errors';
import {
  type AdapterHandler,
  type AdapterHandlerOptions,
  createAdapterHandlerWith,
  createSegmentWebhookHandlerWith,
  type SegmentWebhookHandler,
  type SegmentWebhookHandlerOptions,
} from './portable-handler';

export {
  type AdapterHandler,
  type AdapterHandlerOptions,
  type HandleOptions,
  normalizeBasePath,
  notFoundResponse,
  problemResponse,
  type ResolvedAccount,
  type ResolvedActor,
  responseText,
  type SegmentWebhookHandler,
  type SegmentWebhookHandlerCommonOptions,
  type SegmentWebhookHandlerOptions,
  type ServiceSource,
} from './portable-handler';

/**
 * The framework-free core every adapter wraps. Routes by method and path under `basePath`, resolves the
 * account through the adapter's context, reads JSON bodies itself (limits, content type, depth), calls the
 * handlers and turns their result, or any error, into a web `Response`.
 */
export function createAdapterHandler<Context>(options: AdapterHandlerOptions<Context>): AdapterHandler<Context> {
  return createAdapterHandlerWith(options, createService);
}

/**
 * `@segment-webhook/server`'s fetch handler: every route of the REST API under `basePath`, as
 * `(request: Request) => Promise<Response>`, for any host that speaks web-standard requests (Next.js
 * route handlers, Hono, Bun, Deno, `node:http` through `toNodeListener`). Paths and methods that are not a
 * route answer a 404 problem.
 */
export function createSegmentWebhookHandler(options: SegmentWebhookHandlerOptions): SegmentWebhookHandler {
  return createSegmentWebhookHandlerWith(options, createService);
}

/** The Node service (`@segment-webhook/core`) of a handler given a store, a plan, … instead of a service. */
function createService(options: Record<string, unknown>, logger: HandlerLogger & Partial<Logger>) {
  const {
    resolveAccount: _resolveAccount,
    resolveActor: _resolveActor,
    catalog: _catalog,
    bodyLimit: _bodyLimit,
    heartbeatMs: _heartbeatMs,
    handleUnknownRoutes: _handleUnknownRoutes,
    openApi: _openApi,
    logger: _logger,
    basePath: _basePath,
    service: _service,
    ...rest
  } = options;
  const serviceLogger: Logger = {
    info: (details, message) => logger.info?.(details, message),
    warn: (details, message) => logger.warn?.(details, message),
    error: (details, message) => logger.error(details, message),
  };
  return createSegmentWebhookService({
    ...(rest as Omit<SegmentWebhookServiceOptions, 'logger'>),
    logger: serviceLogger,
  });
}
