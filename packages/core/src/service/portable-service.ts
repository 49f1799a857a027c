import { z } from 'zod';
import {
  type ActivityEvent,
  activityEventSchema,
  createWebhookRequestSchema,
  type DeliveryStatus,
  type ErrorCode,
  ingestRequestSchema,
  isWellFormedText,
  listDeliveriesQuerySchema,
  listWebhooksQuerySchema,
  MAX_INGEST_EVENTS,
  type Overview,
  type OverviewRange,
  overviewRangeSchema,
  parseOrThrow,
  type Region,
  SegmentWebhookError,
  sendToWebhookRequestSchema,
  type TestResult,
  type TrackMessage,
  testWebhookRequestSchema,
  textSchema,
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
import { deliveryFilterFromQuery, LIFECYCLE_TRANSITIONS, type LifecycleAction } from '../contract/rules';
import type { WriteKeyCipherLike } from '../crypto/web-cipher';
import { type AlertHooks, callHook, type MetricsRecorder, statusClassOf } from '../engine/observe';
import type { DeliveryWorker } from '../engine/portable-worker';
import { writeKeyHint } from '../segment/redact';
import type { RetryPolicy } from '../segment/retry';
import type { SegmentClient } from '../segment/types';
import { isStoreFailure, type StoreFailure, type StoreFailureReason } from '../store/failure';
import type { DeliveryCursor, InsertedDelivery, NewDelivery, Store, WebhookPatch, WebhookRecord } from '../store/types';
import { base64DecodeUtf8, base64UrlEncodeUtf8 } from '../util/base64';
import { uuidv4, uuidv7 } from './ids';
import { type Logger, silentLogger } from './logger';
import { heldReasonOf, toDeliveryDetail, toDeliverySummary, toWebhook } from './mappers';
import type { Route, SegmentWebhookService, Unsubscribe } from './types';

/** Default age after which finished deliveries are pruned: 30 days. */
export const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** Default number of deliveries deleted per prune batch: 1,000. */
export const DEFAULT_PRUNE_BATCH_SIZE = 1000;

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

/**
 * Creates the framework-agnostic service behind the REST API (see `SegmentWebhookService` for each
 * method's contract) with the platform's parts: `createSegmentWebhookService` (Node) and the browser-safe
 * `createSegmentWebhookService` of `@segment-webhook/core/browser` call it. It validates input with the
 * contract's schemas, scopes everything to the account, commits accepted events to the store's outbox
 * before returning, and never sends deliveries itself: run a delivery worker alongside (same store) for that.
 *
 * Decisions worth knowing:
 * - Events of an activity routed to a disconnected or archived webhook create no delivery (it "sends
 *   nothing new"); those routed to an active webhook that needs attention are created and held.
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
  ): Promise<WebhookRecord> {
    const { from, to } = LIFECYCLE_TRANSITIONS[step];
    const current = await requireWebhook(accountId, webhookId);
    const updated = await store.updateWebhook(accountId, webhookId, { status: to!, updatedAt: now() }, [from]);
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
  ): Promise<TestResult> {
    const payload: TrackMessage = buildTrackMessage({
      webhookId,
      config,
      event: sampleEvent(new Date(now())),
      test: true,
    });
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

  const service: SegmentWebhookServiceInstance = {
    // Webhooks ---------------------------------------------------------------------------------
    async createWebhook(accountId, input) {
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
        createdAt: at,
        updatedAt: at,
      };
      await store.insertWebhook(record);
      logger.info({ accountId, webhookId: record.id, region: record.region }, 'Segment webhook created');
      return toWebhook(record);
    },

    async listWebhooks(accountId, query) {
      const { status } = parseOrThrow(listWebhooksQuerySchema, query ?? {}, 'The query is invalid.');
      await ready();
      return (await store.listWebhooks(accountId, status)).map(toWebhook);
    },

    async getWebhook(accountId, webhookId) {
      return toWebhook(await requireWebhook(accountId, webhookId));
    },

    async updateWebhook(accountId, webhookId, input) {
      const patch = parseOrThrow(updateWebhookRequestSchema, input, 'The webhook configuration is invalid.');
      const current = await requireWebhook(accountId, webhookId);
      const { writeKey, ...rest } = patch;
      const changes: WebhookPatch = { ...rest, updatedAt: now() };
      if (writeKey !== undefined) Object.assign(changes, await keyColumns(writeKey));
      // Editing the settings is how a user answers "needs attention": release the held deliveries. Only the
      // call that makes the change (atomically, on the health state) reports it.
      let updated: WebhookRecord | null = null;
      let released = false;
      if (current.healthState === 'needs_attention') {
        updated = await store.updateWebhook(
          accountId,
          webhookId,
          { ...changes, ...HEALTHY },
          undefined,
          'needs_attention',
        );
        released = updated !== null;
      }
      updated ??= await store.updateWebhook(
        accountId,
        webhookId,
        current.refusedBatches > 0 ? { ...changes, refusedBatches: 0 } : changes,
      );
      if (!updated) throw notFound();
      if (released) {
        reportRecovered(updated, 'The settings were edited.', current.healthReason);
        await store.signalWork();
      }
      return toWebhook(updated);
    },

    async testConfiguration(accountId, input) {
      const config = parseOrThrow(testWebhookRequestSchema, input, 'The webhook configuration is invalid.');
      void accountId;
      return sendSample('test', config, config.writeKey, config.region);
    },

    async testWebhook(accountId, webhookId) {
      const webhook = await requireWebhook(accountId, webhookId);
      return sendSample(webhook.id, webhook, await cipher.decrypt(webhook.writeKeyCiphertext), webhook.region);
    },

    // Lifecycle --------------------------------------------------------------------------------
    async disconnect(accountId, webhookId) {
      const updated = await transition(accountId, webhookId, 'disconnect', 'disconnected');
      logger.info({ accountId, webhookId }, 'Segment webhook disconnected: its queued deliveries are held');
      return toWebhook(updated);
    },

    async reconnect(accountId, webhookId) {
      const updated = await transition(accountId, webhookId, 'reconnect', 'reconnected');
      logger.info(
        {
          accountId,
          webhookId,
        },
        'Segment webhook reconnected: deliveries held while it was disconnected go out now',
      );
      await store.signalWork();
      return toWebhook(updated);
    },

    async archive(accountId, webhookId) {
      const updated = await transition(accountId, webhookId, 'archive', 'archived');
      logger.info({ accountId, webhookId }, 'Segment webhook archived: its outbound activity streams are released');
      return toWebhook(updated);
    },

    async unarchive(accountId, webhookId) {
      return toWebhook(await transition(accountId, webhookId, 'unarchive', 'unarchived'));
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
      if (current.healthState === 'healthy' && current.refusedBatches === 0) return toWebhook(current);
      // Atomically on the health state: of two resumes at once (two processes), one makes the change and
      // reports it; the other finds the webhook healthy.
      const recovered =
        current.healthState === 'needs_attention'
          ? await store.updateWebhook(
              accountId,
              webhookId,
              { ...HEALTHY, updatedAt: now() },
              undefined,
              'needs_attention',
            )
          : null;
      if (recovered) {
        reportRecovered(recovered, 'Resumed.', current.healthReason);
        await store.signalWork();
        return toWebhook(recovered);
      }
      const updated = await store.updateWebhook(accountId, webhookId, { refusedBatches: 0, updatedAt: now() });
      if (!updated) throw notFound();
      return toWebhook(updated);
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
        if (webhook?.status !== 'active') return;
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
        });
      });
      const results = deliveries.length > 0 ? await insertDeliveries(deliveries, createdAt) : [];
      metrics?.eventsIngested(accountId, events.length);
      return { accepted: events.length, deliveries: results.filter((r) => r.created).length };
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
