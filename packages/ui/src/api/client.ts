import {
  type Activity,
  type ActivityEvent,
  activityListSchema,
  activitySchema,
  type CreateWebhookRequest,
  type DeliveryChange,
  type DeliveryDetail,
  type DeliveryPage,
  deliveryChangeSchema,
  deliveryDetailSchema,
  deliveryPageSchema,
  type ExportFormat,
  type FieldCatalog,
  fieldCatalogSchema,
  type ListDeliveriesQuery,
  type ListWebhooksQuery,
  type Overview,
  type OverviewRange,
  overviewSchema,
  type ReconnectRequest,
  type ReconnectResponse,
  type ReplayRequest,
  type ReplayResponse,
  type RetryFailedResponse,
  recentActivityEventsSchema,
  reconnectResponseSchema,
  replayResponseSchema,
  retryFailedResponseSchema,
  type SendToWebhookRequest,
  type SendToWebhookResponse,
  sendToWebhookResponseSchema,
  type TestResult,
  type TestSavedWebhookRequest,
  type TestWebhookRequest,
  testResultSchema,
  type UpdateWebhookRequest,
  type Usage,
  usageSchema,
  type Webhook,
  type WebhookHistory,
  webhookHistorySchema,
  webhookListSchema,
  webhookSchema,
} from '@segment-webhook/core/contract';
import { createParser } from 'eventsource-parser';
import { ApiError, errorFromResponse } from './errors';

/** Headers sent with every request: a value, or a function called per request (e.g. a fresh token). */
export type HeadersOption = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

/** Options of {@link createSegmentWebhookApi}. */
export interface SegmentWebhookApiOptions {
  /** Where the host mounted the router, e.g. `/api/segment-webhooks` (a trailing slash is ignored). */
  baseUrl: string;
  /** The host's fetch (its auth, its retries). Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Extra headers for every request (e.g. `Authorization`). Default: none. */
  headers?: HeadersOption;
  /** Fetch `credentials`. Default: `'same-origin'`. */
  credentials?: RequestCredentials;
}

/** Per-call options. */
export interface RequestOptions {
  /** Aborts the request (React Query passes one to every query). */
  signal?: AbortSignal;
}

/** Query of `GET /webhooks/:id/deliveries` (the contract's, with a numeric `limit`, 1–200, default 50). */
export type DeliveriesQuery = Omit<ListDeliveriesQuery, 'limit'> & { limit?: number };

/** Filters of an export: the list's, without paging (`GET /webhooks/:id/deliveries/export`). */
export type DeliveriesExportQuery = Omit<DeliveriesQuery, 'cursor' | 'limit'>;

/** A downloaded export: the file and the name the server gave it. */
export interface DeliveriesExport {
  blob: Blob;
  filename: string;
}

/** Query of `GET /webhooks/:id/history`: a page after `cursor`, `limit` entries (1–200, default 50). */
export interface WebhookHistoryQuery {
  cursor?: string;
  limit?: number;
}

/** Handlers of {@link SegmentWebhookApi.streamDeliveries}. */
export interface DeliveryStreamHandlers {
  /**
   * One change of a delivery of the webhook, with the stream's last event id (the `id:` field, kept across
   * events as in `EventSource`; undefined until the server sent one).
   */
  onChange: (change: DeliveryChange, lastEventId: string | undefined) => void;
  /** The stream opened (HTTP 200). */
  onOpen?: () => void;
  /** The stream failed or ended unexpectedly; not called after the caller stopped it. */
  onError?: (error: ApiError) => void;
  /** The server's reconnection delay for this stream (its `retry:` field), in ms. */
  onRetry?: (ms: number) => void;
}

/** Options of {@link SegmentWebhookApi.streamDeliveries}. */
export interface DeliveryStreamOptions {
  /** Resume after this event: sent as the `Last-Event-ID` header (as `EventSource` does on reconnect). */
  lastEventId?: string;
}

