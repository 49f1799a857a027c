import type { SegmentWebhookService } from '@segment-webhook/core';
import {
  type Activity,
  type CatalogField,
  createWebhookRequestSchema,
  type DeliveryChange,
  exportDeliveriesQuerySchema,
  type FieldCatalog,
  fieldCatalogSchema,
  historyQuerySchema,
  idSchema,
  listDeliveriesQuerySchema,
  listWebhooksQuerySchema,
  overviewQuerySchema,
  parseOrThrow,
  reconnectRequestSchema,
  replayRequestSchema,
  SegmentWebhookError,
  sendToWebhookRequestSchema,
  setDestinationRequestSchema,
  testSavedWebhookRequestSchema,
  testWebhookRequestSchema,
  updateWebhookRequestSchema,
} from '@segment-webhook/core/contract';
import { z } from 'zod';
import type { RawQuery } from './http';

/** One activity of the host's catalog. */
export interface CatalogActivity {
  /** The host's activity id (what events carry as `activityId`). */
  id: string;
  /** Shown in the UI. */
  name: string;
}

/** What the host offers: its activities (for routing) and the fields the fields editor lists. */
export interface Catalog {
  /** Activities that can be routed to a webhook. Destination routes for other ids answer 404. */
  activities: CatalogActivity[];
  /** Person and activity fields the fields editor offers (`GET /fields`). */
  fields: { person: CatalogField[]; activity: CatalogField[] };
}

/** The catalog, or a function returning the catalog of one account. */
export type CatalogSource = Catalog | ((accountId: string) => Catalog | Promise<Catalog>);

/** What a handler receives: the route's path parameters, the raw query, the parsed JSON body, the account. */
export interface HandlerContext {
  /** The account the host resolved for this request (empty for public routes). */
  accountId: string;
  /** Path parameters, decoded (`id`, `deliveryId`, `activityId`). */
  params: Record<string, string>;
  /** The query string as parsed by `parseQueryString`; each handler validates it strictly. */
  query: RawQuery;
  /** The parsed JSON body, `undefined` when there was none. */
  body: unknown;
  /** Where the API is mounted (`/api/segment-webhooks`), for the OpenAPI document's `servers`. Default `/`. */
  basePath?: string;
  /**
   * Who makes the request, for the settings history (the host's `resolveActor`); null when the host does not
   * say. Called only by the routes that change settings.
   */
  actor?: () => Promise<string | null>;
}

