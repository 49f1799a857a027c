/**
 * `@segment-webhook/server`: the Segment webhook kit's REST API as one framework-free fetch handler,
 * `(request: Request) => Promise<Response>`, built on web-standard `Request`, `Response` and
 * `ReadableStream` only. Adapters (Express, Fastify) and hosts that speak fetch (Next.js, Hono, Bun,
 * Deno) wrap it; `@segment-webhook/server/node` bridges `node:http`.
 */
export {
  consoleLogger,
  type HandlerLogger,
  problemFor,
  type RouterLogger,
  retryAfterOf,
  toSegmentWebhookError,
} from './errors';
export {
  type AdapterHandler,
  type AdapterHandlerOptions,
  createAdapterHandler,
  createSegmentWebhookHandler,
  type HandleOptions,
  normalizeBasePath,
  notFoundResponse,
  problemResponse,
  type ResolvedAccount,
  type ResolvedActor,
  type SegmentWebhookHandler,
  type SegmentWebhookHandlerCommonOptions,
  type SegmentWebhookHandlerOptions,
  type ServiceSource,
} from './handler';
export {
  type Catalog,
  type CatalogActivity,
  type CatalogSource,
  createHandlers,
  type DownloadResult,
  type EventStream,
  type Handler,
  type HandlerContext,
  type HandlerDependencies,
  type HandlerResult,
  type Handlers,
  type JsonResult,
  type OperationId,
  type StreamResult,
} from './handlers';
export {
  createHealthHandlers,
  DEFAULT_HEALTH_TIMEOUT_MS,
  DEFAULT_MAX_TICK_AGE_MS,
  type HealthHandlerOptions,
  type HealthHandlers,
  type NotReadyReason,
  type ReadinessReport,
} from './health';
export { DEFAULT_BODY_LIMIT, MAX_JSON_DEPTH, parseQueryString, readJsonBody } from './http';
export { buildOpenApiDocument, type OpenApiOptions } from './openapi';
export { matchRoute, type RouteDefinition, type RouteMatch, routes } from './routes';
export { eventStreamBody, MAX_STREAM_BUFFER } from './sse';
