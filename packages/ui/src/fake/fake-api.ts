import {
  type Activity,
  createWebhookRequestSchema,
  type DeliveryStatus,
  type DeliverySummary,
  deliveryStatusSchema,
  ERROR_STATUS,
  ERROR_TITLE,
  type ErrorCode,
  type FieldCatalog,
  type Issue,
  type Overview,
  type OverviewRange,
  overviewRangeSchema,
  type Problem,
  problemType,
  sendToWebhookRequestSchema,
  setDestinationRequestSchema,
  type TestResult,
  testWebhookRequestSchema,
  updateWebhookRequestSchema,
  type Webhook,
} from '@segment-webhook/core/contract';
import {
  detailOf,
  FAKE_NOW,
  fakeTrackMessage,
  type GeneratedWebhook,
  generatedDelivery,
  hash,
  sampleActivities,
  sampleFieldCatalog,
  sampleWebhooks,
} from './fixtures';

/** The routes of the REST API (issue 4), as the fake names them in knobs. */
export const FAKE_ROUTES = [
  'GET /webhooks',
  'POST /webhooks',
  'POST /webhooks/test',
  'GET /webhooks/:id',
  'PATCH /webhooks/:id',
  'DELETE /webhooks/:id',
  'POST /webhooks/:id/test',
  'POST /webhooks/:id/disconnect',
  'POST /webhooks/:id/reconnect',
  'POST /webhooks/:id/archive',
  'POST /webhooks/:id/unarchive',
  'POST /webhooks/:id/resume',
  'POST /webhooks/:id/send',
  'GET /webhooks/:id/overview',
  'GET /webhooks/:id/deliveries',
  'GET /webhooks/:id/deliveries/stream',
  'POST /webhooks/:id/deliveries/retry-failed',
  'GET /webhooks/:id/deliveries/:deliveryId',
  'POST /webhooks/:id/deliveries/:deliveryId/retry',
  'GET /activities',
  'PUT /activities/:activityId/destination',
  'DELETE /activities/:activityId/destination',
  'GET /fields',
  'GET /usage',
] as const;

/** One route of {@link FAKE_ROUTES}. */
export type FakeRoute = (typeof FAKE_ROUTES)[number];

/** How a route fails: a problem (by code, with optional detail and field errors) or a network error. */
export type FakeFailure = 'network' | { code: ErrorCode; detail?: string; errors?: Issue[]; status?: number };

/** Outcome of `POST /webhooks/test` and `POST /webhooks/:id/test`. */
export type FakeTestOutcome = 'ok' | 'segment_error' | 'network_error';

/** Initial state and behaviour of the fake. Every key is optional. */
export interface FakeSeed {
  /** Webhooks of the account. Default: {@link sampleWebhooks} (every lifecycle and health state). */
  webhooks?: Webhook[];
  /** The host's activities. Default: {@link sampleActivities}. */
  activities?: Activity[];
  /** The field catalog. Default: {@link sampleFieldCatalog}. */
  fields?: FieldCatalog;
  /** Outbound activity streams in the plan. Default: 5. */
  includedStreams?: number;
  /** Generated deliveries per webhook (a number for all, or per id). Default: 240. */
  deliveryCount?: number | Record<string, number>;
  /** The fake's clock (ms since the epoch). Default: {@link FAKE_NOW}. */
  now?: number;
  /** Delay of every response in ms. Default: 0. */
  latencyMs?: number;
  /** Routes that fail. Default: none. */
  failures?: Partial<Record<FakeRoute, FakeFailure>>;
  /** Routes that never answer (loading states). Default: none. */
  hang?: FakeRoute[];
  /** What a test returns. Default: `'ok'`. */
  testOutcome?: FakeTestOutcome;
  /** Interval of generated live deliveries on the SSE stream, in ms; 0 for none. Default: 0. */
  streamIntervalMs?: number;
  /** Mount point stripped from request paths. Default: `/api/segment-webhooks`. */
  baseUrl?: string;
}

/** A request the fake received (for assertions in tests and plays). */
export interface FakeRequest {
  route: FakeRoute | null;
  method: string;
  path: string;
  body: unknown;
}

