/**
 * Row mapping of the SQLite store: SQLite rows to the `Store`'s records and back. Columns are read by
 * name, never by position, so a statement may select them in any order.
 */
import type { AttemptRecord, DeliveryRecord, HistoryRecord, WebhookPatch, WebhookRecord } from '@segment-webhook/core';
import type { DeliveryStatus, WebhookStatus } from '@segment-webhook/core/contract';

/** A row as better-sqlite3 returns it (`.get()`/`.all()` without `.raw()`). */
export type Row = Record<string, unknown>;

export function toWebhook(row: Row): WebhookRecord {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    name: row.name as string,
    trackEventName: row.track_event_name as string,
    region: row.region as WebhookRecord['region'],
    sendActivityPayload: row.send_activity_payload === 1,
    fields: JSON.parse(row.fields as string),
    status: row.status as WebhookStatus,
    healthState: row.health_state as WebhookRecord['healthState'],
    healthReason: (row.health_reason as string | null) ?? null,
    healthSince: (row.health_since as number | null) ?? null,
    refusedBatches: row.refused_batches as number,
    writeKeyCiphertext: row.write_key_ciphertext as string,
    writeKeyHint: row.write_key_hint as string,
    writeKeyFingerprint: row.write_key_fingerprint as string,
    version: row.version as number,
    disconnectedAt: (row.disconnected_at as number | null) ?? null,
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

/** A history entry of a `webhook_history` row. */
export function toHistory(row: Row): HistoryRecord {
  return {
    webhookId: row.webhook_id as string,
    version: row.version as number,
    at: row.at as number,
    actor: (row.actor as string | null) ?? null,
    changes: JSON.parse(row.changes as string),
  };
}

/** Buckets of the person index (migration 6). Changing it needs a migration that recomputes them. */
export const PERSON_BUCKETS = 64;

/**
 * The person-index bucket of a person id: FNV-1a (32-bit) of its UTF-16 code units, modulo
 * {@link PERSON_BUCKETS}. Stored with each delivery; never change it without a migration.
 */
export function personBucket(personId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < personId.length; i++) {
    hash ^= personId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PERSON_BUCKETS;
}

/**
 * The rows whose messageId is not the one the kit derives from the event id (`webhookId:eventId`, or
 * `webhookId:send:eventId` for a send): the predicate of the partial index `deliveries_message`. A query
 * must repeat this exact text for SQLite to use that index.
 */
export const MESSAGE_NOT_DERIVED =
  "message_id != webhook_id || ':' || CASE source WHEN 'send' THEN 'send:' ELSE '' END || event_id";

/** The SQLite value of a {@link WebhookPatch} field (JSON text for the fields, 0/1 for booleans). */
export function webhookValue(key: keyof WebhookPatch, value: unknown): unknown {
  if (key === 'fields') return JSON.stringify(value);
  if (key === 'sendActivityPayload') return value ? 1 : 0;
  return value;
}

/** The column of each {@link DeliveryRecord} field. */
const DELIVERY_COLUMN = {
  id: 'id',
  accountId: 'account_id',
  webhookId: 'webhook_id',
  eventId: 'event_id',
  personId: 'person_id',
  activityId: 'activity_id',
  source: 'source',
  status: 'status',
  messageId: 'message_id',
  attemptCount: 'attempt_count',
  countedAttempts: 'counted_attempts',
  occurredAt: 'occurred_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  cycleStartedAt: 'cycle_started_at',
  nextAttemptAt: 'next_attempt_at',
  deliveredAt: 'delivered_at',
  firstDeliveredAt: 'first_delivered_at',
  lastError: 'last_error',
  lastHttpStatus: 'last_http_status',
  configVersion: 'config_version',
} as const satisfies Record<keyof DeliveryRecord, string>;

type DeliveryColumn = (typeof DELIVERY_COLUMN)[keyof typeof DELIVERY_COLUMN];

/** The columns of a delivery without its message and attempts, as a select list of `deliveries d`. */
export const DELIVERY_COLUMNS = Object.values(DELIVERY_COLUMN)
  .map((column) => `d.${column}`)
  .join(', ');

/** Where each delivery column is in a row: its name (a keyed row) or its index (a raw array). */
export type DeliveryColumnKeys = Readonly<Record<DeliveryColumn, string | number>>;

const BY_NAME: DeliveryColumnKeys = Object.fromEntries(
  Object.values(DELIVERY_COLUMN).map((column) => [column, column]),
) as Record<DeliveryColumn, string>;

/**
 * The index of each delivery column in the raw arrays of a statement, found by name in its result
 * columns (`statement.columns()`). Throws if the statement lacks one.
 */
export function deliveryColumnIndexes(columns: readonly { name: string }[]): DeliveryColumnKeys {
  const index = new Map(columns.map((column, i) => [column.name, i]));
  return Object.fromEntries(
    Object.values(DELIVERY_COLUMN).map((column) => {
      const at = index.get(column);
      if (at === undefined) throw new Error(`The statement does not select the delivery column ${column}.`);
      return [column, at];
    }),
  ) as Record<DeliveryColumn, number>;
}

/**
 * A delivery of a row holding the delivery columns: a keyed row (default), or a raw array with the
 * indexes of {@link deliveryColumnIndexes} — the logs page reads 51 rows per request, and building a keyed
 * object per row first costs as much as the query.
 */
export function toDelivery(row: Row | readonly unknown[], keys: DeliveryColumnKeys = BY_NAME): DeliveryRecord {
  const r = row as Record<string | number, unknown>;
  return {
    id: r[keys.id] as string,
    accountId: r[keys.account_id] as string,
    webhookId: r[keys.webhook_id] as string,
    eventId: r[keys.event_id] as string,
    personId: r[keys.person_id] as string,
    activityId: (r[keys.activity_id] as string | null) ?? null,
    source: r[keys.source] as DeliveryRecord['source'],
    status: r[keys.status] as DeliveryStatus,
    messageId: r[keys.message_id] as string,
    attemptCount: r[keys.attempt_count] as number,
    countedAttempts: r[keys.counted_attempts] as number,
    occurredAt: r[keys.occurred_at] as number,
    createdAt: r[keys.created_at] as number,
    updatedAt: r[keys.updated_at] as number,
    cycleStartedAt: r[keys.cycle_started_at] as number,
    nextAttemptAt: (r[keys.next_attempt_at] as number | null) ?? null,
    deliveredAt: (r[keys.delivered_at] as number | null) ?? null,
    firstDeliveredAt: (r[keys.first_delivered_at] as number | null) ?? null,
    lastError: (r[keys.last_error] as string | null) ?? null,
    lastHttpStatus: (r[keys.last_http_status] as number | null) ?? null,
    configVersion: (r[keys.config_version] as number | null) ?? null,
  };
}

/** An attempt of the `attempts` JSON column, with exactly the fields of {@link AttemptRecord}. */
export function toAttempt(a: AttemptRecord): AttemptRecord {
  return {
    number: a.number,
    at: a.at,
    httpStatus: a.httpStatus ?? null,
    latencyMs: a.latencyMs,
    outcome: a.outcome,
    error: a.error ?? null,
    responseBody: a.responseBody ?? null,
    configVersion: a.configVersion ?? null,
  };
}
