/**
 * `@segment-webhook/server/browser`: the same fetch handler as `@segment-webhook/server`'s, for runtimes
 * without Node (browsers, jsdom, web workers), given a ready service — e.g. the browser-safe service of
 * `@segment-webhook/core/browser` over `memoryStore()` of `@segment-webhook/core/memory`. Only making a
 * service from a store (which takes Node's service) is left out: nothing here imports Node's core.
 */
import type { SegmentWebhookService } from '@segment-webhook/core';
import {
  createSegmentWebhookHandlerWith,
  type ResolvedAccount,
  type SegmentWebhookHandler,
  type SegmentWebhookHandlerCommonOptions,
} from './portable-handler';

export { consoleLogger, type HandlerLogger, problemFor, retryAfterOf, toSegmentWebhookError } from './errors';
export type { Catalog, CatalogActivity, CatalogSource } from './handlers';
export {
  normalizeBasePath,
  notFoundResponse,
  problemResponse,
  type ResolvedAccount,
  type SegmentWebhookHandler,
  type SegmentWebhookHandlerCommonOptions,
} from './portable-handler';
export { matchRoute, type RouteDefinition, type RouteMatch, routes } from './routes';

/** Options of the browser-safe {@link createSegmentWebhookHandler}: a ready `service` is required. */
export type BrowserSegmentWebhookHandlerOptions = SegmentWebhookHandlerCommonOptions & {
  /** The service every route calls (e.g. `createSegmentWebhookService` of `@segment-webhook/core/browser`). */
  service: SegmentWebhookService;
  /** The path the API is served under. Default `/api/segment-webhooks`; `''` for the root. */
  basePath?: string | undefined;
  /** The account of a request (see `@segment-webhook/server`'s `resolveAccount`). */
  resolveAccount: (request: Request) => ResolvedAccount | Promise<ResolvedAccount>;
};

/**
 * The fetch handler (see `createSegmentWebhookHandler` of `@segment-webhook/server`): every route of the
 * REST API under `basePath`, as `(request: Request) => Promise<Response>`, over the given service.
 */
export function createSegmentWebhookHandler(options: BrowserSegmentWebhookHandlerOptions): SegmentWebhookHandler {
  return createSegmentWebhookHandlerWith(options, () => {
    throw new TypeError('Pass a ready `service` to the browser-safe Segment webhook handler.');
  });
}