/** The fake's mutable state. */
export interface FakeState {
  webhooks: Webhook[];
  activities: Activity[];
  fields: FieldCatalog;
  includedStreams: number;
}

/**
 * A `fetch`-compatible function serving the kit's REST API from memory, plus knobs. Pass it to
 * `<SegmentWebhookProvider fetch={fake}>`.
 */
export interface FakeApi {
  (input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Live state (mutate freely between steps). */
  readonly state: FakeState;
  /** Every request received, oldest first. */
  readonly requests: FakeRequest[];
  /** Requests to one route. */
  requestsTo(route: FakeRoute): FakeRequest[];
  /** Sets the delay of every response. */
  setLatency(ms: number): void;
  /** Makes a route fail (or succeed again with `null`). */
  fail(route: FakeRoute, failure: FakeFailure | null): void;
  /** Makes a route never answer (or answer again with `false`). */
  hang(route: FakeRoute, hanging?: boolean): void;
  /** Sets what tests return. */
  setTestOutcome(outcome: FakeTestOutcome): void;
  /** Adds a new delivery to a webhook and pushes it to its open live streams. */
  emitDelivery(webhookId: string, overrides?: Partial<DeliverySummary>): DeliverySummary;
}

interface DeliveryStore {
  generatedCount: number;
  /** Deliveries added after seeding (sends, live feed), newest first. */
  added: DeliverySummary[];
  /** Changed generated rows (retries), by id. */
  overrides: Map<string, DeliverySummary>;
}

class FakeHttpError {
  constructor(readonly failure: FakeFailure) {}
}

function problem(code: ErrorCode, detail: string, errors?: Issue[], status?: number): Problem {
  return {
    type: problemType(code),
    code,
    title: ERROR_TITLE[code],
    status: status ?? ERROR_STATUS[code],
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function problemResponse(p: Problem): Response {
  return new Response(JSON.stringify(p), { status: p.status, headers: { 'content-type': 'application/problem+json' } });
}

function abortError(): DOMException {
  return new DOMException('The operation was aborted.', 'AbortError');
}

function wait(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = ms === Number.POSITIVE_INFINITY ? undefined : setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(abortError());
    });
  });
}

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

function validate<T>(
  schema: {
    safeParse(input: unknown): { success: true; data: T } | { success: false; error: { issues: ZodLikeIssue[] } };
  },
  input: unknown,
): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new FakeHttpError({
    code: 'validation_error',
    detail: 'The request is invalid.',
    errors: result.error.issues.map((issue) => ({
      path: issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: issue.message,
    })),
  });
}

