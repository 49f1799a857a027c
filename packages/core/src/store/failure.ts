/**
 * What a store throws when its database cannot serve a call for a while, through no fault of the caller:
 * the service answers it with a retryable error (`unavailable` → HTTP 503 with `Retry-After`) instead of
 * an internal error, and the worker keeps what it already sent until the database is back.
 */

/**
 * Why a store could not serve a call:
 * - `unavailable`: the database cannot be reached or is restarting (connection refused or dropped, the
 *   server shutting down or starting up, no connection free in time). Trying again shortly may work.
 * - `storage_full`: the database has no room to write (SQLite's `SQLITE_FULL`, a disk or tablespace that
 *   is full on PostgreSQL: SQLSTATE 53100 `disk_full` and the rest of class 53). Reads still work; writes
 *   work again once space is freed, without a restart.
 *
 * Each reason has its error code, HTTP status and message in the service's `STORE_FAILURE_ERRORS`.
 */
export type StoreFailureReason = 'unavailable' | 'storage_full';

/** Every {@link StoreFailureReason}. */
export const STORE_FAILURE_REASONS: readonly StoreFailureReason[] = ['unavailable', 'storage_full'];

/** How long a caller is told to wait before trying again, when the store does not say: 1 s. */
export const DEFAULT_STORE_RETRY_AFTER_MS = 1000;

const BRAND = Symbol.for('segment-webhook.store-failure');

/**
 * Thrown by a store for a call that failed because of the database's state, not the call. The call may or
 * may not have taken effect (a connection lost during a commit leaves that unknown), so what is retried
 * must be idempotent — as ingesting the same event ids is. `cause` is the driver's error.
 */
export class StoreFailure extends Error {
  override readonly name = 'StoreFailure';
  /** Why (see {@link StoreFailureReason}). */
  readonly reason: StoreFailureReason;
  /** A whole number of ms to wait before trying again. */
  readonly retryAfterMs: number;
  readonly [BRAND] = true;

  constructor(reason: StoreFailureReason, message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.retryAfterMs = Math.max(0, Math.ceil(options.retryAfterMs ?? DEFAULT_STORE_RETRY_AFTER_MS));
  }
}

/** Whether `error` is a {@link StoreFailure} (also one made by another copy of this package). */
export function isStoreFailure(error: unknown): error is StoreFailure {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}
