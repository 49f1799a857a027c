/**
 * The kit's REST API in memory, for stories and tests (yours and the kit's): the real fetch handler of
 * `@segment-webhook/server/browser` in front of the real service and delivery worker of
 * `@segment-webhook/core/browser`, over `memoryStore()`, delivering to the in-memory Segment sink. It is a
 * `fetch`: pass it to `<SegmentWebhookProvider fetch={backend.fetch}>`. Nothing of it is a second
 * implementation of the API; the only extras are a request log and transport faults (a failed or hanging
 * request) for the states a real server cannot be asked to produce.
 *
 * Time is a {@link ManualClock}, ids are time-ordered and counted, the backoff's jitter is fixed and the
 * worker runs only when asked ({@link InMemoryBackend.deliver}): the same seed gives the same rows, times
 * and ids on every run. Browser-safe (runs in browsers, jsdom and Node).
 */
import {
  createDeliveryWorker,
  createFetchSegmentClient,
  createPassThroughWriteKeyCipher,
  createSegmentWebhookService,
  type DeliveryWorker,
  type RetryPolicy,
  type SegmentWebhookService,
} from '@segment-webhook/core/browser';
import {
  type ActivityEventInput,
  type CreateWebhookRequest,
  type ErrorCode,
  type IngestResponse,
  type Issue,
  SegmentWebhookError,
  type SendToWebhookRequest,
  type SendToWebhookResponse,
  type Webhook,
} from '@segment-webhook/core/contract';
import { memoryStore } from '@segment-webhook/core/memory';
import {
  type Catalog,
  createSegmentWebhookHandler,
  matchRoute,
  problemResponse,
  routes,
} from '@segment-webhook/server/browser';
import { createManualClock, type ManualClock } from './manual-clock';
import { createMemorySegmentSink, type MemorySegmentSink } from './memory-sink';

/** Options of {@link createInMemoryBackend}. Every one is optional. */
export interface InMemoryBackendOptions {
  /** The account every request is served for (what the host's `resolveAccount` would answer). Default `acct_demo`. */
  accountId?: string;
  /** Where the clock starts, in ms since the epoch. Default: now, to the millisecond. */
  now?: number;
  /** The host's activities and the fields the fields editor offers. Default: none. */
  catalog?: Catalog;
  /** Outbound activity streams included in the plan. Default 5. */
  includedStreams?: number;
  /** Where the API is mounted (the provider's `baseUrl`). Default `/api/segment-webhooks`. */
  basePath?: string;
  /** The worker's retry policy (core's default otherwise). */
  retryPolicy?: Partial<RetryPolicy>;
  /**
   * Builds the starting state through the backend's own API (create, route, ingest, advance the clock,
   * deliver) before the promise of {@link createInMemoryBackend} resolves.
   */
  seed?: (backend: InMemoryBackend) => void | Promise<void>;
  /**
   * The host's recent activity events of the account, newest first (the service's `recentActivities`): what
   * **Test** can send instead of the sample. Default: none (`GET /activities/recent-events` answers `[]`).
   */
  recentActivities?: (accountId: string) => readonly ActivityEventInput[] | Promise<readonly ActivityEventInput[]>;
  /** Who makes each settings change (the handler's `resolveActor`), as the history shows it. Default: nobody (null). */
  resolveActor?: (request: Request) => string | null | Promise<string | null>;
}

/** A request the backend received, as the log of {@link InMemoryBackend.requests} keeps it. */
export interface BackendRequest {
  /** `METHOD /path` of the server's route table (`PATCH /webhooks/:id`); null for a path that is no route. */
  route: string | null;
  method: string;
  /** The path under the base path, e.g. `/webhooks/wh_orders`. */
  path: string;
  /** The query parameters. */
  query: Record<string, string>;
  /** The body, parsed as JSON (its text when it is not JSON); undefined when there is none. */
  body: unknown;
}

/**
 * How {@link InMemoryBackend.fail} makes a request fail before it reaches the handler: `'network'` (the fetch
 * rejects, as when the server cannot be reached), or the problem a host's server could answer (serialised
 * by the server's own `problemResponse`).
 */
export type BackendFailure = 'network' | { code: ErrorCode; detail?: string; errors?: Issue[] };

