import { z } from 'zod';
import { MAX_FIELDS, MAX_INGEST_EVENTS } from './limits';

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/** Segment data ingestion region. A workspace's region is fixed when it is created. */
export const regionSchema = z.enum(['us', 'eu']);
export type Region = z.infer<typeof regionSchema>;

/** Keys that could corrupt a plain object when used as a property name. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a string is text every system on the way accepts: no NUL character (PostgreSQL's `text` and
 * `jsonb` refuse it) and no UTF-16 surrogate without its pair (not Unicode: it cannot be encoded as
 * UTF-8, so PostgreSQL refuses it and a JSON pipeline or a warehouse mangles it into U+FFFD).
 */
export function isWellFormedText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** The message of a string that {@link isWellFormedText} refuses. */
export const ILL_FORMED_TEXT_MESSAGE = 'Text cannot contain NUL characters or unpaired surrogates (invalid Unicode)';

/** A string that is well-formed text (see {@link isWellFormedText}). */
export const textSchema = z.string().refine(isWellFormedText, ILL_FORMED_TEXT_MESSAGE);

/** The path of the first key or string value in `value` that is not well-formed text, or null. */
function illFormedTextPath(value: unknown, path: (string | number)[] = []): (string | number)[] | null {
  if (typeof value === 'string') return isWellFormedText(value) ? null : path;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = illFormedTextPath(value[index], [...path, index]);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (!isWellFormedText(key)) return [...path, key];
      const found = illFormedTextPath(item, [...path, key]);
      if (found) return found;
    }
  }
  return null;
}

/** Refuses a value with a key or string that is not well-formed text, naming where it is. */
function refuseIllFormedText(value: unknown, ctx: z.RefinementCtx): void {
  const path = illFormedTextPath(value);
  if (path) ctx.addIssue({ code: 'custom', path, message: ILL_FORMED_TEXT_MESSAGE });
}

/** Any JSON value. (Inputs that carry JSON check its text: see {@link attributesSchema}.) */
export const jsonValueSchema = z.json();
export type JsonValue = z.infer<typeof jsonValueSchema>;

/** A flat-or-nested attribute bag: string keys (no prototype keys) to JSON values, all well-formed text. */
export const attributesSchema = z
  .record(z.string().max(200), jsonValueSchema)
  .superRefine(refuseIllFormedText)
  .refine((record) => Object.keys(record).every((key) => !RESERVED_KEYS.has(key)), {
    message: 'Attribute names __proto__, constructor and prototype are not allowed',
  });
export type Attributes = z.infer<typeof attributesSchema>;

/** An id chosen by the host or the kit: 1–200 printable characters. */
export const idSchema = z
  .string()
  .min(1, 'Required')
  .max(200, 'At most 200 characters')
  .regex(/^[\x21-\x7e\u00a0-\uffff]+$/, 'No spaces or control characters')
  .refine(isWellFormedText, ILL_FORMED_TEXT_MESSAGE);

/** An ISO 8601 date-time; more than millisecond precision and any offset are accepted. */
export const isoDateTimeSchema = z
  .string()
  .max(64)
  .refine((value) => /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(parseIsoDateTime(value)), {
    message: 'Expected an ISO 8601 date-time, e.g. 2026-11-27T10:00:00.000Z',
  });

/**
 * Milliseconds since the epoch for an ISO 8601 date-time, truncating fractions finer than a
 * millisecond (`2026-11-27T10:00:00.123456789Z`). NaN when it is not a date-time.
 */
export function parseIsoDateTime(value: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$/.exec(value);
  if (!match) return Number.NaN;
  const fraction = match[2] ? match[2].slice(0, 4).padEnd(4, '0') : '';
  return Date.parse(`${match[1]}${fraction}${match[3] ?? ''}`);
}

// ---------------------------------------------------------------------------------------------
// Webhook configuration
// ---------------------------------------------------------------------------------------------

