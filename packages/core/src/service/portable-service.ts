import { z } from 'zod';
import {
  type ActivityEvent,
  type ActivityEventInput,
  activityEventSchema,
  createWebhookRequestSchema,
  DEDUPLICATION_WINDOW_MS,
  type DeliveryStatus,
  type ErrorCode,
  exportDeliveriesQuerySchema,
  type FieldCoverage,
  type HistoryChange,
  historyQuerySchema,
  ingestRequestSchema,
  isWellFormedText,
  type JsonValue,
  listDeliveriesQuerySchema,
  listWebhooksQuerySchema,
  MAX_INGEST_EVENTS,
  type Overview,
  type OverviewRange,
  overviewRangeSchema,
  parseOrThrow,
  type Region,
  reconnectRequestSchema,
  replayRequestSchema,
  SegmentWebhookError,
  sendToWebhookRequestSchema,
  type TestResult,
  type TrackMessage,
  testSavedWebhookRequestSchema,
  testWebhookRequestSchema,
  textSchema,
  type UpdateWebhookRequest,
  updateWebhookRequestSchema,
  type WebhookConfig,
  type WebhookStatus,
} from '../contract/index';
import {
  type BuiltTrackMessage,
  buildTrackMessage,
  buildTrackMessageJson,
  type EventSnapshot,
  sampleEvent,
} from '../contract/payload';
import {
  type DeliveryFilter,
  deliveryFilterFromQuery,
  LIFECYCLE_TRANSITIONS,
  type LifecycleAction,
} from '../contract/rules';
import type { WriteKeyCipherLike } from '../crypto/web-cipher';
import { type AlertHooks, callHook, type MetricsRecorder, statusClassOf } from '../engine/observe';
import type { DeliveryWorker } from '../engine/portable-worker';
import { writeKeyHint } from '../segment/redact';
import type { RetryPolicy } from '../segment/retry';
import type { SegmentClient } from '../segment/types';
import { isStoreFailure, type StoreFailure, type StoreFailureReason } from '../store/failure';
import type {
  DeliveryCursor,
  DeliveryRecord,
  InsertedDelivery,
  NewDelivery,
  NewHistoryEntry,
  Store,
  WebhookPatch,
  WebhookRecord,
} from '../store/types';
import { base64DecodeUtf8, base64UrlEncodeUtf8 } from '../util/base64';
import { csvHeader, csvLines, EXPORT_CONTENT_TYPES, exportFilename, ndjsonLines } from './export';
import { uuidv4, uuidv7 } from './ids';
import { type Logger, silentLogger } from './logger';
import { heldReasonOf, toDeliveryDetail, toDeliverySummary, toHistoryEntry, toWebhook } from './mappers';
import type { Route, SegmentWebhookService, Unsubscribe } from './types';

/** Default age after which finished deliveries are pruned: 30 days. */
export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Default number of deliveries deleted per prune batch: 1,000. */
export const DEFAULT_PRUNE_BATCH_SIZE = 1000;
/** Deliveries read per store page by an export, a replay and a backfill (bounded memory, bounded transactions). */
export const BULK_PAGE_SIZE = 500;
/** The overview's field coverage reads at most this many of the range's latest messages. */
export const FIELD_COVERAGE_SAMPLE_SIZE = 2000;
/** Most recent activity events offered to Test. */
export const MAX_RECENT_ACTIVITY_EVENTS = 50;

/**
 * The host's recent activity events of an account (newest first), offered to **Test** instead of the fixed
 * sample. Events that do not match `activityEventSchema` are left out (and logged).
 */
export type RecentActivitiesSource = (
  accountId: string,
) => readonly ActivityEventInput[] | Promise<readonly ActivityEventInput[]>;

/**
 * Options of the service shared by every platform (see `createSegmentWebhookService`, and the browser-safe
 * one of `@segment-webhook/core/browser`, which adds the Segment client and the write-key cipher).
 */
export interface SegmentWebhookServiceBaseOptions extends AlertHooks {
  /** Where webhooks, routes and deliveries live (`sqliteStore(...)`, `postgresStore(...)`, `memoryStore()`). */
  store: Store;
  /**
   * Where the service's measurements go (events ingested, the Test button's Segment requests): e.g.
   * `createPrometheusMetrics(...)` of `@segment-webhook/prometheus`. Default: none.
   */
  metrics?: MetricsRecorder | undefined;
  /** Outbound activity streams included in the account's plan. */
  plan: (accountId: string) => number | Promise<number>;
  /** Accepted so one options object can configure the service and the worker; the service does not retry. */
  retryPolicy?: Partial<RetryPolicy>;
  /** Finished deliveries older than this are removed by `prune()`, in ms. Default 30 days. */
  retentionMs?: number;
  /** Deliveries deleted per prune batch. Default 1,000. */
  pruneBatchSize?: number;
  /** Default: silent. */
  logger?: Logger;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /**
   * Id generator for webhooks and deliveries. Default: a random UUID (v4) for webhooks and a time-ordered,
   * monotonic UUID v7 for deliveries (so the store's indexes grow at the end).
   */
  generateId?: () => string;
  /**
   * A delivery worker running in this process on the same store (the embedded case). New deliveries are
   * then inserted already leased to it and handed over in memory (claim at insert): no claim query and no
   * re-read on the hot path. Only what it has room for, and only deliveries a claim could take (webhook
   * active and healthy, write key not paused); the rest are claimed from the store as usual. A crash loses
   * nothing: the leases expire and any worker claims the deliveries.
   */
  worker?: DeliveryWorker;
  /**
   * The account's recent activity events (see {@link RecentActivitiesSource}), for **Test** with a real
   * activity (`GET /activities/recent-events`, `activityEventId` in a test request). Default: none.
   */
  recentActivities?: RecentActivitiesSource;
}

