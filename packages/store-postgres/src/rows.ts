/**
 * Row mapping of the PostgreSQL store: rows (as `pg` returns them, `bigint` as strings) to the `Store`'s
 * records. Columns are read by name.
 */
import type { AttemptRecord, DeliveryRecord, HistoryRecord, WebhookRecord } from '@segment-webhook/core';
import type { DeliveryStatus } from '@segment-webhook/core/contract';

/** A row as `pg` returns it. */
export type Row = Record<string, unknown>;

/** A number of a `bigint` or `integer` column (`pg` returns `bigint` as a string). */
export const num = (value: unknown): number => Number(value);
export const numOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

export function toWebhook(row: Row): WebhookRecord {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    name: row.name as string,
    trackEventName: row.track_event_name as string,
    region: row.region as WebhookRecord['region'],
    sendActivityPayload: row.send_activity_payload as boolean,
    // Copied: one row may serve several callers (merged route lookups), and records must not share state.
    fields: structuredClone(row.fields) as WebhookRecord['fields'],
    status: row.status as WebhookRecord['status'],
    healthState: row.health_state as WebhookRecord['healthState'],
    healthReason: (row.health_reason as string | null) ?? null,
    healthSince: numOrNull(row.health_since),
    refusedBatches: num(row.refused_batches),
    writeKeyCiphertext: row.write_key_ciphertext as string,
    writeKeyHint: row.write_key_hint as string,
    writeKeyFingerprint: row.write_key_fingerprint as string,
    version: num(row.version),
    disconnectedAt: numOrNull(row.disconnected_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

/** A history entry of a `webhook_history` row. */
export function toHistory(row: Row): HistoryRecord {
  return {
    webhookId: row.webhook_id as string,
    version: num(row.version),
    at: num(row.at),
    actor: (row.actor as string | null) ?? null,
    changes: row.changes as HistoryRecord['changes'],
  };
}

/** The columns of a delivery without its message (the list and summary reads), of `deliveries d`. */
export const DELIVERY_COLUMNS = `d.id, d.account_id, d.webhook_id, d.event_id, d.person_id, d.activity_id, d.source,
  d.status, d.message_id, d.attempt_count, d.counted_attempts, d.occurred_at, d.created_at, d.updated_at,
  d.cycle_started_at, d.next_attempt_at, d.delivered_at, d.first_delivered_at, d.last_error, d.last_http_status,
  d.config_version`;

export function toDelivery(row: Row): DeliveryRecord {
  return {
    id: row.id as string,
    accountId: row.account_id as string,
    webhookId: row.webhook_id as string,
    eventId: row.event_id as string,
    personId: row.person_id as string,
    activityId: (row.activity_id as string | null) ?? null,
    source: row.source as DeliveryRecord['source'],
    status: row.status as DeliveryStatus,
    messageId: row.message_id as string,
    attemptCount: num(row.attempt_count),
    countedAttempts: num(row.counted_attempts),
    occurredAt: num(row.occurred_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    cycleStartedAt: num(row.cycle_started_at),
    nextAttemptAt: numOrNull(row.next_attempt_at),
    deliveredAt: numOrNull(row.delivered_at),
    firstDeliveredAt: numOrNull(row.first_delivered_at),
    lastError: (row.last_error as string | null) ?? null,
    lastHttpStatus: numOrNull(row.last_http_status),
    configVersion: numOrNull(row.config_version),
  };
}

export function toAttempt(row: Row): AttemptRecord {
  return {
    number: num(row.number),
    at: num(row.at),
    httpStatus: numOrNull(row.http_status),
    latencyMs: num(row.latency_ms),
    outcome: row.outcome as AttemptRecord['outcome'],
    error: (row.error as string | null) ?? null,
    responseBody: (row.response_body as string | null) ?? null,
    configVersion: numOrNull(row.config_version),
  };
}

/** Delivery ids grouped by webhook, in order, from rows with `id` and `webhook_id`. */
export function groupByWebhook(rows: readonly Row[]): Map<string, string[]> {
  const byWebhook = new Map<string, string[]>();
  for (const row of rows) {
    const list = byWebhook.get(row.webhook_id as string);
    if (list) list.push(row.id as string);
    else byWebhook.set(row.webhook_id as string, [row.id as string]);
  }
  return byWebhook;
}