/** A Segment property name: letters, digits, `_`, `-`, `.` and spaces; 1–100 characters. */
export const propertyKeySchema = z
  .string()
  .trim()
  .min(1, 'Enter a property name')
  .max(100, 'At most 100 characters')
  .regex(/^[A-Za-z_$][\w$ .-]*$/, 'Start with a letter or _, then letters, digits, _, -, . or spaces')
  .refine((key) => !RESERVED_KEYS.has(key), { message: 'This name is reserved' });

/** Where a field takes its value from: `person.<attribute>` or `activity.<attribute>`. */
export const fieldSourceSchema = z
  .string()
  .regex(/^(person|activity)\.[^\s]{1,100}$/, 'Choose a person or activity field')
  .refine(isWellFormedText, ILL_FORMED_TEXT_MESSAGE);

/** An additional attribute copied from the person or the activity into `properties`. */
export const mappedFieldSchema = z.strictObject({
  key: propertyKeySchema,
  from: fieldSourceSchema,
});
/** An additional attribute with a constant value. */
export const constantFieldSchema = z.strictObject({
  key: propertyKeySchema,
  value: z.union([textSchema.max(1000), z.number(), z.boolean()]),
});
/** One additional attribute of the webhook's payload (the setup page's **Fields**). */
export const fieldMappingSchema = z.union([mappedFieldSchema, constantFieldSchema]);
export type FieldMapping = z.infer<typeof fieldMappingSchema>;

/** The webhook's additional fields: at most 50, keys unique. */
export const fieldsSchema = z
  .array(fieldMappingSchema)
  .max(MAX_FIELDS, `At most ${MAX_FIELDS} fields`)
  .superRefine((fields, ctx) => {
    const seen = new Set<string>();
    fields.forEach((field, index) => {
      if (seen.has(field.key)) {
        ctx.addIssue({ code: 'custom', path: [index, 'key'], message: 'This property name is already used' });
      }
      seen.add(field.key);
    });
  });

/**
 * Segment source write key: 1–200 printable ASCII characters, no whitespace and no colon (the key is the
 * user name of HTTP Basic auth, which ends at the first colon: Segment would see only what precedes it).
 * Never returned by the API.
 */
export const writeKeySchema = z
  .string()
  .trim()
  .min(1, 'Enter the write key of your Segment source')
  .max(200, 'At most 200 characters')
  .regex(/^[\x21-\x39\x3b-\x7e]+$/, 'A write key has no spaces, colons or special characters');

/** The webhook's name (the data source's name in the host). */
export const webhookNameSchema = textSchema.trim().min(1, 'Enter a webhook name').max(100, 'At most 100 characters');
/** The Segment `event` of every track call the webhook sends. */
export const trackEventNameSchema = textSchema
  .trim()
  .min(1, 'Enter a track event name')
  .max(200, 'At most 200 characters');

/**
 * A complete webhook configuration: what the setup form edits and `POST /webhooks` accepts.
 * Every key is required here; {@link createWebhookRequestSchema} adds the API's defaults.
 */
export const webhookConfigSchema = z.strictObject({
  name: webhookNameSchema,
  trackEventName: trackEventNameSchema,
  writeKey: writeKeySchema,
  region: regionSchema,
  sendActivityPayload: z.boolean(),
  fields: fieldsSchema,
});
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/** `POST /webhooks`: region defaults to `us`, sendActivityPayload to `true`, fields to `[]`. */
export const createWebhookRequestSchema = webhookConfigSchema.extend({
  region: regionSchema.default('us'),
  sendActivityPayload: z.boolean().default(true),
  fields: fieldsSchema.default([]),
});
export type CreateWebhookRequest = z.input<typeof createWebhookRequestSchema>;

/**
 * `POST /webhooks/test`: an unsaved configuration; the name is not needed. `activityEventId` sends that one
 * of the host's recent activity events (`GET /activities/recent-events`) instead of the sample.
 */
export const testWebhookRequestSchema = createWebhookRequestSchema.extend({
  name: webhookNameSchema.optional(),
  activityEventId: idSchema.optional(),
});
export type TestWebhookRequest = z.input<typeof testWebhookRequestSchema>;