/** The service plus what the host needs to shut it down. */
export interface SegmentWebhookServiceInstance extends SegmentWebhookService {
  /** Closes the default Segment client (not the store, which the host owns). */
  close(): Promise<void>;
}

/** The platform's parts of a service: how write keys are kept, and the Segment client of the Test button. */
export interface ServiceParts {
  cipher: WriteKeyCipherLike;
  /** The client, made on first use. */
  getClient: () => SegmentClient;
  /** Closes what `getClient` made (called by the service's `close()`). */
  closeClient: () => Promise<void>;
}

const eventListSchema = z.array(activityEventSchema).min(1).max(MAX_INGEST_EVENTS);
/** The `{events: [...]}` shape of {@link ingestRequestSchema}. */
const eventBatchSchema = ingestRequestSchema.options[0];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RANGES: Record<OverviewRange, { bucketMs: number; buckets: number }> = {
  '24h': { bucketMs: HOUR, buckets: 24 },
  '7d': { bucketMs: DAY, buckets: 7 },
  '30d': { bucketMs: DAY, buckets: 30 },
};

const STATUS_VERBS: Record<WebhookStatus, string> = {
  active: 'active',
  disconnected: 'disconnected',
  archived: 'archived',
};

function encodeCursor(cursor: DeliveryCursor): string {
  return base64UrlEncodeUtf8(JSON.stringify([cursor.createdAt, cursor.id]));
}

function decodeCursor(value: string): DeliveryCursor {
  try {
    const parsed: unknown = JSON.parse(base64DecodeUtf8(value));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      Number.isSafeInteger(parsed[0]) &&
      typeof parsed[1] === 'string' &&
      isWellFormedText(parsed[1])
    ) {
      return { createdAt: parsed[0] as number, id: parsed[1] };
    }
  } catch {
    // Fall through to the validation error.
  }
  throw new SegmentWebhookError('validation_error', 'The cursor is invalid.', {
    issues: [{ path: ['cursor'], message: 'Use the nextCursor of a previous page' }],
  });
}

/**
 * Whether a path parameter can name a stored row: a non-empty string that the stores can compare (a NUL
 * or an unpaired surrogate is not text to PostgreSQL; no row has such an id, so it is simply not found).
 */
const isId = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && isWellFormedText(value);

/** The columns of a healthy webhook (what resume and an edit set on one that needs attention). */
const HEALTHY = { healthState: 'healthy', healthReason: null, healthSince: null, refusedBatches: 0 } as const;

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** Whether a property value counts as present for the field coverage: not absent, null, blank, `[]` or `{}`. */
export function hasValue(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** The settings a history entry compares, in the order it lists them. */
const SETTINGS = ['name', 'trackEventName', 'region', 'sendActivityPayload', 'fields'] as const;

function encodeHistoryCursor(version: number): string {
  return base64UrlEncodeUtf8(JSON.stringify({ v: version }));
}

function decodeHistoryCursor(value: string): number {
  try {
    const parsed: unknown = JSON.parse(base64DecodeUtf8(value));
    const version = (parsed as { v?: unknown } | null)?.v;
    if (typeof version === 'number' && Number.isSafeInteger(version) && version > 0) return version;
  } catch {
    // Fall through to the validation error.
  }
  throw new SegmentWebhookError('validation_error', 'The cursor is invalid.', {
    issues: [{ path: ['cursor'], message: 'Use the nextCursor of a previous page' }],
  });
}

/**
 * What the caller gets when the store fails through no fault of theirs (see `StoreFailure`): an error
 * code (its HTTP status is in `ERROR_STATUS`) and a message, with the store's `Retry-After`.
 */
export const STORE_FAILURE_ERRORS: Readonly<Record<StoreFailureReason, { code: ErrorCode; message: string }>> = {
  unavailable: { code: 'unavailable', message: 'The webhook store is unavailable right now. Try again shortly.' },
  storage_full: {
    code: 'storage_full',
    message: 'The webhook store has no room left to write. Nothing was accepted; try again once space is freed.',
  },
};

/** The caller's error for a store failure. */
export function storeFailureError(failure: StoreFailure): SegmentWebhookError {
  const { code, message } = STORE_FAILURE_ERRORS[failure.reason];
  return new SegmentWebhookError(code, message, {
    cause: failure,
    retryAfterSeconds: Math.max(1, Math.ceil(failure.retryAfterMs / 1000)),
  });
}

/** The service's methods whose second argument is a webhook id. */
const WEBHOOK_METHODS = new Set([
  'getWebhook',
  'updateWebhook',
  'testWebhook',
  'disconnect',
  'reconnect',
  'archive',
  'unarchive',
  'deleteWebhook',
  'resume',
  'sendToWebhook',
  'listDeliveries',
  'getDelivery',
  'retryDelivery',
  'retryFailed',
  'subscribe',
  'overview',
]);

/**
 * Makes every method of `service` answer a store failure with {@link storeFailureError} (logged once, as a
 * warning), whatever store call inside it failed.
 */
function answeringStoreFailures(service: SegmentWebhookServiceInstance, logger: Logger): SegmentWebhookServiceInstance {
  const translate = (method: string, args: unknown[], error: unknown): never => {
    if (!isStoreFailure(error)) throw error;
    // The call's account and webhook, when it names them (every method takes the account id first, and
    // those about one webhook its id second).
    const ids: Record<string, unknown> = {};
    if (typeof args[0] === 'string') ids.accountId = args[0];
    if (typeof args[1] === 'string' && WEBHOOK_METHODS.has(method)) ids.webhookId = args[1];
    logger.warn(
      {
        ...ids,
        method,
        reason: error.reason,
        error: error.cause instanceof Error ? error.cause.message : error.message,
      },
      'The store failed; the call was answered as retryable',
    );
    throw storeFailureError(error);
  };
  const methods = service as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [name, method] of Object.entries(methods)) {
    methods[name] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = method(...args);
      } catch (error) {
        translate(name, args, error);
      }
      return result instanceof Promise ? result.catch((error: unknown) => translate(name, args, error)) : result;
    };
  }
  return service;
}