/** What {@link createInMemoryBackend} returns. */
export interface InMemoryBackend {
  /** The REST API as a `fetch` (relative URLs are resolved against an origin of its own). */
  readonly fetch: typeof fetch;
  /** The account of every request. */
  readonly accountId: string;
  /** The real service behind the handler: seed through it, and ask it what changed. */
  readonly service: SegmentWebhookService;
  /** The in-memory Segment the worker and the Test button send to: it can fail, drop, answer slowly or refuse. */
  readonly sink: MemorySegmentSink;
  /** The time of the service and the worker. */
  readonly clock: ManualClock;
  /** Every request received, oldest first. */
  readonly requests: readonly BackendRequest[];
  /** The requests to one route (`'PATCH /webhooks/:id'`); an unknown route name throws. */
  requestsTo(route: string): BackendRequest[];
  /**
   * Creates a webhook through the service. `id` names it (stories and tests refer to their webhooks by
   * name); without one the service's id generator picks one.
   */
  createWebhook(input: CreateWebhookRequest & { id?: string }): Promise<Webhook>;
  /** Routes an activity of the account to a webhook (`null` clears its destination). */
  route(activityId: string, webhookId: string | null): Promise<void>;
  /** Reports activity events of the account (one, or several at the same instant). */
  ingest(events: ActivityEventInput | ActivityEventInput[]): Promise<IngestResponse>;
  /** The Send to webhook action. */
  send(webhookId: string, request: SendToWebhookRequest): Promise<SendToWebhookResponse>;
  /**
   * Runs the delivery worker, round after round, until nothing is due at the clock's time; resolves with
   * how many deliveries it sent. Retries wait for the clock: advance it, then deliver again.
   */
  deliver(): Promise<number>;
  /** Makes requests to `route` fail (`null`: answer again). */
  fail(route: string, failure: BackendFailure | null): void;
  /** Makes requests to `route` wait until they are aborted (`false`: answer again). */
  hang(route: string, hanging?: boolean): void;
  /** Stops the worker and closes the sink and the store. */
  close(): Promise<void>;
}

/** The origin relative URLs are resolved against (the requests never leave the page). */
const ORIGIN = 'http://segment-webhooks.invalid';
/** Most worker rounds one {@link InMemoryBackend.deliver} runs: a guard against a seed that never settles. */
const MAX_ROUNDS = 10_000;

const ROUTE_NAMES = new Set(routes.map((route) => `${route.method.toUpperCase()} ${route.path}`));

function checkRoute(route: string): string {
  if (!ROUTE_NAMES.has(route)) {
    throw new TypeError(`No route ${JSON.stringify(route)}; the routes are: ${[...ROUTE_NAMES].join(', ')}.`);
  }
  return route;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');
}

/**
 * Ids as a real service's are (unique, and in time order for deliveries, so keyset pages are stable), but
 * counted instead of random: the UUID v7 layout with the clock's milliseconds and a counter.
 */