/** Creates an in-memory fake of the REST API. */
export function createFakeApi(seed: FakeSeed = {}): FakeApi {
  const now = seed.now ?? FAKE_NOW;
  const baseUrl = (seed.baseUrl ?? '/api/segment-webhooks').replace(/\/+$/, '');
  const state: FakeState = {
    webhooks: structuredClone(seed.webhooks ?? sampleWebhooks()),
    activities: structuredClone(seed.activities ?? sampleActivities()),
    fields: structuredClone(seed.fields ?? sampleFieldCatalog()),
    includedStreams: seed.includedStreams ?? 5,
  };
  let latencyMs = seed.latencyMs ?? 0;
  let testOutcome: FakeTestOutcome = seed.testOutcome ?? 'ok';
  const failures = new Map<FakeRoute, FakeFailure>(Object.entries(seed.failures ?? {}) as [FakeRoute, FakeFailure][]);
  const hanging = new Set<FakeRoute>(seed.hang ?? []);
  const requests: FakeRequest[] = [];
  const deliveries = new Map<string, DeliveryStore>();
  const streams = new Map<string, Set<(summary: DeliverySummary) => void>>();
  let idCounter = 0;
  let clockOffset = 0;
  const clock = () => now + clockOffset;

  function storeOf(webhookId: string): DeliveryStore {
    let store = deliveries.get(webhookId);
    if (!store) {
      const count =
        typeof seed.deliveryCount === 'number' ? seed.deliveryCount : (seed.deliveryCount?.[webhookId] ?? 240);
      store = { generatedCount: count, added: [], overrides: new Map() };
      deliveries.set(webhookId, store);
    }
    return store;
  }

  function findWebhook(id: string): Webhook {
    const webhook = state.webhooks.find((w) => w.id === id);
    if (!webhook) throw new FakeHttpError({ code: 'not_found', detail: 'No such webhook.' });
    return webhook;
  }

  function generatorOf(webhook: Webhook): GeneratedWebhook {
    return {
      id: webhook.id,
      trackEventName: webhook.trackEventName,
      sendActivityPayload: webhook.sendActivityPayload,
      fields: webhook.fields,
      heldReason:
        webhook.status === 'archived'
          ? 'archived'
          : webhook.status === 'disconnected'
            ? 'disconnected'
            : webhook.health.state === 'needs_attention'
              ? 'needs_attention'
              : null,
      activityIds: state.activities.filter((a) => a.destinationWebhookId === webhook.id).map((a) => a.id),
    };
  }

  /** Row `index` of a webhook's deliveries, newest first (added rows, then generated ones). */
  function rowAt(webhook: Webhook, store: DeliveryStore, index: number): DeliverySummary {
    if (index < store.added.length) return store.added[index]!;
    const generated = generatedDelivery(generatorOf(webhook), store.generatedCount, index - store.added.length, now);
    return store.overrides.get(generated.id) ?? generated;
  }

  function totalRows(store: DeliveryStore): number {
    return store.added.length + store.generatedCount;
  }

  function findDelivery(webhook: Webhook, deliveryId: string): DeliverySummary {
    const store = storeOf(webhook.id);
    const added = store.added.find((d) => d.id === deliveryId);
    if (added) return added;
    const override = store.overrides.get(deliveryId);
    if (override) return override;
    const match = new RegExp(`^dlv_${webhook.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d+)$`).exec(deliveryId);
    const seq = match ? Number(match[1]) : Number.NaN;
    if (!Number.isInteger(seq) || seq < 1 || seq > store.generatedCount) {
      throw new FakeHttpError({ code: 'not_found', detail: 'No such delivery.' });
    }
    return rowAt(webhook, store, store.added.length + store.generatedCount - seq);
  }

  function replaceDelivery(webhookId: string, summary: DeliverySummary) {
    const store = storeOf(webhookId);
    const index = store.added.findIndex((d) => d.id === summary.id);
    if (index >= 0) store.added[index] = summary;
    else store.overrides.set(summary.id, summary);
    for (const push of streams.get(webhookId) ?? []) push(summary);
  }

  function usage() {
    const live = new Set(state.webhooks.filter((w) => w.status !== 'archived').map((w) => w.id));
    return {
      outboundActivityStreams: state.activities.filter(
        (a) => a.destinationWebhookId !== null && live.has(a.destinationWebhookId),
      ).length,
      includedStreams: state.includedStreams,
    };
  }

  function testResult(config: {
    id?: string;
    trackEventName: string;
    sendActivityPayload: boolean;
    fields: Webhook['fields'];
  }): TestResult {
    const payload = fakeTrackMessage(
      { id: config.id ?? 'test', ...config },
      { id: `test_${clock()}`, personId: 'test-person', occurredAt: new Date(clock()).toISOString() },
      true,
    );
    switch (testOutcome) {
      case 'ok':
        return { ok: true, httpStatus: 200, latencyMs: 143, payload, responseBody: '{"success":true}' };
      case 'segment_error':
        return {
          ok: false,
          httpStatus: 400,
          latencyMs: 88,
          payload,
          responseBody: 'Exceed payload limit',
          error: 'Segment refused the message (400)',
        };
      case 'network_error':
        return {
          ok: false,
          httpStatus: null,
          latencyMs: 10_000,
          payload,
          error: 'Timed out after 10 s connecting to api.segment.io',
        };
      default: {
        const never: never = testOutcome;
        throw new Error(`Unknown outcome ${String(never)}`);
      }
    }
  }

  function transition(id: string, from: Webhook['status'][], to: Webhook['status'], verb: string): Webhook {
    const webhook = findWebhook(id);
    if (!from.includes(webhook.status)) {
      throw new FakeHttpError({
        code: 'invalid_state',
        detail: `Only a ${from.join(' or ')} webhook can be ${verb}; this one is ${webhook.status}.`,
      });
    }
    webhook.status = to;
    webhook.updatedAt = new Date(clock()).toISOString();
    return webhook;
  }

  function overview(webhook: Webhook, range: OverviewRange): Overview {
    const store = storeOf(webhook.id);
    const hourly = range === '24h';
    const bucketMs = hourly ? 3_600_000 : 86_400_000;
    const buckets = hourly ? 24 : range === '7d' ? 7 : 30;
    const end = Math.ceil(now / bucketMs) * bucketMs;
    const start = end - buckets * bucketMs;
    const series = Array.from({ length: buckets }, (_, i) => ({
      start: new Date(start + i * bucketMs).toISOString(),
      delivered: 0,
      failed: 0,
    }));
    const counts = { pending: 0, retrying: 0, delivered: 0, failed: 0, skipped: 0, held: 0 };
    let lastDeliveredAt: string | null = null;
    const total = totalRows(store);
    for (let i = 0; i < total; i++) {
      const row = rowAt(webhook, store, i);
      const created = Date.parse(row.createdAt);
      if (created < start) break;
      counts[row.status] += 1;
      if (row.heldReason) counts.held += 1;
      const bucket = series[Math.floor((created - start) / bucketMs)];
      if (bucket && row.status === 'delivered') bucket.delivered += 1;
      if (bucket && row.status === 'failed') bucket.failed += 1;
      if (row.deliveredAt && (!lastDeliveredAt || row.deliveredAt > lastDeliveredAt)) lastDeliveredAt = row.deliveredAt;
    }
    const finished = counts.delivered + counts.failed;
    return {
      range,
      counts,
      series,
      successRate: finished === 0 ? null : counts.delivered / finished,
      lastDeliveredAt,
      lagMs:
        finished === 0
          ? { p50: null, p95: null }
          : { p50: 180 + (hash(total) % 120), p95: 900 + (hash(total, 1) % 1500) },
      fieldCoverage: [],
      fieldCoverageSampled: false,
    };
  }

  function newDelivery(webhook: Webhook, overrides: Partial<DeliverySummary> = {}): DeliverySummary {
    idCounter += 1;
    clockOffset += 1000;
    const at = new Date(clock()).toISOString();
    const eventId = overrides.eventId ?? `evt_live_${idCounter}`;
    const generator = generatorOf(webhook);
    const summary: DeliverySummary = {
      id: `dlv_${webhook.id}_live_${idCounter}`,
      webhookId: webhook.id,
      eventId,
      personId: `person_${(hash(idCounter, 9) % 800).toString().padStart(4, '0')}`,
      activityId: generator.activityIds[0] ?? null,
      source: 'activity',
      status: generator.heldReason ? 'pending' : 'delivered',
      heldReason: generator.heldReason,
      messageId: `${webhook.id}:${eventId}`,
      attemptCount: generator.heldReason ? 0 : 1,
      occurredAt: at,
      createdAt: at,
      updatedAt: at,
      nextAttemptAt: null,
      deliveredAt: generator.heldReason ? null : at,
      lastError: null,
      lastHttpStatus: generator.heldReason ? null : 200,
      ...overrides,
    };
    storeOf(webhook.id).added.unshift(summary);
    for (const push of streams.get(webhook.id) ?? []) push(summary);
    return summary;
  }

  function sseResponse(webhook: Webhook, signal: AbortSignal | null | undefined): Response {
    const encoder = new TextEncoder();
    let cleanup = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const push = (delivery: DeliverySummary) => {
          controller.enqueue(
            encoder.encode(`event: delivery\ndata: ${JSON.stringify({ webhookId: webhook.id, delivery })}\n\n`),
          );
        };
        let set = streams.get(webhook.id);
        if (!set) {
          set = new Set();
          streams.set(webhook.id, set);
        }
        set.add(push);
        controller.enqueue(encoder.encode(': connected\n\n'));
        const interval = seed.streamIntervalMs ?? 0;
        const timer = interval > 0 ? setInterval(() => newDelivery(webhook), interval) : undefined;
        cleanup = () => {
          clearInterval(timer);
          set.delete(push);
        };
        signal?.addEventListener('abort', () => {
          cleanup();
          try {
            controller.error(abortError());
          } catch {
            // already closed
          }
        });
      },
      cancel() {
        cleanup();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }

  async function readBody(init: RequestInit | undefined, request: Request | null): Promise<unknown> {
    const text = request ? await request.text() : typeof init?.body === 'string' ? init.body : '';
    if (!text) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new FakeHttpError({ code: 'invalid_json', detail: 'The body is not valid JSON.' });
    }
  }

  type Handler = (ctx: {
    params: Record<string, string>;
    query: URLSearchParams;
    body: unknown;
    signal?: AbortSignal | null;
  }) => Response | Promise<Response>;
  const handlers: Record<FakeRoute, Handler> = {
    'GET /webhooks': ({ query }) => {
      const status = query.get('status');
      return json(200, { items: state.webhooks.filter((w) => !status || w.status === status) });
    },
    'POST /webhooks': ({ body }) => {
      const input = validate(createWebhookRequestSchema, body);
      idCounter += 1;
      const at = new Date(clock()).toISOString();
      const webhook: Webhook = {
        id: `wh_new_${idCounter}`,
        name: input.name,
        trackEventName: input.trackEventName,
        region: input.region,
        sendActivityPayload: input.sendActivityPayload,
        fields: input.fields,
        status: 'active',
        health: { state: 'healthy', reason: null, since: null },
        writeKeyHint: `…${input.writeKey.slice(-4)}`,
        version: 1,
        skippedSinceDisconnect: 0,
        createdAt: at,
        updatedAt: at,
      };
      state.webhooks.push(webhook);
      storeOf(webhook.id).generatedCount = 0;
      return json(201, webhook);
    },
    'POST /webhooks/test': ({ body }) => {
      const input = validate(testWebhookRequestSchema, body);
      return json(200, testResult(input));
    },
    'GET /webhooks/:id': ({ params }) => json(200, findWebhook(params.id!)),
    'PATCH /webhooks/:id': ({ params, body }) => {
      const webhook = findWebhook(params.id!);
      const patch = validate(updateWebhookRequestSchema, body);
      const { writeKey, ...rest } = patch;
      Object.assign(webhook, rest, { updatedAt: new Date(clock()).toISOString() });
      if (writeKey) webhook.writeKeyHint = `…${writeKey.slice(-4)}`;
      // Editing the settings of a webhook that needs attention makes it healthy again.
      if (Object.keys(rest).some((k) => k !== 'name') || writeKey) {
        webhook.health = { state: 'healthy', reason: null, since: null };
      }
      return json(200, webhook);
    },
    'DELETE /webhooks/:id': ({ params }) => {
      const webhook = findWebhook(params.id!);
      if (webhook.status !== 'archived') {
        throw new FakeHttpError({ code: 'invalid_state', detail: 'Archive the webhook before deleting it.' });
      }
      state.webhooks = state.webhooks.filter((w) => w.id !== webhook.id);
      for (const activity of state.activities) {
        if (activity.destinationWebhookId === webhook.id) activity.destinationWebhookId = null;
      }
      deliveries.delete(webhook.id);
      return new Response(null, { status: 204 });
    },
    'POST /webhooks/:id/test': ({ params }) => json(200, testResult(findWebhook(params.id!))),
    'POST /webhooks/:id/disconnect': ({ params }) =>
      json(200, transition(params.id!, ['active'], 'disconnected', 'disconnected')),
    'POST /webhooks/:id/reconnect': ({ params }) =>
      json(200, transition(params.id!, ['disconnected'], 'active', 'reconnected')),
    'POST /webhooks/:id/archive': ({ params }) =>
      json(200, transition(params.id!, ['disconnected'], 'archived', 'archived')),
    'POST /webhooks/:id/unarchive': ({ params }) =>
      json(200, transition(params.id!, ['archived'], 'disconnected', 'unarchived')),
    'POST /webhooks/:id/resume': ({ params }) => {
      const webhook = findWebhook(params.id!);
      if (webhook.health.state !== 'needs_attention') {
        throw new FakeHttpError({ code: 'invalid_state', detail: 'This webhook does not need attention.' });
      }
      webhook.health = { state: 'healthy', reason: null, since: null };
      webhook.updatedAt = new Date(clock()).toISOString();
      return json(200, webhook);
    },
    'POST /webhooks/:id/send': ({ params, body }) => {
      const webhook = findWebhook(params.id!);
      const input = validate(sendToWebhookRequestSchema, body);
      const delivery = newDelivery(webhook, {
        personId: input.person.id,
        source: 'send',
        activityId: input.activity?.activityId ?? null,
        ...(input.id ? { eventId: input.id } : {}),
      });
      return json(202, { deliveryId: delivery.id, messageId: delivery.messageId });
    },
    'GET /webhooks/:id/overview': ({ params, query }) => {
      const webhook = findWebhook(params.id!);
      const range = validate(overviewRangeSchema, query.get('range') ?? '24h');
      return json(200, overview(webhook, range));
    },
    'GET /webhooks/:id/deliveries': ({ params, query }) => {
      const webhook = findWebhook(params.id!);
      const store = storeOf(webhook.id);
      const status = query.get('status') ? validate(deliveryStatusSchema, query.get('status')) : null;
      const personId = query.get('personId');
      const eventId = query.get('eventId');
      const from = query.get('from');
      const to = query.get('to');
      const limit = Math.min(200, Math.max(1, Number(query.get('limit') ?? 50) || 50));
      let index = Number(query.get('cursor') ?? 0);
      if (!Number.isInteger(index) || index < 0) {
        throw new FakeHttpError({
          code: 'validation_error',
          detail: 'The cursor is invalid.',
          errors: [{ path: ['cursor'], message: 'Invalid cursor' }],
        });
      }
      const total = totalRows(store);
      const items: DeliverySummary[] = [];
      const matches = (row: DeliverySummary) =>
        (!status || row.status === (status as DeliveryStatus)) &&
        (!personId || row.personId === personId) &&
        (!eventId || row.eventId === eventId) &&
        (!from || row.createdAt >= from) &&
        (!to || row.createdAt < to);
      while (index < total && items.length < limit) {
        const row = rowAt(webhook, store, index);
        index += 1;
        if (matches(row)) items.push(row);
      }
      // Look ahead so the last page says so.
      let next: string | null = null;
      for (let probe = index; probe < total; probe++) {
        if (matches(rowAt(webhook, store, probe))) {
          next = String(probe);
          break;
        }
      }
      return json(200, { items, nextCursor: next });
    },
    'GET /webhooks/:id/deliveries/stream': ({ params, signal }) => sseResponse(findWebhook(params.id!), signal),
    'POST /webhooks/:id/deliveries/retry-failed': ({ params }) => {
      const webhook = findWebhook(params.id!);
      const store = storeOf(webhook.id);
      let retried = 0;
      const total = totalRows(store);
      for (let i = 0; i < total; i++) {
        const row = rowAt(webhook, store, i);
        if (row.status === 'failed') {
          replaceDelivery(webhook.id, { ...row, status: 'pending', nextAttemptAt: new Date(clock()).toISOString() });
          retried += 1;
        }
      }
      return json(200, { retried });
    },
    'GET /webhooks/:id/deliveries/:deliveryId': ({ params }) => {
      const webhook = findWebhook(params.id!);
      return json(200, detailOf(findDelivery(webhook, params.deliveryId!), generatorOf(webhook)));
    },
    'POST /webhooks/:id/deliveries/:deliveryId/retry': ({ params }) => {
      const webhook = findWebhook(params.id!);
      const row = findDelivery(webhook, params.deliveryId!);
      if (row.status !== 'failed') {
        throw new FakeHttpError({ code: 'invalid_state', detail: 'Only a failed delivery can be retried.' });
      }
      const updated: DeliverySummary = {
        ...row,
        status: 'pending',
        nextAttemptAt: new Date(clock()).toISOString(),
        updatedAt: new Date(clock()).toISOString(),
      };
      replaceDelivery(webhook.id, updated);
      return json(200, detailOf(updated, generatorOf(webhook)));
    },
    'GET /activities': () => json(200, { items: state.activities }),
    'PUT /activities/:activityId/destination': ({ params, body }) => {
      const activity = state.activities.find((a) => a.id === params.activityId);
      if (!activity) throw new FakeHttpError({ code: 'not_found', detail: 'No such activity.' });
      const { webhookId } = validate(setDestinationRequestSchema, body);
      const webhook = findWebhook(webhookId);
      if (webhook.status === 'archived') {
        throw new FakeHttpError({ code: 'invalid_state', detail: 'An archived webhook cannot be a destination.' });
      }
      const counted =
        activity.destinationWebhookId !== null &&
        state.webhooks.some((w) => w.id === activity.destinationWebhookId && w.status !== 'archived');
      const current = usage();
      if (!counted && current.outboundActivityStreams >= current.includedStreams) {
        throw new FakeHttpError({
          code: 'stream_limit_reached',
          detail: `Your plan includes ${current.includedStreams} outbound activity streams and all are in use.`,
        });
      }
      activity.destinationWebhookId = webhookId;
      return json(200, activity);
    },
    'DELETE /activities/:activityId/destination': ({ params }) => {
      const activity = state.activities.find((a) => a.id === params.activityId);
      if (!activity) throw new FakeHttpError({ code: 'not_found', detail: 'No such activity.' });
      activity.destinationWebhookId = null;
      return json(200, activity);
    },
    'GET /fields': () => json(200, state.fields),
    'GET /usage': () => json(200, usage()),
  };

  const matchers = FAKE_ROUTES.map((route) => {
    const [method, pattern] = route.split(' ') as [string, string];
    const names: string[] = [];
    const source = pattern.replace(/:(\w+)/g, (_m, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    return { route, method, regex: new RegExp(`^${source}$`), names };
  });

  function match(method: string, path: string): { route: FakeRoute; params: Record<string, string> } | null {
    let methodMismatch = false;
    for (const m of matchers) {
      const found = m.regex.exec(path);
      if (!found) continue;
      if (m.method !== method) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      m.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]!);
      });
      return { route: m.route, params };
    }
    if (methodMismatch) return null;
    return null;
  }

  const fake = (async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : null;
    const method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const url = new URL(request ? request.url : String(input), 'http://fake.invalid');
    const signal = init?.signal ?? request?.signal;
    let path = url.pathname;
    if (baseUrl && path.startsWith(baseUrl)) path = path.slice(baseUrl.length) || '/';
    const found = match(method, path);
    let body: unknown;
    try {
      body = await readBody(init, request);
    } catch (error) {
      if (error instanceof FakeHttpError && typeof error.failure !== 'string') {
        return problemResponse(problem(error.failure.code, error.failure.detail ?? ''));
      }
      throw error;
    }
    requests.push({ route: found?.route ?? null, method, path, body });
    if (found && hanging.has(found.route)) await wait(Number.POSITIVE_INFINITY, signal);
    if (latencyMs > 0) await wait(latencyMs, signal);
    if (!found) return problemResponse(problem('not_found', `No route ${method} ${path}.`));
    const failure = failures.get(found.route);
    try {
      if (failure) throw new FakeHttpError(failure);
      return await handlers[found.route]({ params: found.params, query: url.searchParams, body, signal });
    } catch (error) {
      if (!(error instanceof FakeHttpError)) {
        return problemResponse(problem('internal_error', 'The fake failed unexpectedly.'));
      }
      if (error.failure === 'network') throw new TypeError('Failed to fetch');
      const { code, detail, errors, status } = error.failure;
      return problemResponse(problem(code, detail ?? ERROR_TITLE[code], errors, status));
    }
  }) as FakeApi;

  return Object.assign(fake, {
    state,
    requests,
    requestsTo: (route: FakeRoute) => requests.filter((r) => r.route === route),
    setLatency: (ms: number) => {
      latencyMs = ms;
    },
    fail: (route: FakeRoute, failure: FakeFailure | null) => {
      if (failure) failures.set(route, failure);
      else failures.delete(route);
    },
    hang: (route: FakeRoute, hangingNow = true) => {
      if (hangingNow) hanging.add(route);
      else hanging.delete(route);
    },
    setTestOutcome: (outcome: FakeTestOutcome) => {
      testOutcome = outcome;
    },
    emitDelivery: (webhookId: string, overrides?: Partial<DeliverySummary>) =>
      newDelivery(findWebhook(webhookId), overrides),
  });
}