/** `POST /webhooks/:id/test` (the body is optional): send a recent activity event instead of the sample. */
export const testSavedWebhookRequestSchema = z.strictObject({ activityEventId: idSchema.optional() });
export type TestSavedWebhookRequest = z.input<typeof testSavedWebhookRequestSchema>;

/** `PATCH /webhooks/:id`: any subset of the configuration, at least one key. */
export const updateWebhookRequestSchema = webhookConfigSchema
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'Nothing to update' });
export type UpdateWebhookRequest = z.infer<typeof updateWebhookRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Webhook as the API returns it
// ---------------------------------------------------------------------------------------------

/** Lifecycle: active ⇄ disconnected ⇄ archived; delete only from archived. */
export const webhookStatusSchema = z.enum(['active', 'disconnected', 'archived']);
export type WebhookStatus = z.infer<typeof webhookStatusSchema>;

/** Health: `needs_attention` when every recent batch was refused; new deliveries are held until resumed. */
export const webhookHealthSchema = z.object({
  state: z.enum(['healthy', 'needs_attention']),
  /** Why it needs attention, e.g. "Segment answered 400 Exceed payload limit to the last 5 batches". */
  reason: z.string().nullable(),
  /** When it started needing attention (ISO 8601). */
  since: z.string().nullable(),
});
export type WebhookHealth = z.infer<typeof webhookHealthSchema>;