/** A JSON answer. `body` undefined means no body (204). */
export interface JsonResult {
  /** HTTP status. */
  status: number;
  /** Serialized as JSON; absent for a 204. */
  body?: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** A live feed: the router writes each event as a Server-Sent Event and calls `stop` on disconnect. */
export interface EventStream {
  /** Starts emitting; events that arrived before are emitted first. */
  start(emit: (event: string, data: unknown) => void): void;
  /** Stops the feed (unsubscribes). Safe to call more than once. */
  stop(): void;
}

/** A Server-Sent Events answer. */
export interface StreamResult {
  /** Always 200: errors are thrown before the stream starts. */
  status: 200;
  /** The feed the router writes as Server-Sent Events. */
  stream: EventStream;
}

/** A file attachment, streamed: the router writes the chunks as they come (bounded memory). */
export interface DownloadResult {
  status: 200;
  download: {
    /** Safe in a `Content-Disposition` header (ASCII letters, digits, `-`, `_`, `.`). */
    filename: string;
    contentType: string;
    /** The file's text, chunk by chunk; the router stops reading (`return()`) when the client goes. */
    body: AsyncIterable<string>;
  };
}

/** What a handler returns. */
export type HandlerResult = JsonResult | StreamResult | DownloadResult;

/** A framework-free request handler. Throws `SegmentWebhookError` (or anything, which becomes a 500). */
export type Handler = (context: HandlerContext) => Promise<HandlerResult>;

/** What the handlers need. */
export interface HandlerDependencies {
  /** The service every handler calls, always with the request's account. */
  service: SegmentWebhookService;
  /** The host's catalog (activities for routing, fields for the editor). */
  catalog: CatalogSource;
  /** Builds the OpenAPI document (served by `GET /openapi.json`) for the API mounted at `basePath`. */
  openApiDocument: (basePath: string) => unknown;
}

/** Query of the routes that take no query parameters: any parameter is refused. */
export const noQuerySchema = z.strictObject({});

const catalogSchema = z.object({
  activities: z.array(z.object({ id: z.string(), name: z.string() })),
  fields: fieldCatalogSchema,
});

/**
 * The REST API as plain functions of `{params, query, body, accountId}` → `{status, body}` (STYLE §6).
 * Every handler validates its own query and body with the contract's schemas (unknown query
 * parameters are refused), so it can be called and tested without HTTP. Throws at once when a
 * static `catalog` is malformed.
 */
export function createHandlers({ service, catalog, openApiDocument }: HandlerDependencies) {
  const checkCatalog = (value: unknown): Catalog => {
    // A broken host catalog is a programmer error: a static one fails at start-up, a function's result
    // surfaces as a logged 500, never as a 400.
    const parsed = catalogSchema.safeParse(value);
    if (!parsed.success) {
      throw new Error('The catalog passed to the Segment webhook handler is invalid.', { cause: parsed.error });
    }
    return parsed.data;
  };
  const staticCatalog = typeof catalog === 'function' ? null : checkCatalog(catalog);
  async function catalogOf(accountId: string): Promise<Catalog> {
    if (staticCatalog) return staticCatalog;
    return checkCatalog(await (catalog as (accountId: string) => Catalog | Promise<Catalog>)(accountId));
  }

  async function activityOf(accountId: string, params: Record<string, string>): Promise<CatalogActivity> {
    const activityId = params.activityId ?? '';
    const activity = (await catalogOf(accountId)).activities.find((candidate) => candidate.id === activityId);
    if (!activity) throw new SegmentWebhookError('not_found', 'No activity with this id.');
    return activity;
  }

  const noQuery = (query: RawQuery) => parseOrThrow(noQuerySchema, query, 'This route takes no query parameters.');

  return {
    // Webhooks ---------------------------------------------------------------------------------
    async listWebhooks({ accountId, query }) {
      const parsed = parseOrThrow(listWebhooksQuerySchema, query, 'The query is invalid.');
      return { status: 200, body: { items: await service.listWebhooks(accountId, parsed) } };
    },
    async createWebhook({ accountId, query, body, actor }) {
      noQuery(query);
      const request = parseOrThrow(createWebhookRequestSchema, requireObject(body));
      return {
        status: 201,
        body: await service.createWebhook(accountId, request, { actor: (await actor?.()) ?? null }),
      };
    },
    async testConfiguration({ accountId, query, body }) {
      noQuery(query);
      const request = parseOrThrow(testWebhookRequestSchema, requireObject(body));
      return { status: 200, body: await service.testConfiguration(accountId, request) };
    },
    async getWebhook({ accountId, params, query }) {
      noQuery(query);
      return { status: 200, body: await service.getWebhook(accountId, webhookIdOf(params)) };
    },
    async updateWebhook({ accountId, params, query, body, actor }) {
      noQuery(query);
      const id = webhookIdOf(params);
      const patch = parseOrThrow(updateWebhookRequestSchema, requireObject(body));
      return {
        status: 200,
        body: await service.updateWebhook(accountId, id, patch, { actor: (await actor?.()) ?? null }),
      };
    },
    async webhookHistory({ accountId, params, query }) {
      const parsed = parseOrThrow(historyQuerySchema, query, 'The query is invalid.');
      return { status: 200, body: await service.history(accountId, webhookIdOf(params), parsed) };
    },
    async testWebhook({ accountId, params, query, body }) {
      noQuery(query);
      const id = webhookIdOf(params);
      const request = parseOrThrow(testSavedWebhookRequestSchema, optionalObject(body));
      return { status: 200, body: await service.testWebhook(accountId, id, request) };
    },

    // Lifecycle --------------------------------------------------------------------------------
    async disconnect({ accountId, params, query }) {
      noQuery(query);
      return { status: 200, body: await service.disconnect(accountId, webhookIdOf(params)) };
    },
    async reconnect({ accountId, params, query, body }) {
      noQuery(query);
      const id = webhookIdOf(params);
      const request = parseOrThrow(reconnectRequestSchema, optionalObject(body));
      return { status: 200, body: await service.reconnect(accountId, id, request) };
    },
    async archive({ accountId, params, query }) {
      noQuery(query);
      return { status: 200, body: await service.archive(accountId, webhookIdOf(params)) };
    },
    async unarchive({ accountId, params, query }) {
      noQuery(query);
      return { status: 200, body: await service.unarchive(accountId, webhookIdOf(params)) };
    },
    async deleteWebhook({ accountId, params, query }) {
      noQuery(query);
      await service.deleteWebhook(accountId, webhookIdOf(params));
      return { status: 204 };
    },
    async resume({ accountId, params, query }) {
      noQuery(query);
      return { status: 200, body: await service.resume(accountId, webhookIdOf(params)) };
    },

    // Overview and deliveries ------------------------------------------------------------------
    async overview({ accountId, params, query }) {
      const { range } = parseOrThrow(overviewQuerySchema, query, 'The query is invalid.');
      return { status: 200, body: await service.overview(accountId, webhookIdOf(params), range) };
    },
    async listDeliveries({ accountId, params, query }) {
      const parsed = parseOrThrow(listDeliveriesQuerySchema, query, 'The query is invalid.');
      return { status: 200, body: await service.listDeliveries(accountId, webhookIdOf(params), parsed) };
    },
    async getDelivery({ accountId, params, query }) {
      noQuery(query);
      const id = webhookIdOf(params);
      return { status: 200, body: await service.getDelivery(accountId, id, deliveryIdOf(params)) };
    },
    async retryDelivery({ accountId, params, query }) {
      noQuery(query);
      const id = webhookIdOf(params);
      return { status: 200, body: await service.retryDelivery(accountId, id, deliveryIdOf(params)) };
    },
    async retryFailed({ accountId, params, query }) {
      noQuery(query);
      return { status: 200, body: await service.retryFailed(accountId, webhookIdOf(params)) };
    },
    async replay({ accountId, params, query, body }) {
      noQuery(query);
      const id = webhookIdOf(params);
      const request = parseOrThrow(replayRequestSchema, requireObject(body));
      return { status: 202, body: await service.replay(accountId, id, request) };
    },
    async exportDeliveries({ accountId, params, query }): Promise<HandlerResult> {
      const parsed = parseOrThrow(exportDeliveriesQuerySchema, query, 'The query is invalid.');
      // Validated and scoped before the first byte: errors are still problem responses.
      const exported = await service.exportDeliveries(accountId, webhookIdOf(params), parsed);
      return {
        status: 200,
        download: { filename: exported.filename, contentType: exported.contentType, body: exported.body },
      };
    },
    async streamDeliveries({ accountId, params, query }): Promise<HandlerResult> {
      noQuery(query);
      // Changes that arrive between subscribing and the first byte are kept and emitted first.
      const early: DeliveryChange[] = [];
      let emitChange: ((change: DeliveryChange) => void) | null = null;
      const unsubscribe = await service.subscribe(accountId, webhookIdOf(params), (change) => {
        if (emitChange) emitChange(change);
        else early.push(change);
      });
      let stopped = false;
      return {
        status: 200,
        stream: {
          start(emit) {
            emitChange = (change) => emit('delivery', change);
            for (const change of early.splice(0)) emitChange(change);
          },
          stop() {
            if (stopped) return;
            stopped = true;
            emitChange = null;
            unsubscribe();
          },
        },
      };
    },

    // Ingest and Send to webhook ---------------------------------------------------------------
    async sendToWebhook({ accountId, params, query, body }) {
      noQuery(query);
      const id = webhookIdOf(params);
      const request = parseOrThrow(sendToWebhookRequestSchema, requireObject(body));
      return { status: 202, body: await service.sendToWebhook(accountId, id, request) };
    },
    async ingest({ accountId, query, body }) {
      noQuery(query);
      // The hot path: the service parses the request body itself with `ingestRequestSchema` (one event or
      // `{events}`), so it is not validated twice; error paths are the same either way.
      return { status: 202, body: await service.ingest(accountId, requireObject(body)) };
    },

    // Catalog, routing and billing -------------------------------------------------------------
    async listActivities({ accountId, query }) {
      noQuery(query);
      const [{ activities }, routes] = await Promise.all([catalogOf(accountId), service.listRoutes(accountId)]);
      const destinations = new Map(routes.map((route) => [route.activityId, route.webhookId]));
      const items: Activity[] = activities.map(({ id, name }) => ({
        id,
        name,
        destinationWebhookId: destinations.get(id) ?? null,
      }));
      return { status: 200, body: { items } };
    },
    async setActivityDestination({ accountId, params, query, body }) {
      noQuery(query);
      const { webhookId } = parseOrThrow(setDestinationRequestSchema, requireObject(body));
      const { id, name } = await activityOf(accountId, params);
      const route = await service.setDestination(accountId, id, webhookId);
      const activity: Activity = { id, name, destinationWebhookId: route?.webhookId ?? null };
      return { status: 200, body: activity };
    },
    async clearActivityDestination({ accountId, params, query }) {
      noQuery(query);
      const { id, name } = await activityOf(accountId, params);
      await service.setDestination(accountId, id, null);
      const activity: Activity = { id, name, destinationWebhookId: null };
      return { status: 200, body: activity };
    },
    async recentActivityEvents({ accountId, query }) {
      noQuery(query);
      return { status: 200, body: await service.recentActivityEvents(accountId) };
    },
    async listFields({ accountId, query }) {
      noQuery(query);
      const fields: FieldCatalog = (await catalogOf(accountId)).fields;
      return { status: 200, body: fields };
    },
    async usage({ accountId, query }) {
      noQuery(query);
      return { status: 200, body: await service.usage(accountId) };
    },

    // Documentation ----------------------------------------------------------------------------
    async openApi({ query, basePath }) {
      noQuery(query);
      return { status: 200, body: openApiDocument(basePath || '/') };
    },
  } satisfies Record<string, Handler>;
}

/** The handlers, keyed by operation. */
export type Handlers = ReturnType<typeof createHandlers>;
/** The name of one handler (an OpenAPI `operationId`). */
export type OperationId = keyof Handlers;

/** A path id that cannot exist is simply not found (existence is never revealed either way). */
function webhookIdOf(params: Record<string, string>): string {
  return pathId(params.id, 'No webhook with this id.');
}

function deliveryIdOf(params: Record<string, string>): string {
  return pathId(params.deliveryId, 'No delivery with this id.');
}

function pathId(value: string | undefined, message: string): string {
  if (!idSchema.safeParse(value).success) throw new SegmentWebhookError('not_found', message);
  return value as string;
}

/** An optional body: none is `{}`; otherwise a JSON object, as {@link requireObject}. */
function optionalObject(body: unknown): Record<string, unknown> {
  return body === undefined ? {} : requireObject(body);
}

/** Bodies are JSON objects; anything else (no body, an array, a string) is a validation error. */
function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SegmentWebhookError('validation_error', 'Send a JSON object as the body.', {
      issues: [{ path: [], message: 'Expected a JSON object' }],
    });
  }
  return body as Record<string, unknown>;
}
