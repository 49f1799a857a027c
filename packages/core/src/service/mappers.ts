/** Store records → the contract's API shapes. */
import type {
  DeliveryAttempt,
  DeliveryDetail,
  DeliverySummary,
  HeldReason,
  HistoryEntry,
  Webhook,
} from '../contract/index';
import { deliveryHeldReason } from '../contract/rules';
import type { AttemptRecord, DeliveryDetailRecord, DeliveryRecord, HistoryRecord, WebhookRecord } from '../store/types';

// A page of deliveries formats four timestamps per row, mostly within the same minute: the
// `YYYY-MM-DDTHH:MM:` prefix of the last minute seen is reused and only seconds and milliseconds are
// formatted. Same output as `toISOString()` (which remains the path for anything unusual).
let cachedMinute = Number.NaN;
let cachedPrefix = '';
/** `new Date(ms).toISOString()`, faster for runs of nearby timestamps. Exported for its tests. */
export function iso(ms: number): string {
  const minute = Math.floor(ms / 60_000);
  if (minute !== cachedMinute) {
    // Years 0000–9999 with whole milliseconds only; anything else (or NaN, which throws) as before.
    if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 253_402_300_800_000) return new Date(ms).toISOString();
    cachedMinute = minute;
    cachedPrefix = new Date(minute * 60_000).toISOString().slice(0, 17);
  }
  const rest = ms - minute * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  return `${cachedPrefix}${seconds < 10 ? '0' : ''}${seconds}.${millis < 100 ? (millis < 10 ? '00' : '0') : ''}${millis}Z`;
}
const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export { heldReasonOf } from '../contract/rules';

/**
 * A webhook as the API shows it: a hint of the write key, never the key. `skippedSinceDisconnect` is
 * counted by the caller (the store's `countSkipped` since `disconnectedAt`), 0 unless disconnected.
 */
export function toWebhook(record: WebhookRecord, skippedSinceDisconnect = 0): Webhook {
  return {
    id: record.id,
    name: record.name,
    trackEventName: record.trackEventName,
    region: record.region,
    sendActivityPayload: record.sendActivityPayload,
    fields: record.fields,
    status: record.status,
    health: {
      state: record.healthState,
      reason: record.healthReason,
      since: isoOrNull(record.healthSince),
    },
    writeKeyHint: record.writeKeyHint,
    version: record.version,
    skippedSinceDisconnect,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
  };
}

/** A delivery summary; `held` is the webhook's {@link heldReasonOf}, applied to unfinished deliveries. */
export function toDeliverySummary(record: DeliveryRecord, held: HeldReason | null): DeliverySummary {
  const unfinished = record.status === 'pending' || record.status === 'retrying';
  return {
    id: record.id,
    webhookId: record.webhookId,
    eventId: record.eventId,
    personId: record.personId,
    activityId: record.activityId,
    source: record.source,
    status: record.status,
    heldReason: deliveryHeldReason(record.status, held),
    messageId: record.messageId,
    attemptCount: record.attemptCount,
    occurredAt: iso(record.occurredAt),
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    nextAttemptAt: unfinished ? isoOrNull(record.nextAttemptAt) : null,
    deliveredAt: isoOrNull(record.deliveredAt),
    lastError: record.lastError,
    lastHttpStatus: record.lastHttpStatus,
  };
}

function toAttempt(attempt: AttemptRecord): DeliveryAttempt {
  return {
    number: attempt.number,
    at: iso(attempt.at),
    httpStatus: attempt.httpStatus,
    latencyMs: attempt.latencyMs,
    outcome: attempt.outcome,
    error: attempt.error,
    responseBody: attempt.responseBody,
    configVersion: attempt.configVersion ?? null,
  };
}

/** A delivery with its Segment message, every attempt, and the settings versions it was built and sent with. */
export function toDeliveryDetail(record: DeliveryDetailRecord, held: HeldReason | null): DeliveryDetail {
  return {
    ...toDeliverySummary(record, held),
    message: record.message,
    attempts: record.attempts.map(toAttempt),
    configVersion: record.configVersion,
    firstDeliveredAt: isoOrNull(record.firstDeliveredAt),
  };
}

/** A settings history entry as the API shows it. */
export function toHistoryEntry(record: HistoryRecord): HistoryEntry {
  return { version: record.version, at: iso(record.at), actor: record.actor, changes: record.changes };
}