/** A Segment webhook as every API response shows it: never the write key, only a hint. */
export const webhookSchema = z.object({
  id: z.string(),
  name: z.string(),
  trackEventName: z.string(),
  region: regionSchema,
  sendActivityPayload: z.boolean(),
  fields: z.array(fieldMappingSchema),
  status: webhookStatusSchema,
  health: webhookHealthSchema,
  /** The last 4 characters of the write key, e.g. `…a1b2`. */
  writeKeyHint: z.string(),
  /** 1 at creation, +1 on every change of its settings (see `GET /webhooks/:id/history`). */
  version: z.number().int(),
  /**
   * While disconnected: the events routed to it since it was disconnected, recorded as `skipped`
   * deliveries that `POST /webhooks/:id/reconnect` with `{backfill: true}` would queue. 0 otherwise.
   */
  skippedSinceDisconnect: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Webhook = z.infer<typeof webhookSchema>;

/** `GET /webhooks?status=` */
export const listWebhooksQuerySchema = z.strictObject({ status: webhookStatusSchema.optional() });
export type ListWebhooksQuery = z.infer<typeof listWebhooksQuerySchema>;
export const webhookListSchema = z.object({ items: z.array(webhookSchema) });
export type WebhookList = z.infer<typeof webhookListSchema>;

// ---------------------------------------------------------------------------------------------
// Activity events (what the host reports) and Send to webhook
// ---------------------------------------------------------------------------------------------

/** The person an event is about: an id (Segment's `userId`) plus any attributes. */
export const personSchema = z
  .looseObject({ id: idSchema })
  .refine((person) => Object.keys(person).every((key) => !RESERVED_KEYS.has(key)), {
    message: 'Attribute names __proto__, constructor and prototype are not allowed',
  })
  .superRefine(refuseIllFormedText);
export type Person = z.infer<typeof personSchema>;

/** One activity event reported by the host. */
export const activityEventSchema = z.strictObject({
  /** The host's unique id of this event (with the webhook id, it makes the Segment messageId). */
  id: idSchema,
  /** Which activity this is an occurrence of, e.g. `order-placed`. */
  activityId: idSchema,
  /** When it happened (ISO 8601). */
  occurredAt: isoDateTimeSchema,
  person: personSchema,
  attributes: attributesSchema.default({}),
});
export type ActivityEvent = z.output<typeof activityEventSchema>;
export type ActivityEventInput = z.input<typeof activityEventSchema>;

/** `POST /events`: one event, or `{events: [...]}` with 1–1,000. */
export const ingestRequestSchema = z.union([
  z.strictObject({ events: z.array(activityEventSchema).min(1).max(MAX_INGEST_EVENTS) }),
  activityEventSchema,
]);
export type IngestRequest = z.input<typeof ingestRequestSchema>;
export const ingestResponseSchema = z.object({
  /** Events accepted (committed before the response). */
  accepted: z.number().int(),
  /** Deliveries created to be sent (events routed to an active webhook). */
  deliveries: z.number().int(),
  /**
   * Deliveries recorded as `skipped` (events routed to a disconnected webhook): not sent, shown in the logs,
   * queued by a reconnect with backfill.
   */
  skipped: z.number().int(),
});
export type IngestResponse = z.infer<typeof ingestResponseSchema>;

/** `POST /webhooks/:id/send`: the journey and playbook action **Send to webhook**. */
export const sendToWebhookRequestSchema = z.strictObject({
  person: personSchema,
  /** The triggering activity, if any. */
  activity: z
    .strictObject({
      activityId: idSchema,
      occurredAt: isoDateTimeSchema.optional(),
      attributes: attributesSchema.default({}),
    })
    .optional(),
  /** Idempotency key: sending the same id twice to the same webhook creates one delivery. */
  id: idSchema.optional(),
});
export type SendToWebhookRequest = z.input<typeof sendToWebhookRequestSchema>;
export const sendToWebhookResponseSchema = z.object({ deliveryId: z.string(), messageId: z.string() });
export type SendToWebhookResponse = z.infer<typeof sendToWebhookResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Segment messages and tests
// ---------------------------------------------------------------------------------------------

/** A Segment `track` message as the kit sends it. */
export const trackMessageSchema = z.object({
  type: z.literal('track'),
  event: z.string(),
  userId: z.string(),
  messageId: z.string(),
  timestamp: z.string(),
  properties: z.record(z.string(), jsonValueSchema),
  context: z.looseObject({ library: z.object({ name: z.string(), version: z.string() }) }),
  integrations: z.record(z.string(), z.boolean()).optional(),
});
export type TrackMessage = z.infer<typeof trackMessageSchema>;

/** Answer of the **Test** button. A 200 does not prove arrival: Segment accepts unknown keys too. */
export const testResultSchema = z.object({
  ok: z.boolean(),
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number(),
  payload: trackMessageSchema,
  responseBody: z.string().optional(),
  error: z.string().optional(),
});
export type TestResult = z.infer<typeof testResultSchema>;

// ---------------------------------------------------------------------------------------------
// Deliveries (the logs)
// ---------------------------------------------------------------------------------------------

/**
 * pending → (retrying)* → delivered | failed. Held deliveries are pending with `heldReason`. `skipped`: the
 * event was routed to the webhook while it was disconnected; it is not sent unless a reconnect backfills it
 * (then it is pending again, with its original messageId and timestamp).
 */
export const deliveryStatusSchema = z.enum(['pending', 'retrying', 'delivered', 'failed', 'skipped']);
/** Every delivery status, in the order the UI lists them. */
export const DELIVERY_STATUSES = deliveryStatusSchema.options;
export type DeliveryStatus = z.infer<typeof deliveryStatusSchema>;

/** Why an unfinished (pending or retrying) delivery is not being sent right now (see `heldReasonOf`). */
export const heldReasonSchema = z.enum(['disconnected', 'archived', 'needs_attention']);
export type HeldReason = z.infer<typeof heldReasonSchema>;

/** One HTTP attempt to deliver a message. */
export const deliveryAttemptSchema = z.object({
  /** 1 for the first attempt. */
  number: z.number().int(),
  at: z.string(),
  /** HTTP status, or null for a network error or timeout. */
  httpStatus: z.number().int().nullable(),
  latencyMs: z.number(),
  /** The outcome as the engine classified it. */
  outcome: z.enum(['delivered', 'retry', 'failed']),
  error: z.string().nullable(),
  /** Segment's response body, capped (2 KB). */
  responseBody: z.string().nullable(),
  /**
   * The webhook's settings version the request was sent with (write key and region are read when it is
   * sent); null for attempts recorded before versions existed.
   */
  configVersion: z.number().int().nullable(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

/** A delivery as the logs list shows it. */
export const deliverySummarySchema = z.object({
  id: z.string(),
  webhookId: z.string(),
  eventId: z.string(),
  personId: z.string(),
  activityId: z.string().nullable(),
  /** `activity`: routed activity event; `send`: Send to webhook action. */
  source: z.enum(['activity', 'send']),
  status: deliveryStatusSchema,
  heldReason: heldReasonSchema.nullable(),
  messageId: z.string(),
  attemptCount: z.number().int(),
  /** When the activity happened. */
  occurredAt: z.string(),
  /** When the kit accepted it. */
  createdAt: z.string(),
  updatedAt: z.string(),
  nextAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastHttpStatus: z.number().int().nullable(),
});
export type DeliverySummary = z.infer<typeof deliverySummarySchema>;

/** One delivery with its Segment message and every attempt. */
export const deliveryDetailSchema = deliverySummarySchema.extend({
  message: trackMessageSchema,
  attempts: z.array(deliveryAttemptSchema),
  /** The webhook's settings version the message was built with (null: built before versions existed). */
  configVersion: z.number().int().nullable(),
  /** When Segment first accepted this messageId (it de-duplicates it for 24 h from then), or null. */
  firstDeliveredAt: z.string().nullable(),
});
export type DeliveryDetail = z.infer<typeof deliveryDetailSchema>;

/** A time window whose `from` is not after its `to` (both optional). */
function checkWindow(window: { from?: string | undefined; to?: string | undefined }, ctx: z.RefinementCtx): void {
  if (window.from === undefined || window.to === undefined) return;
  if (parseIsoDateTime(window.from) > parseIsoDateTime(window.to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'Must not be before from' });
  }
}

/** The filters of a webhook's deliveries, shared by the list, the export and (times only) the replay. */
const deliveryFilterShape = {
  status: deliveryStatusSchema.optional(),
  personId: textSchema.min(1).max(200).optional(),
  eventId: textSchema.min(1).max(200).optional(),
  /**
   * One search box: an exact eventId, messageId or personId (matched against all three). Surrounding
   * spaces are ignored (none of the three can contain one).
   */
  q: textSchema.trim().min(1, 'Enter an event id, message id or person id').max(200).optional(),
  /** Created at or after (ISO 8601). */
  from: isoDateTimeSchema.optional(),
  /** Created before (ISO 8601). */
  to: isoDateTimeSchema.optional(),
};

/** `GET /webhooks/:id/deliveries` query. Newest first; `cursor` is opaque. */
export const listDeliveriesQuerySchema = z
  .strictObject({
    ...deliveryFilterShape,
    cursor: z.string().min(1).max(500).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .superRefine(checkWindow);
export type ListDeliveriesQuery = z.input<typeof listDeliveriesQuerySchema>;

/** Formats of `GET /webhooks/:id/deliveries/export`. */
export const exportFormatSchema = z.enum(['ndjson', 'csv']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

/**
 * `GET /webhooks/:id/deliveries/export` query: the list's filters and a format (default `ndjson`). Every
 * matching delivery, newest first, streamed as an attachment.
 */
export const exportDeliveriesQuerySchema = z
  .strictObject({ ...deliveryFilterShape, format: exportFormatSchema.default('ndjson') })
  .superRefine(checkWindow);
export type ExportDeliveriesQuery = z.input<typeof exportDeliveriesQuerySchema>;

/** The columns of an export, in order (CSV header; NDJSON keys, then `message`). */
export const EXPORT_COLUMNS = [
  'id',
  'status',
  'eventId',
  'personId',
  'messageId',
  'createdAt',
  'deliveredAt',
  'attempts',
  'lastHttpStatus',
] as const;

/** One NDJSON line of an export: the columns and the Segment message. */
export const exportedDeliverySchema = z.object({
  id: z.string(),
  status: deliveryStatusSchema,
  eventId: z.string(),
  personId: z.string(),
  messageId: z.string(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
  attempts: z.number().int(),
  lastHttpStatus: z.number().int().nullable(),
  message: trackMessageSchema,
});
export type ExportedDelivery = z.infer<typeof exportedDeliverySchema>;

/** Statuses a replay may select: failed (default) and delivered. */
export const replayStatusSchema = z.enum(['failed', 'delivered']);

/**
 * `POST /webhooks/:id/replay`: send again the deliveries created in [from, to) that are in `statuses`
 * (default `["failed"]`), each as a new attempt with its messageId and original timestamp.
 */
export const replayRequestSchema = z
  .strictObject({
    from: isoDateTimeSchema,
    to: isoDateTimeSchema,
    statuses: z.array(replayStatusSchema).min(1).max(2).default(['failed']),
  })
  .superRefine((request, ctx) => {
    if (parseIsoDateTime(request.from) >= parseIsoDateTime(request.to)) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'Must be after from' });
    }
  });
export type ReplayRequest = z.input<typeof replayRequestSchema>;
/**
 * `POST /webhooks/:id/replay` answer (202). `withinDedupWindow`: how many of the queued deliveries Segment
 * first accepted less than 24 h ago — Segment silently drops a messageId it has seen in the last 24 hours,
 * so those will be answered 200 and not recorded again.
 */
export const replayResponseSchema = z.object({
  queued: z.number().int(),
  withinDedupWindow: z.number().int(),
});
export type ReplayResponse = z.infer<typeof replayResponseSchema>;

/**
 * `POST /webhooks/:id/reconnect` (the body is optional). `backfill: true` also queues the deliveries skipped
 * while it was disconnected, with their original messageIds and timestamps. Default false: they stay skipped.
 */
export const reconnectRequestSchema = z.strictObject({ backfill: z.boolean().default(false) });
export type ReconnectRequest = z.input<typeof reconnectRequestSchema>;
/** `POST /webhooks/:id/reconnect` answer: the webhook and how many skipped deliveries were queued. */
export const reconnectResponseSchema = webhookSchema.extend({ backfilled: z.number().int() });
export type ReconnectResponse = z.infer<typeof reconnectResponseSchema>;
export const deliveryPageSchema = z.object({
  items: z.array(deliverySummarySchema),
  nextCursor: z.string().nullable(),
});
export type DeliveryPage = z.infer<typeof deliveryPageSchema>;

/** `POST /webhooks/:id/deliveries/retry-failed` answer. */
export const retryFailedResponseSchema = z.object({ retried: z.number().int() });
export type RetryFailedResponse = z.infer<typeof retryFailedResponseSchema>;

/** One change of a delivery, as the live feed (Server-Sent Events) carries it. */
export const deliveryChangeSchema = z.object({
  webhookId: z.string(),
  delivery: deliverySummarySchema,
});
export type DeliveryChange = z.infer<typeof deliveryChangeSchema>;

// ---------------------------------------------------------------------------------------------
// Overview
// ---------------------------------------------------------------------------------------------

export const overviewRangeSchema = z.enum(['24h', '7d', '30d']);
export type OverviewRange = z.infer<typeof overviewRangeSchema>;

/** `GET /webhooks/:id/overview?range=` */
export const overviewQuerySchema = z.strictObject({ range: overviewRangeSchema.default('24h') });

/** How often a configured field had a value in the range's messages. */
export const fieldCoverageSchema = z.object({
  /** The field's property name. */
  key: z.string(),
  /** Messages whose `properties[key]` is not empty (absent, null, a blank string, `[]` and `{}` are empty). */
  present: z.number().int(),
  /** Messages looked at. */
  total: z.number().int(),
});
export type FieldCoverage = z.infer<typeof fieldCoverageSchema>;

/** Per-webhook overview: hourly buckets over 24h, daily over 7d and 30d. */
export const overviewSchema = z.object({
  range: overviewRangeSchema,
  counts: z.object({
    pending: z.number().int(),
    retrying: z.number().int(),
    delivered: z.number().int(),
    failed: z.number().int(),
    /** Events routed while disconnected, not sent (see `skipped`). */
    skipped: z.number().int(),
    /** Pending deliveries held because the webhook is disconnected or needs attention. */
    held: z.number().int(),
  }),
  series: z.array(
    z.object({
      /** Bucket start (ISO 8601). */
      start: z.string(),
      delivered: z.number().int(),
      failed: z.number().int(),
    }),
  ),
  /** delivered / (delivered + failed) over the range; null when nothing finished. */
  successRate: z.number().nullable(),
  lastDeliveredAt: z.string().nullable(),
  /** From the activity's `occurredAt` to Segment's acceptance, over the range, in ms. */
  lagMs: z.object({ p50: z.number().nullable(), p95: z.number().nullable() }),
  /**
   * For each configured field (in the webhook's order), in how many of the messages created in the range it
   * had a non-empty value. Empty when the webhook has no fields or the range no messages.
   */
  fieldCoverage: z.array(fieldCoverageSchema),
  /** True when the range had more messages than the overview reads: `fieldCoverage` is over the latest ones. */
  fieldCoverageSampled: z.boolean(),
});
export type Overview = z.infer<typeof overviewSchema>;

// ---------------------------------------------------------------------------------------------
// Settings history
// ---------------------------------------------------------------------------------------------

/** The settings a history entry can name (the write key only ever as changed, never a value). */
export const historyFieldSchema = z.enum([
  'name',
  'trackEventName',
  'writeKey',
  'region',
  'sendActivityPayload',
  'fields',
]);
export type HistoryField = z.infer<typeof historyFieldSchema>;

/** One changed setting: its old and new value (`from` null at creation), or for the write key only that it changed. */
export const historyChangeSchema = z.union([
  z.object({
    field: z.literal('writeKey'),
    /** The write key is never shown, not even its hint: only that it changed. */
    changed: z.literal(true),
  }),
  z.object({
    field: historyFieldSchema.exclude(['writeKey']),
    from: jsonValueSchema.nullable(),
    to: jsonValueSchema,
  }),
]);
export type HistoryChange = z.infer<typeof historyChangeSchema>;

/** One version of a webhook's settings: who made it, when, and what changed from the version before. */
export const historyEntrySchema = z.object({
  version: z.number().int(),
  at: z.string(),
  /** Who made the change, as the host named them (its `resolveActor`), or null. */
  actor: z.string().nullable(),
  changes: z.array(historyChangeSchema),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** `GET /webhooks/:id/history?cursor=&limit=`: newest version first. */
export const historyQuerySchema = z.strictObject({
  cursor: z.string().min(1).max(50).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type HistoryQuery = z.input<typeof historyQuerySchema>;
export const webhookHistorySchema = z.object({
  items: z.array(historyEntrySchema),
  nextCursor: z.string().nullable(),
});
export type WebhookHistory = z.infer<typeof webhookHistorySchema>;

// ---------------------------------------------------------------------------------------------
// Host catalog, routing and billing
// ---------------------------------------------------------------------------------------------

/** An activity of the host with its Data destination. */
export const activitySchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The Segment webhook this activity is routed to, or null. */
  destinationWebhookId: z.string().nullable(),
});
export type Activity = z.infer<typeof activitySchema>;
export const activityListSchema = z.object({ items: z.array(activitySchema) });
export type ActivityList = z.infer<typeof activityListSchema>;

/** `PUT /activities/:activityId/destination` */
export const setDestinationRequestSchema = z.strictObject({ webhookId: idSchema });
export type SetDestinationRequest = z.infer<typeof setDestinationRequestSchema>;

/** A field the fields editor offers. */
export const catalogFieldSchema = z.object({ key: z.string(), label: z.string() });
export type CatalogField = z.infer<typeof catalogFieldSchema>;
/** `GET /fields` */
export const fieldCatalogSchema = z.object({
  person: z.array(catalogFieldSchema),
  activity: z.array(catalogFieldSchema),
});
export type FieldCatalog = z.infer<typeof fieldCatalogSchema>;

/** `GET /activities/recent-events`: recent activity events of the account (the host's), newest first. */
export const recentActivityEventsSchema = z.object({ items: z.array(activityEventSchema) });
export type RecentActivityEvents = z.infer<typeof recentActivityEventsSchema>;

/** `GET /usage`: outbound activity streams (activities routed to a non-archived webhook) against the plan. */
export const usageSchema = z.object({
  outboundActivityStreams: z.number().int(),
  includedStreams: z.number().int(),
});
export type Usage = z.infer<typeof usageSchema>;
