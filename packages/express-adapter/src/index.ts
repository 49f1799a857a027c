/**
 * `@segment-webhook/express-adapter`: the REST API a host backend mounts, as an Express 5 router. A bridge
 * to `@segment-webhook/server`'s fetch handler; the names below have always been exported from here.
 */
export {
  buildOpenApiDocument,
  type Catalog,
  type CatalogActivity,
  type CatalogSource,
  consoleLogger,
  createHandlers,
  DEFAULT_BODY_LIMIT,
  type EventStream,
  type Handler,
  type HandlerContext,
  type HandlerDependencies,
  type HandlerResult,
  type Handlers,
  type JsonResult,
  MAX_JSON_DEPTH,
  type OpenApiOptions,
  type OperationId,
  problemFor,
  type RouteDefinition,
  type RouterLogger,
  routes,
  type StreamResult,
  toSegmentWebhookError,
} from '@segment-webhook/server';
export {
  createSegmentWebhookRouter,
  type SegmentWebhookRouter,
  type SegmentWebhookRouterBaseOptions,
  type SegmentWebhookRouterOptions,
} from './router';