/** Minimal structural type of a zod schema, so the client needs no direct zod import. */
interface Schema<T> {
  safeParse(input: unknown): { success: true; data: T } | { success: false; error: unknown };
}

type Query = Record<string, string | number | boolean | null | undefined>;

/**
 * Typed client of the adapter's REST routes (issue 4). Every response is parsed with the contract's
 * schemas; every failure is thrown as an {@link ApiError}.
 */
export interface SegmentWebhookApi {
  /** The base URL the client was made with (normalised). */
  readonly baseUrl: string;
  /** `GET /webhooks?status=` */
  listWebhooks(query?: ListWebhooksQuery, options?: RequestOptions): Promise<Webhook[]>;
  /** `POST /webhooks` → the created webhook. */
  createWebhook(body: CreateWebhookRequest, options?: RequestOptions): Promise<Webhook>;
  /** `POST /webhooks/test`: tests an unsaved configuration. */
  testConfiguration(body: TestWebhookRequest, options?: RequestOptions): Promise<TestResult>;
  /** `GET /webhooks/:id` */
  getWebhook(id: string, options?: RequestOptions): Promise<Webhook>;
  /** `PATCH /webhooks/:id` */
  updateWebhook(id: string, patch: UpdateWebhookRequest, options?: RequestOptions): Promise<Webhook>;
  /**
   * `POST /webhooks/:id/test`: tests the saved configuration with the sample, or with the recent activity event
   * `body.activityEventId` (see {@link SegmentWebhookApi.listRecentActivityEvents}).
   */
  testWebhook(id: string, body?: TestSavedWebhookRequest, options?: RequestOptions): Promise<TestResult>;
  /** `POST /webhooks/:id/disconnect` */
  disconnectWebhook(id: string, options?: RequestOptions): Promise<Webhook>;
  /**
   * `POST /webhooks/:id/reconnect`; with `{ backfill: true }` the deliveries skipped while it was disconnected
   * are queued too (original messageIds and timestamps). Answers the webhook and `backfilled`, how many were.
   */
  reconnectWebhook(id: string, body?: ReconnectRequest, options?: RequestOptions): Promise<ReconnectResponse>;
  /** `POST /webhooks/:id/archive` */
  archiveWebhook(id: string, options?: RequestOptions): Promise<Webhook>;
  /** `POST /webhooks/:id/unarchive` */
  unarchiveWebhook(id: string, options?: RequestOptions): Promise<Webhook>;
  /** `DELETE /webhooks/:id` (only when archived; `invalid_state` otherwise). */
  deleteWebhook(id: string, options?: RequestOptions): Promise<void>;
  /** `POST /webhooks/:id/resume`: releases held deliveries of a webhook that needs attention. */
  resumeWebhook(id: string, options?: RequestOptions): Promise<Webhook>;
  /** `GET /webhooks/:id/overview?range=` */
  getOverview(id: string, range?: OverviewRange, options?: RequestOptions): Promise<Overview>;
  /** `GET /webhooks/:id/deliveries?…` one page, newest first. */
  listDeliveries(id: string, query?: DeliveriesQuery, options?: RequestOptions): Promise<DeliveryPage>;
  /** `GET /webhooks/:id/deliveries/:deliveryId` */
  getDelivery(id: string, deliveryId: string, options?: RequestOptions): Promise<DeliveryDetail>;
  /** `POST /webhooks/:id/deliveries/:deliveryId/retry` */
  retryDelivery(id: string, deliveryId: string, options?: RequestOptions): Promise<DeliveryDetail>;
  /** `POST /webhooks/:id/deliveries/retry-failed` */
  retryFailedDeliveries(id: string, options?: RequestOptions): Promise<RetryFailedResponse>;
  /**
   * The URL of `GET /webhooks/:id/deliveries/export?format=` with the list's filters. A plain link to it
   * streams the file to disk, but carries neither the client's `headers` nor its `fetch`: use it only when
   * the host authenticates with cookies. {@link exportDeliveries} works with any host.
   */
  exportDeliveriesUrl(id: string, query?: DeliveriesExportQuery, format?: ExportFormat): string;
  /**
   * `GET /webhooks/:id/deliveries/export` through the configured fetch and headers (so the host's auth
   * applies), read into a Blob with the server's file name. The Logs tab downloads with it: a plain link
   * cannot carry headers such as `Authorization`.
   */
  exportDeliveries(
    id: string,
    query: DeliveriesExportQuery | undefined,
    format: ExportFormat,
    options?: RequestOptions,
  ): Promise<DeliveriesExport>;
  /** `POST /webhooks/:id/replay` → how many were queued, and how many of those Segment may drop as duplicates. */
  replayDeliveries(id: string, body: ReplayRequest, options?: RequestOptions): Promise<ReplayResponse>;
  /**
   * `GET /webhooks/:id/deliveries/stream` (Server-Sent Events) through the configured fetch, so the
   * host's auth applies. Returns a function that stops the stream.
   */
  streamDeliveries(id: string, handlers: DeliveryStreamHandlers, options?: DeliveryStreamOptions): () => void;
  /** `POST /webhooks/:id/send`: the Send to webhook action. */
  sendToWebhook(id: string, body: SendToWebhookRequest, options?: RequestOptions): Promise<SendToWebhookResponse>;
  /** `GET /activities` */
  listActivities(options?: RequestOptions): Promise<Activity[]>;
  /** `PUT /activities/:activityId/destination` (webhookId) or `DELETE …/destination` (null) → the activity. */
  setActivityDestination(activityId: string, webhookId: string | null, options?: RequestOptions): Promise<Activity>;
  /** `GET /fields`: the host's field catalog for the fields editor. */
  getFieldCatalog(options?: RequestOptions): Promise<FieldCatalog>;
  /** `GET /usage`: outbound activity streams used / included. */
  getUsage(options?: RequestOptions): Promise<Usage>;
  /** `GET /webhooks/:id/history?cursor=&limit=`: the settings history, newest version first. */
  getWebhookHistory(id: string, query?: WebhookHistoryQuery, options?: RequestOptions): Promise<WebhookHistory>;
  /**
   * `GET /activities/recent-events`: the account's recent activity events (newest first), which **Test** can
   * send instead of the sample. Empty when the host provides none.
   */
  listRecentActivityEvents(options?: RequestOptions): Promise<ActivityEvent[]>;
}

