/**
 * The time rule of the `Store` boundary, checked the same way by every bundled store: every time and
 * duration a store method receives is an integer number of milliseconds (a safe integer: any `Date` fits).
 * Anything else — a fraction, `NaN`, an infinity, a string — is a programmer error: the store throws a
 * `TypeError` naming the argument before it writes anything (SQLite would otherwise keep the fraction and
 * PostgreSQL would fail mid-transaction, as a `bigint` column refuses it).
 */
import type {
  AttemptCompletion,
  DeliveryCursor,
  DeliveryFilter,
  DeliveryStatsQuery,
  InsertDeliveriesOptions,
  NewDelivery,
  UpdateWebhookOptions,
  WebhookPatch,
  WebhookRecord,
} from './types';

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}

/** Whether `value` is an integer number of milliseconds (a safe integer) of at least `min`. */
function isTime(value: unknown, min = Number.NEGATIVE_INFINITY): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min;
}

/**
 * Throws a `TypeError` naming `method` and `name` unless `value` is an integer number of milliseconds
 * (`Number.isSafeInteger`) of at least `min` (default: any).
 */
export function assertStoreTime(method: string, name: string, value: unknown, min = Number.NEGATIVE_INFINITY): void {
  if (isTime(value, min)) return;
  const what = min === 0 ? 'a non-negative integer' : min === 1 ? 'a positive integer' : 'an integer';
  throw new TypeError(
    `${method}: ${name} must be ${what} number of milliseconds (times at the Store boundary are whole ms), got ${describe(value)}.`,
  );
}

/** {@link assertStoreTime}, null allowed. */
export function assertStoreTimeOrNull(method: string, name: string, value: unknown): void {
  if (value !== null) assertStoreTime(method, name, value);
}

/**
 * The checks of each `Store` method that takes times, shared by the bundled stores so that they refuse
 * exactly the same calls. Each throws a `TypeError` (see {@link assertStoreTime}) and returns nothing.
 */
export const storeTimes = {
  insertWebhook(webhook: WebhookRecord): void {
    assertStoreTimeOrNull('insertWebhook', 'webhook.healthSince', webhook.healthSince);
    assertStoreTime('insertWebhook', 'webhook.createdAt', webhook.createdAt);
    assertStoreTime('insertWebhook', 'webhook.updatedAt', webhook.updatedAt);
    assertStoreTimeOrNull('insertWebhook', 'webhook.disconnectedAt', webhook.disconnectedAt);
    if (!Number.isSafeInteger(webhook.version) || webhook.version < 1) {
      throw new TypeError(
        `insertWebhook: webhook.version must be a positive integer, got ${describe(webhook.version)}.`,
      );
    }
  },

  updateWebhook(patch: WebhookPatch, options?: UpdateWebhookOptions): void {
    if (patch.healthSince !== undefined) assertStoreTimeOrNull('updateWebhook', 'patch.healthSince', patch.healthSince);
    if (patch.updatedAt !== undefined) assertStoreTime('updateWebhook', 'patch.updatedAt', patch.updatedAt);
    if (patch.disconnectedAt !== undefined) {
      assertStoreTimeOrNull('updateWebhook', 'patch.disconnectedAt', patch.disconnectedAt);
    }
    if (options?.history) assertStoreTime('updateWebhook', 'options.history.at', options.history.at);
  },

  insertDeliveries(deliveries: readonly NewDelivery[], options: InsertDeliveriesOptions | undefined): void {
    // On the hot path: the argument's name is built only for the error.
    for (let index = 0; index < deliveries.length; index++) {
      const delivery = deliveries[index]!;
      if (!isTime(delivery.occurredAt)) {
        assertStoreTime('insertDeliveries', `deliveries[${index}].occurredAt`, delivery.occurredAt);
      }
      if (!isTime(delivery.createdAt)) {
        assertStoreTime('insertDeliveries', `deliveries[${index}].createdAt`, delivery.createdAt);
      }
    }
    const lease = options?.lease;
    if (lease) {
      assertStoreTime('insertDeliveries', 'options.lease.now', lease.now);
      assertStoreTime('insertDeliveries', 'options.lease.until', lease.until);
    }
  },

  claimDeliveries(now: number, leaseMs: number): void {
    assertStoreTime('claimDeliveries', 'now', now);
    assertStoreTime('claimDeliveries', 'leaseMs', leaseMs, 0);
  },

  completeAttempts(completions: readonly AttemptCompletion[], now: number): void {
    assertStoreTime('completeAttempts', 'now', now);
    completions.forEach((completion, index) => {
      if (!isTime(completion.attempt.at)) {
        assertStoreTime('completeAttempts', `completions[${index}].attempt.at`, completion.attempt.at);
      }
      const { latencyMs } = completion.attempt;
      // A measured duration, not a time: fractions are fine, but it must be a number a column can hold.
      if (typeof latencyMs !== 'number' || !Number.isFinite(latencyMs)) {
        throw new TypeError(
          `completeAttempts: completions[${index}].attempt.latencyMs must be a finite number of milliseconds, got ${describe(latencyMs)}.`,
        );
      }
      // Required for `retrying` (a retrying delivery without a time would never be due again); ignored otherwise.
      if (completion.status === 'retrying' && !isTime(completion.nextAttemptAt)) {
        assertStoreTime('completeAttempts', `completions[${index}].nextAttemptAt`, completion.nextAttemptAt);
      }
    });
  },

  /** Methods whose only time is `now` (or a cut-off): `recordBatches`, `releaseLeases`, `requeueFailed`, … */
  now(method: string, now: number, name = 'now'): void {
    assertStoreTime(method, name, now);
  },

  listDeliveries(filter: DeliveryFilter, after: DeliveryCursor | null, method = 'listDeliveries'): void {
    if (filter.from !== undefined) assertStoreTime(method, 'filter.from', filter.from);
    if (filter.to !== undefined) assertStoreTime(method, 'filter.to', filter.to);
    if (after) assertStoreTime(method, 'after.createdAt', after.createdAt);
  },

  deliveryStats(query: DeliveryStatsQuery): void {
    assertStoreTime('deliveryStats', 'query.since', query.since);
    assertStoreTime('deliveryStats', 'query.until', query.until);
    assertStoreTime('deliveryStats', 'query.bucketMs', query.bucketMs, 1);
  },
};