/** An export's body, with a store failure met while streaming logged and turned into the caller's error. */
async function* answeringStoreFailuresWhileStreaming(
  body: AsyncGenerator<string>,
  logger: Logger,
): AsyncGenerator<string> {
  try {
    yield* body;
  } catch (error) {
    if (!isStoreFailure(error)) throw error;
    logger.warn({ reason: error.reason }, 'The store failed during an export; the export was cut short');
    throw storeFailureError(error);
  }
}

/**
 * Creates the framework-agnostic service behind the REST API (see `SegmentWebhookService` for each
 * method's contract) with the platform's parts: `createSegmentWebhookService` (Node) and the browser-safe
 * `createSegmentWebhookService` of `@segment-webhook/core/browser` call it. It validates input with the
 * contract's schemas, scopes everything to the account, commits accepted events to the store's outbox
 * before returning, and never sends deliveries itself: run a delivery worker alongside (same store) for that.
 *
 * Decisions worth knowing:
 * - Events of an activity routed to a disconnected webhook are recorded as `skipped` deliveries (it "sends
 *   nothing new", but the logs show what it missed and a reconnect can backfill them); those routed to an
 *   active webhook that needs attention are created and held.
 * - Sending to a webhook that is not active is `invalid_state`.
 * - An event whose Segment message would exceed 32 KB rejects the whole ingest call
 *   (`message_too_large`), before anything is committed.
 * - Held deliveries are derived (`heldReason`), never rewritten: reconnect/resume simply lets them be claimed.
 * - A store that cannot serve a call for a while (`StoreFailure`, e.g. PostgreSQL restarting) makes the
 *   call fail with `unavailable` (503) and `retryAfterSeconds`, never an internal error.
 */
