/**
 * `@segment-webhook/express-adapter`: the REST API a host backend mounts, as an Express 5 router.
 * Express stays at the edge: the handlers are plain functions, one file builds the router.
 */
export { consoleLogger, problemFor, type RouterLogger, toSegmentWebhookError } from './errors';
export {
  type Catalog,
  type CatalogActivity,
  type CatalogSource,
  createHandlers,
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
export { DEFAULT_BODY_LIMIT, MAX_JSON_DEPTH } from './http';
export { buildOpenApiDocument, type OpenApiOptions } from './openapi';
export {
  createSegmentWebhookRouter,
  type SegmentWebhookRouter,
  type SegmentWebhookRouterBaseOptions,
  type SegmentWebhookRouterOptions,
} from './router';
export { type RouteDefinition, routes } from './routes';