function timeOrderedId(ms: number, counter: number): string {
  const time = ms.toString(16).padStart(12, '0');
  const count = counter.toString(16).padStart(18, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${count.slice(0, 3)}-8${count.slice(3, 6)}-${count.slice(6)}`;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Creates the kit's REST API in memory (see the module comment) and runs `seed` against it. Every call
 * makes a new, empty one: nothing is shared between backends.
 */
export async function createInMemoryBackend(options: InMemoryBackendOptions = {}): Promise<InMemoryBackend> {
  const accountId = options.accountId ?? 'acct_demo';
  const clock = createManualClock(options.now ?? Date.now());
  const store = memoryStore();
  const sink = createMemorySegmentSink();
  const client = createFetchSegmentClient({ fetch: sink.fetch, endpoints: { us: sink.url, eu: sink.url } });
  const cipher = createPassThroughWriteKeyCipher();
  let counter = 0;
  /** The id the next created webhook gets (see `createWebhook`). */
  let nextWebhookId: string | null = null;
  const generateId = () => {
    if (nextWebhookId !== null) {
      const id = nextWebhookId;
      nextWebhookId = null;
      return id;
    }
    counter += 1;
    return timeOrderedId(clock.now(), counter);
  };
  const includedStreams = options.includedStreams ?? 5;
  const worker: DeliveryWorker = createDeliveryWorker({
    store,
    client,
    cipher,
    now: clock.now,
    // The backoff's jitter in the middle of its range: the same retries on every run.
    random: () => 0.5,
    retentionMs: null,
    // Its rate budget per write key runs on the real clock, not the manual one: unbounded, so that a long
    // seed never waits (the Segment stand-in's 429s still pause a key, as Segment's do).
    requestsPerSecondPerKey: Number.MAX_SAFE_INTEGER,
    ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
  });
  const service = createSegmentWebhookService({
    store,
    client,
    cipher,
    plan: () => includedStreams,
    now: clock.now,
    generateId,
    ...(options.recentActivities ? { recentActivities: options.recentActivities } : {}),
  });
  const handler = createSegmentWebhookHandler({
    service,
    catalog: options.catalog ?? { activities: [], fields: { person: [], activity: [] } },
    basePath: options.basePath ?? '/api/segment-webhooks',
    resolveAccount: () => accountId,
    ...(options.resolveActor ? { resolveActor: options.resolveActor } : {}),
  });

  const requests: BackendRequest[] = [];
  const failures = new Map<string, BackendFailure>();
  const hanging = new Set<string>();

  async function answer(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const given = init?.signal ?? (input instanceof Request ? input.signal : null);
    if (given?.aborted) throw abortError(given);
    // The handler gets a signal of this realm (jsdom's and Node's differ), aborted when the caller's is.
    const controller = new AbortController();
    const onAbort = () => controller.abort(given ? abortError(given) : undefined);
    given?.addEventListener('abort', onAbort, { once: true });
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(abortError(controller.signal)), { once: true });
    });
    aborted.catch(() => undefined);

    const url = new URL(input instanceof Request ? input.url : String(input), ORIGIN);
    const request =
      input instanceof Request
        ? new Request(input, { ...init, signal: controller.signal })
        : new Request(url, { ...init, signal: controller.signal });
    const path = url.pathname.startsWith(handler.basePath) ? url.pathname.slice(handler.basePath.length) || '/' : '';
    const match = path === '' ? null : matchRoute(request.method, path);
    const route = match ? `${match.route.method.toUpperCase()} ${match.route.path}` : null;
    requests.push({
      route,
      method: request.method,
      path: path || url.pathname,
      query: Object.fromEntries(url.searchParams),
      body: request.body ? parseBody(await request.clone().text()) : undefined,
    });

    if (route && hanging.has(route)) await aborted;
    const failure = route ? failures.get(route) : undefined;
    if (failure === 'network') throw new TypeError('Failed to fetch');
    if (failure) {
      return problemResponse(
        new SegmentWebhookError(failure.code, failure.detail ?? 'The request failed.', {
          ...(failure.errors ? { issues: failure.errors } : {}),
        }),
      );
    }
    const response = await Promise.race([handler(request), aborted]);
    if (!response.body) return response;
    // As over a network: aborting the caller's signal errors the body it is reading (and cancels the
    // handler's stream, which ends a live feed).
    const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>(), {
      signal: controller.signal,
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  }

  const backend: InMemoryBackend = {
    fetch: answer as typeof fetch,
    accountId,
    service,
    sink,
    clock,
    requests,
    requestsTo: (route) => {
      checkRoute(route);
      return requests.filter((request) => request.route === route);
    },
    async createWebhook({ id, ...config }) {
      if (id === undefined) return service.createWebhook(accountId, config);
      if (nextWebhookId !== null) throw new Error('Create named webhooks one after the other.');
      nextWebhookId = id;
      let webhook: Webhook;
      try {
        webhook = await service.createWebhook(accountId, config);
      } finally {
        nextWebhookId = null;
      }
      if (webhook.id !== id) {
        throw new Error(`The webhook was created as ${webhook.id}, not ${id}: another id was drawn meanwhile.`);
      }
      return webhook;
    },
    async route(activityId, webhookId) {
      await service.setDestination(accountId, activityId, webhookId);
    },
    ingest: (events) => service.ingest(accountId, Array.isArray(events) ? { events } : events),
    send: (webhookId, request) => service.sendToWebhook(accountId, webhookId, request),
    async deliver() {
      let sent = 0;
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const claimed = await worker.runOnce();
        if (claimed === 0) return sent;
        sent += claimed;
      }
      throw new Error(`The worker still had deliveries due after ${MAX_ROUNDS} rounds.`);
    },
    fail(route, failure) {
      if (failure === null) failures.delete(checkRoute(route));
      else failures.set(checkRoute(route), failure);
    },
    hang(route, hangingNow = true) {
      if (hangingNow) hanging.add(checkRoute(route));
      else hanging.delete(checkRoute(route));
    },
    async close() {
      await worker.stop();
      await service.close();
      await client.close();
      await sink.close();
      await store.close();
    },
  };
  await options.seed?.(backend);
  return backend;
}