export function createServiceWith(
  options: SegmentWebhookServiceBaseOptions,
  parts: ServiceParts,
): SegmentWebhookServiceInstance {
  const { store, plan } = options;
  const { cipher, getClient } = parts;
  const logger = options.logger ?? silentLogger;
  if (cipher.insecure) logger.warn({}, 'Write keys are encrypted with the insecure development key.');
  const clock = options.now ?? Date.now;
  // Whole milliseconds at the store boundary (its times are integers), whatever the host's clock.
  const now = () => Math.ceil(clock());
  const generateId = options.generateId ?? uuidv4;
  const generateDeliveryId = options.generateId ?? (() => uuidv7(now()));
  const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  const pruneBatchSize = options.pruneBatchSize ?? DEFAULT_PRUNE_BATCH_SIZE;
  const worker = options.worker ?? null;
  const recentActivities = options.recentActivities ?? null;

  /** The webhook as the API shows it, with its skipped deliveries counted while it is disconnected. */
  async function present(record: WebhookRecord): Promise<ReturnType<typeof toWebhook>> {
    if (record.status !== 'disconnected' || record.disconnectedAt === null) return toWebhook(record);
    return toWebhook(record, await store.countSkipped(record.accountId, record.id, record.disconnectedAt));
  }

  /**
   * Every delivery of the webhook matching `filter`, newest first, in keyset pages of {@link BULK_PAGE_SIZE}
   * (each page is read when the previous one was handled, so memory stays bounded).
   */
  async function* pages(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
  ): AsyncGenerator<DeliveryRecord[]> {
    let after: DeliveryCursor | null = null;
    for (;;) {
      const page = await store.listDeliveries(accountId, webhookId, filter, after, BULK_PAGE_SIZE);
      if (page.length > 0) yield page;
      if (page.length < BULK_PAGE_SIZE) return;
      const last = page[page.length - 1]!;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }

  /** Requeues every delivery matching `filter` whose status is in `statuses`, page by page. */
  async function requeueAll(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    statuses: readonly DeliveryStatus[],
    done: Set<string> = new Set(),
  ): Promise<{ queued: number; withinDedupWindow: number }> {
    const at = now();
    let queued = 0;
    let withinDedupWindow = 0;
    for await (const page of pages(accountId, webhookId, filter)) {
      // Queued once per call: a delivery this call queued may be delivered again before a later pass
      // (another status) reads the range, and must not be queued and counted twice.
      const ids = page.map((d) => d.id).filter((id) => !done.has(id));
      if (ids.length === 0) continue;
      const requeued = await store.requeueDeliveries(accountId, webhookId, at, ids, statuses);
      for (const r of requeued) done.add(r.id);
      queued += requeued.length;
      for (const r of requeued) {
        if (r.firstDeliveredAt !== null && r.firstDeliveredAt > at - DEDUPLICATION_WINDOW_MS) withinDedupWindow += 1;
      }
    }
    return { queued, withinDedupWindow };
  }

  /** One of the host's recent activity events of the account, or a validation error naming `path`. */
  async function recentEvent(accountId: string, eventId: string, path: string): Promise<ActivityEvent> {
    const events = await loadRecentEvents(accountId);
    const found = events.find((event) => event.id === eventId);
    if (!found) {
      throw new SegmentWebhookError('validation_error', 'No recent activity event with this id.', {
        issues: [{ path: [path], message: 'Choose one of the recent activity events' }],
      });
    }
    return found;
  }

  async function loadRecentEvents(accountId: string): Promise<ActivityEvent[]> {
    if (!recentActivities) return [];
    const events: ActivityEvent[] = [];
    let invalid = 0;
    for (const input of await recentActivities(accountId)) {
      const parsed = activityEventSchema.safeParse(input);
      if (parsed.success) events.push(parsed.data);
      else invalid += 1;
      if (events.length === MAX_RECENT_ACTIVITY_EVENTS) break;
    }
    if (invalid > 0) logger.warn({ count: invalid }, 'Recent activity events that are not valid events were left out');
    return events;
  }

  /** The changes a patch makes to a webhook (write key compared by fingerprint, fields as JSON). */
  async function changesOf(
    current: WebhookRecord,
    patch: UpdateWebhookRequest,
  ): Promise<{ changes: HistoryChange[]; keyColumns: Awaited<ReturnType<typeof keyColumns>> | null }> {
    const changes: HistoryChange[] = [];
    for (const field of SETTINGS) {
      const value = patch[field];
      if (value === undefined) continue;
      const before = current[field];
      if (JSON.stringify(before) === JSON.stringify(value)) continue;
      changes.push({ field, from: before as JsonValue, to: value as JsonValue });
    }
    let columns: Awaited<ReturnType<typeof keyColumns>> | null = null;
    if (patch.writeKey !== undefined && (await cipher.fingerprint(patch.writeKey)) !== current.writeKeyFingerprint) {
      columns = await keyColumns(patch.writeKey);
      changes.push({ field: 'writeKey', changed: true });
    }
    return { changes, keyColumns: columns };
  }

  const metrics = options.metrics ?? null;

  /** Tells the host that a webhook that needed attention is healthy again (see `onWebhookHealthChange`). */
  function reportRecovered(webhook: WebhookRecord, reason: string, previousReason: string | null): void {
    logger.info(
      { accountId: webhook.accountId, webhookId: webhook.id, reason, previousReason },
      'Segment webhook is healthy again: held deliveries released',
    );
    callHook(
      'onWebhookHealthChange',
      options.onWebhookHealthChange,
      {
        accountId: webhook.accountId,
        webhookId: webhook.id,
        name: webhook.name,
        from: 'needs_attention',
        to: 'healthy',
        reason,
        at: new Date(webhook.updatedAt).toISOString(),
      },
      logger,
    );
  }

  /** Inserts into the outbox, handing what the in-process worker has room for straight to it. */
  async function insertDeliveries(deliveries: readonly NewDelivery[], at: number): Promise<InsertedDelivery[]> {
    const room = worker ? worker.reserve(deliveries.length) : 0;
    if (!worker || room === 0) return store.insertDeliveries(deliveries);
    let results: InsertedDelivery[] = [];
    try {
      results = await store.insertDeliveries(deliveries, {
        lease: { owner: worker.id, now: at, until: at + worker.leaseMs, max: room },
      });
    } finally {
      const claimed = [];
      for (const result of results) if (result.claimed) claimed.push(result.claimed);
      worker.accept(claimed, room);
    }
    return results;
  }
  let migrated: Promise<void> | null = null;
  const ready = (): Promise<void> => {
    migrated ??= store.migrate().catch((error: unknown) => {
      migrated = null;
      throw error;
    });
    return migrated;
  };

  function notFound(what = 'Webhook'): SegmentWebhookError {
    return new SegmentWebhookError('not_found', `${what} not found.`);
  }

  async function requireWebhook(accountId: string, webhookId: string): Promise<WebhookRecord> {
    await ready();
    if (!isId(webhookId)) throw notFound();
    const webhook = await store.getWebhook(accountId, webhookId);
    if (!webhook) throw notFound();
    return webhook;
  }

  async function keyColumns(
    writeKey: string,
  ): Promise<Required<Pick<WebhookPatch, 'writeKeyCiphertext' | 'writeKeyHint' | 'writeKeyFingerprint'>>> {
    return {
      writeKeyCiphertext: await cipher.encrypt(writeKey),
      writeKeyHint: writeKeyHint(writeKey),
      writeKeyFingerprint: await cipher.fingerprint(writeKey),
    };
  }

  /** One lifecycle step of {@link LIFECYCLE_TRANSITIONS}, atomically; `invalid_state` names the current status. */
  async function transition(
    accountId: string,
    webhookId: string,
    step: Exclude<LifecycleAction, 'delete'>,
    action: string,
    extra: WebhookPatch = {},
  ): Promise<WebhookRecord> {
    const { from, to } = LIFECYCLE_TRANSITIONS[step];
    const current = await requireWebhook(accountId, webhookId);
    const updated = await store.updateWebhook(accountId, webhookId, { ...extra, status: to!, updatedAt: now() }, [
      from,
    ]);
    if (updated) return updated;
    const latest = (await store.getWebhook(accountId, webhookId)) ?? current;
    throw new SegmentWebhookError(
      'invalid_state',
      `Only a ${STATUS_VERBS[from]} webhook can be ${action}; this one is ${STATUS_VERBS[latest.status]}.`,
    );
  }

  async function sendSample(
    webhookId: string,
    config: Pick<WebhookConfig, 'trackEventName' | 'sendActivityPayload' | 'fields'>,
    writeKey: string,
    region: Region,
    activity: ActivityEvent | null = null,
  ): Promise<TestResult> {
    const at = now();
    // A real activity is sent under an event id of its own: its test message must not take the messageId its
    // delivery has (or will have), or Segment would drop one of the two as a duplicate.
    const event: EventSnapshot = activity
      ? { ...activity, id: `test:${at}:${activity.id}` }
      : sampleEvent(new Date(at));
    const payload: TrackMessage = buildTrackMessage({ webhookId, config, event, test: true });
    const report = await getClient().send({ writeKey, region, messages: [payload] });
    for (const request of report.requests ?? []) {
      metrics?.segmentRequest({
        region,
        statusClass: statusClassOf(request.httpStatus),
        durationSeconds: request.latencyMs / 1000,
        messages: request.messages,
      });
    }
    const result = report.results[0];
    if (!result) {
      return { ok: false, httpStatus: null, latencyMs: 0, payload, error: 'No answer from the Segment client.' };
    }
    const { attempt, outcome } = result;
    const error =
      outcome.kind === 'failed'
        ? outcome.reason
        : outcome.kind === 'retry'
          ? (attempt.error ?? `Segment answered HTTP ${attempt.httpStatus}; try again later`)
          : null;
    return {
      ok: outcome.kind === 'delivered',
      httpStatus: attempt.httpStatus,
      latencyMs: attempt.latencyMs,
      payload,
      ...(attempt.responseBody !== null ? { responseBody: attempt.responseBody } : {}),
      ...(error !== null ? { error } : {}),
    };
  }

  function normalizeEvents(input: unknown): ActivityEvent[] {
    if (Array.isArray(input)) return parseOrThrow(eventListSchema, input, 'The events are invalid.');
    // The two shapes of ingestRequestSchema, told apart by their `events` key: parsing the one that
    // applies skips the union's failed first try (and its error objects) for every single event, and
    // reports the errors of the shape the caller meant.
    if (input !== null && typeof input === 'object' && Object.hasOwn(input, 'events')) {
      return parseOrThrow(eventBatchSchema, input, 'The events are invalid.').events;
    }
    return [parseOrThrow(activityEventSchema, input, 'The events are invalid.')];
  }

  function buildMessage(webhook: WebhookRecord, event: EventSnapshot, path: (string | number)[]): BuiltTrackMessage {
    try {
      return buildTrackMessageJson({ webhookId: webhook.id, config: webhook, event });
    } catch (error) {
      if (error instanceof SegmentWebhookError && error.issues.length === 0) {
        throw new SegmentWebhookError(error.code, error.message, { issues: [{ path, message: error.message }] });
      }
      throw error;
    }
  }

  /**
   * How often each configured field had a value in the messages created in [since, until): over the latest
   * {@link FIELD_COVERAGE_SAMPLE_SIZE} of them when there are more (`sampled`).
   */
  async function coverage(
    accountId: string,
    webhook: WebhookRecord,
    since: number,
    until: number,
  ): Promise<{ fieldCoverage: FieldCoverage[]; sampled: boolean }> {
    if (webhook.fields.length === 0) return { fieldCoverage: [], sampled: false };
    const read = await store.sampleMessageProperties(
      accountId,
      webhook.id,
      since,
      until,
      FIELD_COVERAGE_SAMPLE_SIZE + 1,
    );
    const sampled = read.length > FIELD_COVERAGE_SAMPLE_SIZE;
    const messages = sampled ? read.slice(0, FIELD_COVERAGE_SAMPLE_SIZE) : read;
    if (messages.length === 0) return { fieldCoverage: [], sampled: false };
    const fieldCoverage = webhook.fields.map(({ key }) => ({
      key,
      present: messages.reduce((n, properties) => (hasValue(properties[key]) ? n + 1 : n), 0),
      total: messages.length,
    }));
    return { fieldCoverage, sampled };
  }

  const service: SegmentWebhookServiceInstance = {
    // Webhooks ---------------------------------------------------------------------------------
    async createWebhook(accountId, input, context = {}) {
      const config = parseOrThrow(createWebhookRequestSchema, input, 'The webhook configuration is invalid.');
      await ready();
      const at = now();
      const record: WebhookRecord = {
        id: generateId(),
        accountId,
        name: config.name,
        trackEventName: config.trackEventName,
        region: config.region,
        sendActivityPayload: config.sendActivityPayload,
        fields: config.fields,
        status: 'active',
        healthState: 'healthy',
        healthReason: null,
        healthSince: null,
        refusedBatches: 0,
        ...(await keyColumns(config.writeKey)),
        version: 1,
        disconnectedAt: null,
        createdAt: at,
        updatedAt: at,
      };
      const changes: HistoryChange[] = [
        ...SETTINGS.map((field): HistoryChange => ({ field, from: null, to: config[field] as JsonValue })),
        { field: 'writeKey', changed: true },
      ];
      await store.insertWebhook(record, { at, actor: context.actor ?? null, changes });
      logger.info({ accountId, webhookId: record.id, region: record.region }, 'Segment webhook created');
      return toWebhook(record);
    },

    async listWebhooks(accountId, query) {
      const { status } = parseOrThrow(listWebhooksQuerySchema, query ?? {}, 'The query is invalid.');
      await ready();
      return Promise.all((await store.listWebhooks(accountId, status)).map(present));
    },

    async getWebhook(accountId, webhookId) {
      return present(await requireWebhook(accountId, webhookId));
    },

    async updateWebhook(accountId, webhookId, input, context = {}) {
      const patch = parseOrThrow(updateWebhookRequestSchema, input, 'The webhook configuration is invalid.');
      // Optimistic: the changes are computed against the version read, and recorded only if it is still the
      // current one (a concurrent edit makes us read again), so every history entry's `from` is exact.
      for (let attempt = 0; ; attempt++) {
        const current = await requireWebhook(accountId, webhookId);
        const { changes, keyColumns: key } = await changesOf(current, patch);
        // Editing the settings is how a user answers "needs attention": release the held deliveries.
        const released = current.healthState === 'needs_attention';
        const resetHealth = released || current.refusedBatches > 0;
        if (changes.length === 0 && !resetHealth) return present(current);
        const update: WebhookPatch = { updatedAt: now() };
        for (const change of changes) {
          if (change.field === 'writeKey') Object.assign(update, key);
          else Object.assign(update, { [change.field]: patch[change.field] });
        }
        if (resetHealth) {
          Object.assign(update, { healthState: 'healthy', healthReason: null, healthSince: null, refusedBatches: 0 });
        }
        const history: NewHistoryEntry | undefined =
          changes.length > 0 ? { at: update.updatedAt!, actor: context.actor ?? null, changes } : undefined;
        // Released atomically on the health state: of two edits at once (two processes), one makes the
        // change and reports it (onWebhookHealthChange); the other reads again.
        const updated = await store.updateWebhook(accountId, webhookId, update, undefined, {
          ifVersion: current.version,
          ...(released ? { ifHealth: 'needs_attention' as const } : {}),
          ...(history ? { history } : {}),
        });
        if (!updated) {
          if (attempt < 5) continue;
          throw new SegmentWebhookError('invalid_state', 'The settings changed meanwhile; reload and try again.');
        }
        if (history) {
          logger.info(
            { accountId, webhookId, version: updated.version, fields: changes.map((change) => change.field) },
            'Segment webhook settings changed',
          );
        }
        if (released) {
          reportRecovered(updated, 'The settings were edited.', current.healthReason);
          await store.signalWork();
        }
        return present(updated);
      }
    },

    async history(accountId, webhookId, query) {
      const q = parseOrThrow(historyQuerySchema, query ?? {}, 'The query is invalid.');
      const before = q.cursor ? decodeHistoryCursor(q.cursor) : null;
      await requireWebhook(accountId, webhookId);
      const rows = await store.listWebhookHistory(accountId, webhookId, before, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page.map(toHistoryEntry),
        nextCursor: rows.length > q.limit && last ? encodeHistoryCursor(last.version) : null,
      };
    },

    async testConfiguration(accountId, input) {
      const config = parseOrThrow(testWebhookRequestSchema, input, 'The webhook configuration is invalid.');
      const activity = config.activityEventId
        ? await recentEvent(accountId, config.activityEventId, 'activityEventId')
        : null;
      return sendSample('test', config, config.writeKey, config.region, activity);
    },

    async testWebhook(accountId, webhookId, input) {
      const request = parseOrThrow(testSavedWebhookRequestSchema, input ?? {}, 'The test request is invalid.');
      const webhook = await requireWebhook(accountId, webhookId);
      const activity = request.activityEventId
        ? await recentEvent(accountId, request.activityEventId, 'activityEventId')
        : null;
      return sendSample(
        webhook.id,
        webhook,
        await cipher.decrypt(webhook.writeKeyCiphertext),
        webhook.region,
        activity,
      );
    },

    async recentActivityEvents(accountId) {
      return { items: await loadRecentEvents(accountId) };
    },

    // Lifecycle --------------------------------------------------------------------------------
    async disconnect(accountId, webhookId) {
      const updated = await transition(accountId, webhookId, 'disconnect', 'disconnected', { disconnectedAt: now() });
      logger.info(
        { accountId, webhookId },
        'Segment webhook disconnected: its queued deliveries are held, new events are skipped',
      );
      return present(updated);
    },

    async reconnect(accountId, webhookId, input) {
      const { backfill } = parseOrThrow(reconnectRequestSchema, input ?? {}, 'The reconnect request is invalid.');
      const before = await requireWebhook(accountId, webhookId);
      const updated = await transition(accountId, webhookId, 'reconnect', 'reconnected', { disconnectedAt: null });
      let backfilled = 0;
      if (backfill) {
        // The skipped deliveries since it was disconnected (what GET /webhooks/:id counted), with their
        // messages as built then: original messageIds and timestamps. Nothing is skipped any more once
        // the webhook is active (the store judges it in the inserting transaction).
        const since = before.disconnectedAt ?? before.updatedAt;
        backfilled = (await requeueAll(accountId, webhookId, { status: 'skipped', from: since }, ['skipped'])).queued;
      }
      logger.info(
        { accountId, webhookId, backfilled },
        'Segment webhook reconnected: deliveries held while it was disconnected go out now',
      );
      await store.signalWork();
      return { ...toWebhook(updated), backfilled };
    },

    async archive(accountId, webhookId) {
      const updated = await transition(accountId, webhookId, 'archive', 'archived');
      logger.info({ accountId, webhookId }, 'Segment webhook archived: its outbound activity streams are released');
      return present(updated);
    },

    async unarchive(accountId, webhookId) {
      return present(await transition(accountId, webhookId, 'unarchive', 'unarchived', { disconnectedAt: now() }));
    },

    async deleteWebhook(accountId, webhookId) {
      const current = await requireWebhook(accountId, webhookId);
      if (await store.deleteWebhook(accountId, webhookId, [LIFECYCLE_TRANSITIONS.delete.from])) {
        logger.info({ accountId, webhookId }, 'Segment webhook deleted');
        return;
      }
      const latest = (await store.getWebhook(accountId, webhookId)) ?? current;
      throw new SegmentWebhookError(
        'invalid_state',
        `Only an archived webhook can be deleted; this one is ${STATUS_VERBS[latest.status]}.`,
      );
    },

    async resume(accountId, webhookId) {
      const current = await requireWebhook(accountId, webhookId);
      if (current.healthState === 'healthy' && current.refusedBatches === 0) return present(current);
      // Atomically on the health state: of two resumes at once (two processes), one makes the change and
      // reports it; the other finds the webhook healthy.
      const recovered =
        current.healthState === 'needs_attention'
          ? await store.updateWebhook(accountId, webhookId, { ...HEALTHY, updatedAt: now() }, undefined, {
              ifHealth: 'needs_attention',
            })
          : null;
      if (recovered) {
        reportRecovered(recovered, 'Resumed.', current.healthReason);
        await store.signalWork();
        return present(recovered);
      }
      const updated = await store.updateWebhook(accountId, webhookId, { refusedBatches: 0, updatedAt: now() });
      if (!updated) throw notFound();
      return present(updated);
    },

    // Routing and billing ----------------------------------------------------------------------
    async listRoutes(accountId) {
      await ready();
      return (await store.listRoutes(accountId)).map(
        (r): Route => ({ activityId: r.activityId, webhookId: r.webhookId }),
      );
    },

    async setDestination(accountId, activityId, webhookId) {
      parseOrThrow(textSchema.min(1).max(200), activityId, 'The activity id is invalid.');
      await ready();
      if (webhookId === null) {
        await store.deleteRoute(accountId, activityId);
        return null;
      }
      if (!isId(webhookId)) throw notFound();
      const limit = await plan(accountId);
      const result = await store.setRoute(accountId, activityId, webhookId, limit);
      if (result.ok) return { activityId, webhookId };
      switch (result.reason) {
        case 'webhook_not_found':
          throw notFound();
        case 'webhook_archived':
          throw new SegmentWebhookError('invalid_state', 'An archived webhook cannot be a Data destination.');
        case 'limit_reached':
          throw new SegmentWebhookError(
            'stream_limit_reached',
            `Your plan includes ${limit} outbound activity stream${limit === 1 ? '' : 's'} and ${result.streams} ${result.streams === 1 ? 'is' : 'are'} in use.`,
          );
      }
    },

    async usage(accountId) {
      await ready();
      const [outboundActivityStreams, includedStreams] = await Promise.all([
        store.countStreams(accountId),
        Promise.resolve(plan(accountId)),
      ]);
      return { outboundActivityStreams, includedStreams };
    },

    // Ingest -----------------------------------------------------------------------------------
    async ingest(accountId, input) {
      const events = normalizeEvents(input);
      await ready();
      const routes = await store.resolveRoutes(accountId, [...new Set(events.map((e) => e.activityId))]);
      const createdAt = now();
      const deliveries: NewDelivery[] = [];
      events.forEach((event, index) => {
        const webhook = routes.get(event.activityId);
        // A disconnected webhook's events are recorded as skipped (the store judges the status at commit);
        // an archived one has no routes left.
        if (!webhook || webhook.status === 'archived') return;
        const { message, json, occurredAt } = buildMessage(webhook, event, ['events', index]);
        deliveries.push({
          id: generateDeliveryId(),
          accountId,
          webhookId: webhook.id,
          eventId: event.id,
          personId: event.person.id,
          activityId: event.activityId,
          source: 'activity',
          messageId: message.messageId,
          message,
          messageJson: json,
          occurredAt,
          createdAt,
          configVersion: webhook.version,
        });
      });
      const results = deliveries.length > 0 ? await insertDeliveries(deliveries, createdAt) : [];
      metrics?.eventsIngested(accountId, events.length);
      let created = 0;
      let skipped = 0;
      for (const result of results) {
        if (!result.created) continue;
        if (result.skipped) skipped += 1;
        else created += 1;
      }
      return { accepted: events.length, deliveries: created, skipped };
    },

    async sendToWebhook(accountId, webhookId, input) {
      const request = parseOrThrow(sendToWebhookRequestSchema, input, 'The send request is invalid.');
      const webhook = await requireWebhook(accountId, webhookId);
      if (webhook.status !== 'active') {
        throw new SegmentWebhookError(
          'invalid_state',
          `This webhook is ${STATUS_VERBS[webhook.status]}: reconnect it to send to it.`,
        );
      }
      const at = now();
      const eventId = request.id ?? generateId();
      // `send:` keeps a send's messageId apart from an activity event that has the same id.
      const { message, json, occurredAt } = buildMessage(
        webhook,
        {
          id: `send:${eventId}`,
          occurredAt: request.activity?.occurredAt ?? new Date(at).toISOString(),
          person: request.person,
          attributes: request.activity?.attributes ?? {},
        },
        [],
      );
      const [result] = await insertDeliveries(
        [
          {
            id: generateDeliveryId(),
            accountId,
            webhookId,
            eventId,
            personId: request.person.id,
            activityId: request.activity?.activityId ?? null,
            source: 'send',
            messageId: message.messageId,
            message,
            messageJson: json,
            occurredAt,
            createdAt: at,
            configVersion: webhook.version,
          },
        ],
        at,
      );
      metrics?.eventsIngested(accountId, 1);
      return { deliveryId: result!.id, messageId: result!.messageId };
    },

    // Deliveries -------------------------------------------------------------------------------
    async listDeliveries(accountId, webhookId, query) {
      const q = parseOrThrow(listDeliveriesQuerySchema, query ?? {}, 'The query is invalid.');
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const webhook = await requireWebhook(accountId, webhookId);
      const rows = await store.listDeliveries(accountId, webhookId, deliveryFilterFromQuery(q), after, q.limit + 1);
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      const held = heldReasonOf(webhook);
      return {
        items: page.map((row) => toDeliverySummary(row, held)),
        nextCursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
      };
    },

    async getDelivery(accountId, webhookId, deliveryId) {
      const webhook = await requireWebhook(accountId, webhookId);
      const detail = isId(deliveryId) ? await store.getDelivery(accountId, webhookId, deliveryId) : null;
      if (!detail) throw notFound('Delivery');
      return toDeliveryDetail(detail, heldReasonOf(webhook));
    },

    async retryDelivery(accountId, webhookId, deliveryId) {
      const webhook = await requireWebhook(accountId, webhookId);
      const existing = isId(deliveryId) ? await store.getDelivery(accountId, webhookId, deliveryId) : null;
      if (!existing) throw notFound('Delivery');
      const requeued = await store.requeueFailed(accountId, webhookId, now(), [deliveryId]);
      if (requeued.length === 0) {
        throw new SegmentWebhookError(
          'invalid_state',
          `Only a failed delivery can be retried; this one is ${existing.status}.`,
        );
      }
      const detail = await store.getDelivery(accountId, webhookId, deliveryId);
      if (!detail) throw notFound('Delivery');
      return toDeliveryDetail(detail, heldReasonOf(webhook));
    },

    async retryFailed(accountId, webhookId) {
      await requireWebhook(accountId, webhookId);
      const requeued = await store.requeueFailed(accountId, webhookId, now());
      if (requeued.length > 0)
        logger.info({ accountId, webhookId, count: requeued.length }, 'Failed deliveries scheduled again');
      return { retried: requeued.length };
    },

    async replay(accountId, webhookId, input) {
      const request = parseOrThrow(replayRequestSchema, input, 'The replay request is invalid.');
      await requireWebhook(accountId, webhookId);
      const window = deliveryFilterFromQuery({ from: request.from, to: request.to });
      let queued = 0;
      let withinDedupWindow = 0;
      // One pass per status: each reads that status's index, newest first.
      const done = new Set<string>();
      for (const status of new Set(request.statuses)) {
        const result = await requeueAll(accountId, webhookId, { ...window, status }, [status], done);
        queued += result.queued;
        withinDedupWindow += result.withinDedupWindow;
      }
      if (queued > 0) {
        logger.info(
          { accountId, webhookId, queued, withinDedupWindow, statuses: request.statuses },
          'Deliveries replayed',
        );
      }
      return { queued, withinDedupWindow };
    },

    async exportDeliveries(accountId, webhookId, query) {
      const q = parseOrThrow(exportDeliveriesQuerySchema, query ?? {}, 'The query is invalid.');
      await requireWebhook(accountId, webhookId);
      const filter = deliveryFilterFromQuery(q);
      const format = q.format;
      async function* body(): AsyncGenerator<string> {
        if (format === 'csv') {
          yield csvHeader();
          for await (const page of pages(accountId, webhookId, filter)) yield csvLines(page);
          return;
        }
        let after: DeliveryCursor | null = null;
        for (;;) {
          const page = await store.listDeliveriesWithMessages(accountId, webhookId, filter, after, BULK_PAGE_SIZE);
          if (page.length > 0) yield ndjsonLines(page);
          if (page.length < BULK_PAGE_SIZE) return;
          const last = page[page.length - 1]!;
          after = { createdAt: last.createdAt, id: last.id };
        }
      }
      return {
        format,
        filename: exportFilename(webhookId, format, now()),
        contentType: EXPORT_CONTENT_TYPES[format],
        body: answeringStoreFailuresWhileStreaming(body(), logger),
      };
    },

    async subscribe(accountId, webhookId, listener): Promise<Unsubscribe> {
      await requireWebhook(accountId, webhookId);
      let active = true;
      // Notices are handled one after another so the listener sees changes in commit order.
      let chain = Promise.resolve();
      const stop = store.onChanges((notice) => {
        if (!active || notice.webhookId !== webhookId) return;
        chain = chain
          .then(async () => {
            if (!active) return;
            const webhook = await store.getWebhook(accountId, webhookId);
            if (!webhook) return;
            const rows = await store.getDeliveries(notice.deliveryIds);
            const order = new Map(notice.deliveryIds.map((id, index) => [id, index]));
            rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
            const held = heldReasonOf(webhook);
            for (const row of rows) {
              if (!active) return;
              if (row.accountId !== accountId) continue;
              listener({ webhookId, delivery: toDeliverySummary(row, held) });
            }
          })
          .catch((error: unknown) => {
            logger.error(
              {
                accountId,
                webhookId,
                error: error instanceof Error ? error.message : String(error),
              },
              'Live delivery feed failed to load a change',
            );
          });
      });
      return () => {
        active = false;
        stop();
      };
    },

    async overview(accountId, webhookId, range) {
      const parsedRange = parseOrThrow(overviewRangeSchema.default('24h'), range, 'The range is invalid.');
      const webhook = await requireWebhook(accountId, webhookId);
      const { bucketMs, buckets } = RANGES[parsedRange];
      const at = now();
      // Buckets are aligned to whole UTC hours or days; the last one contains now.
      const since = Math.floor(at / bucketMs) * bucketMs - (buckets - 1) * bucketMs;
      const until = since + buckets * bucketMs;
      const stats = await store.deliveryStats(accountId, webhookId, { since, until, bucketMs });
      const byStart = new Map(stats.buckets.map((b) => [b.start, b]));
      const series = Array.from({ length: buckets }, (_, index) => {
        const start = since + index * bucketMs;
        const bucket = byStart.get(start);
        return { start: new Date(start).toISOString(), delivered: bucket?.delivered ?? 0, failed: bucket?.failed ?? 0 };
      });
      const delivered = series.reduce((sum, b) => sum + b.delivered, 0);
      const failed = series.reduce((sum, b) => sum + b.failed, 0);
      const counts: Record<DeliveryStatus, number> = stats.counts;
      const { fieldCoverage, sampled } = await coverage(accountId, webhook, since, until);
      const result: Overview = {
        range: parsedRange,
        counts: {
          ...counts,
          held: heldReasonOf(webhook) === null ? 0 : counts.pending + counts.retrying,
        },
        series,
        successRate: delivered + failed === 0 ? null : delivered / (delivered + failed),
        lastDeliveredAt: isoOrNull(stats.lastDeliveredAt),
        lagMs: { p50: stats.lagP50, p95: stats.lagP95 },
        fieldCoverage,
        fieldCoverageSampled: sampled,
      };
      return result;
    },

    // Maintenance ------------------------------------------------------------------------------
    async prune() {
      await ready();
      const olderThan = now() - retentionMs;
      let total = 0;
      for (;;) {
        const removed = await store.pruneDeliveries(olderThan, pruneBatchSize);
        total += removed;
        if (removed < pruneBatchSize) break;
      }
      if (total > 0) logger.info({ count: total }, 'Old deliveries pruned');
      return total;
    },

    async close() {
      await parts.closeClient();
    },
  };
  return answeringStoreFailures(service, logger);
}