const enc = encodeURIComponent;

/** Creates the typed API client. */
export function createSegmentWebhookApi(options: SegmentWebhookApiOptions): SegmentWebhookApi {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function headersFor(body: boolean, more?: Record<string, string>): Promise<Headers> {
    const extra = typeof options.headers === 'function' ? await options.headers() : options.headers;
    const headers = new Headers(extra);
    if (!headers.has('accept')) headers.set('accept', 'application/json, application/problem+json');
    if (body) headers.set('content-type', 'application/json');
    if (more) for (const [name, value] of Object.entries(more)) headers.set(name, value);
    return headers;
  }

  function url(path: string, query?: Query): string {
    let search = '';
    if (query) {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(query)) {
        if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
      }
      const text = params.toString();
      if (text) search = `?${text}`;
    }
    return `${baseUrl}${path}${search}`;
  }

  async function send(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; signal?: AbortSignal | undefined; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    let response: Response;
    try {
      response = await doFetch(url(path, init.query), {
        method,
        headers: await headersFor(init.body !== undefined, init.headers),
        body: init.body === undefined ? null : JSON.stringify(init.body),
        credentials: options.credentials ?? 'same-origin',
        signal: init.signal ?? null,
      });
    } catch (cause) {
      if (init.signal?.aborted) throw cause;
      throw new ApiError('network_error', 'Could not reach the server. Check your connection and try again.', {
        cause,
      });
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  async function json<T>(
    schema: Schema<T>,
    method: string,
    path: string,
    init?: { query?: Query; body?: unknown; signal?: AbortSignal | undefined },
  ): Promise<T> {
    const response = await send(method, path, init);
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new ApiError('invalid_response', 'The server answered with something that is not JSON.', {
        status: response.status,
        cause,
      });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiError('invalid_response', `Unexpected response from ${method} ${path}.`, {
        status: response.status,
        cause: parsed.error,
      });
    }
    return parsed.data;
  }

  const w = (id: string) => `/webhooks/${enc(id)}`;

  return {
    baseUrl,
    listWebhooks: async (query, o) =>
      (await json(webhookListSchema, 'GET', '/webhooks', { query: { status: query?.status }, signal: o?.signal }))
        .items,
    createWebhook: (body, o) => json(webhookSchema, 'POST', '/webhooks', { body, signal: o?.signal }),
    testConfiguration: (body, o) => json(testResultSchema, 'POST', '/webhooks/test', { body, signal: o?.signal }),
    getWebhook: (id, o) => json(webhookSchema, 'GET', w(id), { signal: o?.signal }),
    updateWebhook: (id, patch, o) => json(webhookSchema, 'PATCH', w(id), { body: patch, signal: o?.signal }),
    testWebhook: (id, body, o) =>
      json(testResultSchema, 'POST', `${w(id)}/test`, {
        ...(body?.activityEventId !== undefined ? { body: { activityEventId: body.activityEventId } } : {}),
        signal: o?.signal,
      }),
    disconnectWebhook: (id, o) => json(webhookSchema, 'POST', `${w(id)}/disconnect`, { signal: o?.signal }),
    reconnectWebhook: (id, body, o) =>
      json(reconnectResponseSchema, 'POST', `${w(id)}/reconnect`, {
        ...(body?.backfill !== undefined ? { body: { backfill: body.backfill } } : {}),
        signal: o?.signal,
      }),
    archiveWebhook: (id, o) => json(webhookSchema, 'POST', `${w(id)}/archive`, { signal: o?.signal }),
    unarchiveWebhook: (id, o) => json(webhookSchema, 'POST', `${w(id)}/unarchive`, { signal: o?.signal }),
    deleteWebhook: async (id, o) => {
      await send('DELETE', w(id), { signal: o?.signal });
    },
    resumeWebhook: (id, o) => json(webhookSchema, 'POST', `${w(id)}/resume`, { signal: o?.signal }),
    getOverview: (id, range, o) =>
      json(overviewSchema, 'GET', `${w(id)}/overview`, { query: { range }, signal: o?.signal }),
    listDeliveries: (id, query, o) =>
      json(deliveryPageSchema, 'GET', `${w(id)}/deliveries`, { query: { ...query }, signal: o?.signal }),
    getDelivery: (id, deliveryId, o) =>
      json(deliveryDetailSchema, 'GET', `${w(id)}/deliveries/${enc(deliveryId)}`, { signal: o?.signal }),
    retryDelivery: (id, deliveryId, o) =>
      json(deliveryDetailSchema, 'POST', `${w(id)}/deliveries/${enc(deliveryId)}/retry`, { signal: o?.signal }),
    retryFailedDeliveries: (id, o) =>
      json(retryFailedResponseSchema, 'POST', `${w(id)}/deliveries/retry-failed`, { signal: o?.signal }),
    exportDeliveriesUrl: (id, query, format = 'ndjson') => url(`${w(id)}/deliveries/export`, { ...query, format }),
    exportDeliveries: async (id, query, format, o) => {
      const response = await send('GET', `${w(id)}/deliveries/export`, {
        query: { ...query, format },
        signal: o?.signal,
        headers: { accept: `${format === 'csv' ? 'text/csv' : 'application/x-ndjson'}, application/problem+json` },
      });
      const disposition = response.headers.get('content-disposition') ?? '';
      const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `segment-deliveries-${id}.${format}`;
      return { blob: await response.blob(), filename };
    },
    replayDeliveries: (id, body, o) =>
      json(replayResponseSchema, 'POST', `${w(id)}/replay`, { body, signal: o?.signal }),
    streamDeliveries: (id, handlers, streamOptions) => {
      const controller = new AbortController();
      const lastEventId = streamOptions?.lastEventId;
      void (async () => {
        try {
          const response = await send('GET', `${w(id)}/deliveries/stream`, {
            signal: controller.signal,
            ...(lastEventId !== undefined ? { headers: { 'last-event-id': lastEventId } } : {}),
          });
          handlers.onOpen?.();
          if (!response.body) throw new ApiError('invalid_response', 'The live feed has no body.');
          const events = readServerSentEvents(response.body, {
            lastEventId,
            onRetry: (ms) => {
              if (!controller.signal.aborted) handlers.onRetry?.(ms);
            },
          });
          for await (const event of events) {
            const parsed = deliveryChangeSchema.safeParse(safeJson(event.data));
            // Comments, heartbeats and unknown events are skipped, not fatal.
            if (parsed.success) handlers.onChange(parsed.data, event.lastEventId);
          }
          if (!controller.signal.aborted) handlers.onError?.(new ApiError('network_error', 'The live feed ended.'));
        } catch (error) {
          if (controller.signal.aborted) return;
          handlers.onError?.(
            error instanceof ApiError
              ? error
              : new ApiError('network_error', 'The live feed was interrupted.', { cause: error }),
          );
        }
      })();
      return () => controller.abort();
    },
    sendToWebhook: (id, body, o) =>
      json(sendToWebhookResponseSchema, 'POST', `${w(id)}/send`, { body, signal: o?.signal }),
    listActivities: async (o) => (await json(activityListSchema, 'GET', '/activities', { signal: o?.signal })).items,
    setActivityDestination: (activityId, webhookId, o) => {
      const path = `/activities/${enc(activityId)}/destination`;
      return webhookId === null
        ? json(activitySchema, 'DELETE', path, { signal: o?.signal })
        : json(activitySchema, 'PUT', path, { body: { webhookId }, signal: o?.signal });
    },
    getFieldCatalog: (o) => json(fieldCatalogSchema, 'GET', '/fields', { signal: o?.signal }),
    getUsage: (o) => json(usageSchema, 'GET', '/usage', { signal: o?.signal }),
    getWebhookHistory: (id, query, o) =>
      json(webhookHistorySchema, 'GET', `${w(id)}/history`, {
        query: { cursor: query?.cursor, limit: query?.limit },
        signal: o?.signal,
      }),
    listRecentActivityEvents: async (o) =>
      (await json(recentActivityEventsSchema, 'GET', '/activities/recent-events', { signal: o?.signal })).items,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** One Server-Sent Event as {@link readServerSentEvents} yields it. */
export interface ServerSentEvent {
  /** The `data:` lines, joined with LF. */
  data: string;
  /** The `event:` field, if any. */
  event: string | undefined;
  /** The stream's last event id: the latest `id:` field so far (it carries over to later events), if any. */
  lastEventId: string | undefined;
}

/**
 * Yields each Server-Sent Event of a byte stream with data, parsed by `eventsource-parser` (WHATWG HTML
 * §9.2.6: CRLF, LF or CR line ends, also split across chunks; `data:` lines joined with LF; `:` comments;
 * `id:` remembered; `retry:` reported through `onRetry`).
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  options: { lastEventId?: string | undefined; onRetry?: (ms: number) => void } = {},
): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let lastEventId = options.lastEventId;
  let ready: ServerSentEvent[] = [];
  const parser = createParser({
    onId: (id) => {
      // An empty id resets it, as in EventSource.
      lastEventId = id === '' ? undefined : id;
    },
    onEvent: (event) => {
      ready.push({ data: event.data, event: event.event, lastEventId });
    },
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
      const batch = ready;
      ready = [];
      yield* batch;
    }
  } finally {
    reader.releaseLock();
  }
}
