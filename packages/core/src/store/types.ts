/**
 * The persistence contract of the kit. One interface, implemented by `@segment-webhook/store-sqlite`
 * and `@segment-webhook/store-postgres`, verified by one conformance suite
 * (`describeStoreContract` from `@segment-webhook/core/testing`).
 *
 * Conventions for every method:
 * - Times are integer milliseconds: every time (since the epoch, UTC) and duration passed to a method —
 *   `now`, `until`, `leaseMs`, `nextAttemptAt`, `olderThan`, a `NewDelivery`'s `occurredAt` and `createdAt`,
 *   an attempt's `at`, a webhook's `createdAt`/`updatedAt`/`healthSince`, filter bounds, `bucketMs` — is a
 *   safe integer (`Number.isSafeInteger`; any `Date`'s time, from 0 and before up to ±8.64e15, fits), and
 *   every time read back is exactly the integer written. A fraction, `NaN`, an infinity or a non-number is a
 *   programmer error: the method throws a `TypeError` naming the argument before it writes anything
 *   (`storeTimes` in `@segment-webhook/core` is the check both bundled stores run). Durations the store
 *   only records (an attempt's `latencyMs`) may be fractional but must be finite. Callers round: the worker
 *   uses whole milliseconds for retries (`backoffDelay` and `parseRetryAfter` return them).
 * - The store never reads a clock itself: every time it compares against (`now`) is passed in, so tests
 *   and the service control time.
 * - Every method that takes an `accountId` is scoped to it: a row of another account behaves exactly
 *   like a missing row (`null`, `false`, skipped) — existence is never revealed.
 * - Every write method is atomic: it applies completely or not at all, and once its promise resolves it is
 *   durable (committed). Methods never throw for "not found" or "wrong state"; they return it as data.
 *   They throw only for programmer errors and database failures.
 * - Deleting is complete in every store: a webhook's routes, deliveries and attempts go with it
 *   ({@link Store.deleteWebhook}), a pruned delivery's attempts with it. (PostgreSQL cascades through
 *   foreign keys; SQLite, which runs without foreign key checks, deletes the rows itself: the result is the
 *   same.) Deliveries of a webhook that does not exist are refused ({@link Store.insertDeliveries}).
 * - A database failure that is no fault of the call and may pass (the database unreachable or restarting)
 *   is thrown as a `StoreFailure` (`./failure`), which the service answers as retryable (503).
 * - Returned objects are fresh copies: mutating them never changes the store.
 * - `migrate()` must have resolved before any other method is called (the service and the worker call it).
 */

import type {
  DeliveryStatus,
  FieldMapping,
  HistoryChange,
  JsonValue,
  Region,
  TrackMessage,
  WebhookStatus,
} from '../contract/index';
import type { DeliveryFilter } from '../contract/rules';

/** Stops a subscription; calling it twice is harmless. */
export type StoreUnsubscribe = () => void;

/** Health of a webhook as stored. */
export type WebhookHealthState = 'healthy' | 'needs_attention';

/** A webhook as stored: the configuration, the encrypted write key and the delivery health. */
export interface WebhookRecord {
  id: string;
  accountId: string;
  name: string;
  trackEventName: string;
  region: Region;
  sendActivityPayload: boolean;
  fields: FieldMapping[];
  status: WebhookStatus;
  healthState: WebhookHealthState;
  /** Why it needs attention; null when healthy. */
  healthReason: string | null;
  /** When it started needing attention; null when healthy. */
  healthSince: number | null;
  /** Consecutive batches that Segment refused permanently (reset by any delivered message). */
  refusedBatches: number;
  /** The write key encrypted with AES-256-GCM (opaque to the store). */
  writeKeyCiphertext: string;
  /** The last 4 characters of the write key. */
  writeKeyHint: string;
  /**
   * A keyed fingerprint (HMAC) of the write key: webhooks with the same write key share it, so they
   * share a rate budget and a 429 pause. Opaque to the store.
   */
  writeKeyFingerprint: string;
  /**
   * The settings version: 1 at creation (any positive integer may be inserted), +1 each time
   * {@link Store.updateWebhook} records a history entry. Never set through a patch.
   */
  version: number;
  /** When it was last disconnected (or unarchived, which leaves it disconnected); null while active. */
  disconnectedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * The columns of a webhook that {@link Store.updateWebhook} may change. `id`, `accountId` and
 * `createdAt` never change; `version` changes only with a history entry.
 */
export type WebhookPatch = Partial<Omit<WebhookRecord, 'id' | 'accountId' | 'createdAt' | 'version'>>;

/** A settings history entry to record (see {@link Store.insertWebhook} and {@link Store.updateWebhook}). */
export interface NewHistoryEntry {
  /** When the settings changed. */
  at: number;
  /** Who changed them, as the host named them, or null. */
  actor: string | null;
  /** What changed. A write key appears only as `{field: 'writeKey', changed: true}`; the store keeps it as given. */
  changes: HistoryChange[];
}

/** One version of a webhook's settings as stored. */
export interface HistoryRecord extends NewHistoryEntry {
  webhookId: string;
  version: number;
}

/** Options of {@link Store.updateWebhook}. */
export interface UpdateWebhookOptions {
  /** Apply only if the webhook's `version` is still this (optimistic concurrency); otherwise null, nothing changes. */
  ifVersion?: number;
  /** Apply only if the webhook is still in this health state (one resume of many counts); otherwise null. */
  ifHealth?: WebhookHealthState;
  /** Record this entry as the next version: `version` becomes `version + 1`, in the same transaction. */
  history?: NewHistoryEntry;
}

/** An activity's Data destination as stored. */
export interface RouteRecord {
  accountId: string;
  activityId: string;
  webhookId: string;
}

/** Outcome of {@link Store.setRoute}. */
export type SetRouteResult =
  | { ok: true; route: RouteRecord }
  /** The webhook does not exist in this account. */
  | { ok: false; reason: 'webhook_not_found' }
  /** The webhook is archived: it cannot be a destination. */
  | { ok: false; reason: 'webhook_archived' }
  /** Routing this activity would take the account's outbound streams past the limit. */
  | { ok: false; reason: 'limit_reached'; streams: number };

/** Where a delivery comes from: a routed activity event, or the **Send to webhook** action. */
export type DeliverySource = 'activity' | 'send';

/** A delivery to create (see {@link Store.insertDeliveries}). */
export interface NewDelivery {
  /** Unique id chosen by the caller. */
  id: string;
  accountId: string;
  webhookId: string;
  /** The event id (activity events) or the idempotency key (sends). With `webhookId` and `source`, unique. */
  eventId: string;
  personId: string;
  activityId: string | null;
  source: DeliverySource;
  /** The Segment messageId; stays the same for every attempt, retry and replay. */
  messageId: string;
  /** The Segment message, built at ingest (a snapshot). */
  message: TrackMessage;
  /**
   * `JSON.stringify(message)`, when the caller already has it (the service measured the message with it):
   * a store that keeps the message as text writes it as is instead of serializing the message again.
   */
  messageJson?: string;
  occurredAt: number;
  /** When the kit accepted it; also the first `nextAttemptAt` (due at once). */
  createdAt: number;
  /** The webhook's settings version the message was built with. Default null (unknown). */
  configVersion?: number | null;
}

/**
 * Claim at insert (the in-process hand-off, see {@link Store.insertDeliveries}): the new deliveries are
 * inserted already leased to `owner`, as if it had claimed them at `now`.
 */
export interface InsertLease {
  /** The lease owner (a delivery worker's id). */
  owner: string;
  /** The time eligibility is judged at (write-key pauses). */
  now: number;
  /** The lease's expiry, stored as `nextAttemptAt`; afterwards any worker may claim the delivery. */
  until: number;
  /** Most deliveries leased by this call (the worker's free room); the rest are inserted due as usual. */
  max: number;
}

/** Options of {@link Store.insertDeliveries}. */
export interface InsertDeliveriesOptions {
  /** Insert the eligible new deliveries already claimed by this lease. */
  lease?: InsertLease;
}

/** One result of {@link Store.insertDeliveries}. */
export interface InsertedDelivery {
  id: string;
  messageId: string;
  created: boolean;
  /** Set when this call created the delivery `skipped` (its webhook was not active at the commit). */
  skipped?: true;
  /**
   * With a lease: set when this call created the delivery already leased to the lease owner — what the
   * owner needs to send it, as {@link Store.claimDeliveries} would have returned it. Absent otherwise.
   */
  claimed?: ClaimedDelivery;
}

/** A delivery as stored, without its message and attempts. */
export interface DeliveryRecord {
  id: string;
  accountId: string;
  webhookId: string;
  eventId: string;
  personId: string;
  activityId: string | null;
  source: DeliverySource;
  /**
   * `pending` (never attempted, or requeued), `retrying` (attempted, will be again), `delivered`, `failed`,
   * `skipped` (its webhook was not active when it was inserted: never claimed unless requeued).
   */
  status: DeliveryStatus;
  messageId: string;
  /** Every recorded attempt, including rate-limited ones. */
  attemptCount: number;
  /**
   * Attempts that count toward the retry policy's `maxAttempts` (rate-limited answers do not count).
   * Reset to 0 by {@link Store.requeueFailed}.
   */
  countedAttempts: number;
  occurredAt: number;
  createdAt: number;
  updatedAt: number;
  /**
   * When the current delivery cycle started: `createdAt`, or the time of the last manual retry. The retry
   * policy's `maxAgeMs` is measured from it.
   */
  cycleStartedAt: number;
  /**
   * When the delivery is due next (pending or retrying); while claimed, the lease's expiry. Null once
   * delivered or failed.
   */
  nextAttemptAt: number | null;
  /** When the last delivered attempt was made; null unless `delivered` (a requeue clears it). */
  deliveredAt: number | null;
  /** When the first delivered attempt was made (kept through requeues): Segment de-duplicates from then. */
  firstDeliveredAt: number | null;
  lastError: string | null;
  lastHttpStatus: number | null;
  /** The webhook's settings version its message was built with (`NewDelivery.configVersion`), or null. */
  configVersion: number | null;
}

/** A delivery with its message as JSON text (see {@link Store.listDeliveriesWithMessages}). */
export interface DeliveryWithMessage extends DeliveryRecord {
  /** The Segment message as stored, as JSON text. */
  messageJson: string;
}

/** One delivery requeued by {@link Store.requeueDeliveries}. */
export interface RequeuedDelivery {
  id: string;
  /** Its `firstDeliveredAt` (unchanged by the requeue). */
  firstDeliveredAt: number | null;
}

/** One HTTP attempt as stored. */
export interface AttemptRecord {
  /** 1 for the first attempt of the delivery; consecutive. */
  number: number;
  at: number;
  httpStatus: number | null;
  latencyMs: number;
  outcome: 'delivered' | 'retry' | 'failed';
  error: string | null;
  /** Segment's response body, already capped by the caller. */
  responseBody: string | null;
  /** The webhook's settings version it was sent with (`ClaimedDelivery.webhookVersion`), or null. */
  configVersion: number | null;
}

/** A delivery with its message and its attempts (oldest first). */
export interface DeliveryDetailRecord extends DeliveryRecord {
  message: TrackMessage;
  attempts: AttemptRecord[];
}

/** A claimed delivery with what the worker needs to send it, read at claim time. */
export interface ClaimedDelivery extends DeliveryRecord {
  message: TrackMessage;
  /** `JSON.stringify(message)` when the store has it at hand (the client then sends it as is). */
  messageJson?: string;
  /** The webhook's current encrypted write key (read now, not at ingest: fixing a key rescues retries). */
  writeKeyCiphertext: string;
  writeKeyFingerprint: string;
  /** The webhook's current region. */
  region: Region;
  /** The webhook's current settings version (what the attempt is sent with). */
  webhookVersion: number;
}

/** What {@link Store.completeAttempts} records for one claimed delivery. */
export interface AttemptCompletion {
  deliveryId: string;
  /** The attempt; its `number` must be the delivery's `attemptCount + 1`. */
  attempt: AttemptRecord;
  /** Whether this attempt counts toward `maxAttempts` (false for a rate-limited answer). */
  counted: boolean;
  /** The new status: delivered, retrying (with `nextAttemptAt`) or failed. */
  status: 'delivered' | 'retrying' | 'failed';
  /** Required for `retrying`; ignored otherwise (stored as null). */
  nextAttemptAt: number | null;
  /** Stored as `lastError` (null clears it). */
  lastError: string | null;
}

/** One batch request's result for one webhook (see {@link Store.recordBatches}). */
export interface BatchResult {
  webhookId: string;
  /** True when Segment refused every message of the batch permanently (a 4xx that is never retried). */
  refused: boolean;
  /** What to show as the needs-attention reason when this batch tips the webhook over. */
  reason: string | null;
}

/**
 * Filters of {@link Store.listDeliveries}: the contract's `DeliveryFilter` (every given field equal,
 * `from <= createdAt < to`; `deliveryMatchesFilter` states the rule once).
 */
export type { DeliveryFilter } from '../contract/rules';

/** A position in the newest-first order: the last row of the previous page. */
export interface DeliveryCursor {
  createdAt: number;
  id: string;
}

/** Input of {@link Store.deliveryStats}. */
export interface DeliveryStatsQuery {
  /** Start of the range (inclusive) for series, success and lag. */
  since: number;
  /** End of the range (exclusive). */
  until: number;
  /** Bucket width of the series. */
  bucketMs: number;
}

/** Output of {@link Store.deliveryStats}. */
export interface DeliveryStats {
  /** Current number of the webhook's deliveries in each status (all time, not only the range). */
  counts: Record<DeliveryStatus, number>;
  /**
   * Non-empty buckets only, ascending by `start`. A delivered delivery falls in the bucket of its
   * `deliveredAt`, a failed one in the bucket of its `updatedAt`; only those with that time in
   * [since, until). `start = since + k · bucketMs`.
   */
  buckets: { start: number; delivered: number; failed: number }[];
  /** The latest `deliveredAt` of the webhook (all time), or null. */
  lastDeliveredAt: number | null;
  /**
   * Nearest-rank percentiles of `deliveredAt − occurredAt` over the latest {@link LAG_SAMPLE_SIZE} (10,000)
   * deliveries delivered in [since, until) — by `deliveredAt`; all of them when there are fewer — so the
   * overview's cost stays bounded however busy the webhook: with the n lags sorted ascending, p is the value
   * at 1-based rank `ceil(p · n)`. Null when n = 0. Every store samples alike (ties of `deliveredAt` at the
   * cut are broken as the store likes).
   */
  lagP50: number | null;
  lagP95: number | null;
}

/** The lag percentiles of {@link DeliveryStats} are computed over at most this many of the latest deliveries. */
export const LAG_SAMPLE_SIZE = 10_000;

/** What {@link Store.checkHealth} found (the readiness check of a process). */
export interface StoreHealth {
  /** The latest schema version applied to the database; 0 before any migration. */
  schemaVersion: number;
  /**
   * The latest schema version this store's code knows. Migrations are applied when `schemaVersion` is at
   * least this (a newer database, migrated by a newer release during a rolling deploy, is fine).
   */
  expectedSchemaVersion: number;
  /**
   * `storage_full` while the database has no room to write: a write failed with
   * `StoreFailure('storage_full')` and a probe write still fails; `ok` otherwise (the probe is only made
   * after such a failure, so the check stays a cheap read).
   */
  storage: 'ok' | 'storage_full';
}

/**
 * The outbox's gauges at one moment (see {@link Store.queueStats}), over every account. "Unfinished" is
 * `pending` or `retrying`; a delivery is held when its webhook holds it (`heldReasonOf`: disconnected,
 * archived, or needs attention).
 */
export interface QueueStats {
  /** Unfinished deliveries never attempted, not held (including those leased right now). */
  pending: number;
  /** Unfinished deliveries attempted and scheduled again, not held. */
  retrying: number;
  /** Unfinished deliveries of webhooks that hold them, pending or retrying. */
  held: number;
  /**
   * The earliest `cycleStartedAt` (creation, or the last manual retry) of the unfinished deliveries that are
   * not held — how long the oldest delivery the kit owes Segment has been waiting — or null when there are
   * none. Held deliveries wait for a person, not for the kit, and are left out.
   */
  oldestUnfinishedAt: number | null;
  /** Webhooks that need attention and are not archived. */
  webhooksNeedingAttention: number;
}

/** A change notification: these deliveries of this webhook were created or changed. */
export interface DeliveryChangeNotice {
  webhookId: string;
  deliveryIds: string[];
}

/**
 * The store. See the module comment for the conventions shared by every method.
 */
export interface Store {
  /**
   * Creates or upgrades the schema with versioned migrations. Idempotent: calling it again, or from
   * several processes at once, is safe and changes nothing once up to date.
   */
  migrate(): Promise<void>;
  /** Releases connections and subscriptions. Further calls are programmer errors. */
  close(): Promise<void>;
  /**
   * The readiness check: a cheap read that the database answers, the schema version it has, and whether it
   * has room to write (see {@link StoreHealth.storage}). May be called before `migrate()` (the schema version
   * is then 0). Throws `StoreFailure('unavailable')` when the database cannot be reached. Never changes
   * anything the other methods read.
   */
  checkHealth(): Promise<StoreHealth>;
  /**
   * The outbox's gauges now (see {@link QueueStats}), for metrics read at scrape time. Cheap however long
   * the history: it reads running counts and index entries, never the finished deliveries.
   */
  queueStats(): Promise<QueueStats>;

  // Webhooks -----------------------------------------------------------------------------------

  /**
   * Inserts a new webhook, and with `history` its first history entry (version `webhook.version`), in one
   * transaction. Throws if the id exists (programmer error).
   */
  insertWebhook(webhook: WebhookRecord, history?: NewHistoryEntry): Promise<void>;
  /** The webhook, or null when missing or of another account. */
  getWebhook(accountId: string, webhookId: string): Promise<WebhookRecord | null>;
  /** The account's webhooks, oldest first (`createdAt`, then `id`), optionally only those in `status`. */
  listWebhooks(accountId: string, status?: WebhookStatus): Promise<WebhookRecord[]>;
  /**
   * Applies `patch` and returns the updated webhook. Returns null — and changes nothing — when the webhook
   * is missing, of another account, (with `ifStatus`) not currently in one of those statuses, or (with
   * `options.ifHealth`) not currently in that health state: the check and the write are one atomic step, so
   * two concurrent transitions cannot both succeed (two processes resuming one webhook: one of them did it).
   * When the patch sets `status: 'archived'`, every route to the webhook and every one of its `skipped`
   * deliveries are deleted in the same transaction (archiving releases its outbound streams and drops what
   * was skipped while it was disconnected). With `options.ifVersion`, the webhook must also still have
   * that version; with `options.history`, its version becomes `version + 1` and the entry is recorded
   * under the new version, in the same transaction.
   */
  updateWebhook(
    accountId: string,
    webhookId: string,
    patch: WebhookPatch,
    ifStatus?: readonly WebhookStatus[],
    options?: UpdateWebhookOptions,
  ): Promise<WebhookRecord | null>;
  /**
   * The webhook's history entries with a version below `beforeVersion` (all when null), newest version
   * first, at most `limit`. Empty when the webhook is missing or of another account.
   */
  listWebhookHistory(
    accountId: string,
    webhookId: string,
    beforeVersion: number | null,
    limit: number,
  ): Promise<HistoryRecord[]>;
  /**
   * Deletes the webhook with its routes, deliveries, attempts and history, atomically, only if it is in
   * `ifStatus`. True when deleted; false when missing, of another account or in another status.
   */
  deleteWebhook(accountId: string, webhookId: string, ifStatus: readonly WebhookStatus[]): Promise<boolean>;
  /**
   * Records batch results, in order, atomically. For each result: `refused` increments the webhook's
   * `refusedBatches`; otherwise it is reset to 0. When a refused batch brings `refusedBatches` to at least
   * `threshold` and the webhook is healthy, it becomes `needs_attention` with `healthReason = reason` and
   * `healthSince = now`. Returns the ids of the webhooks that became `needs_attention` by this call: the
   * transition is atomic, so with any number of workers (processes) each one is returned by one call only —
   * what tells the customer once per change (`onWebhookHealthChange`). Results for missing webhooks are ignored.
   */
  recordBatches(results: readonly BatchResult[], threshold: number, now: number): Promise<string[]>;

  // Routes -------------------------------------------------------------------------------------

  /** The account's routes, ordered by `activityId`. */
  listRoutes(accountId: string): Promise<RouteRecord[]>;
  /**
   * Routes `activityId` to `webhookId` (replacing any previous destination), atomically with the limit
   * check: the account's streams are its routes to non-archived webhooks; if the activity is not already
   * such a stream and the streams are already `>= limit`, nothing changes and `limit_reached` is
   * returned. Re-routing an activity that already counts never hits the limit.
   */
  setRoute(accountId: string, activityId: string, webhookId: string, limit: number): Promise<SetRouteResult>;
  /** Removes the activity's route. True when there was one. */
  deleteRoute(accountId: string, activityId: string): Promise<boolean>;
  /** The account's outbound streams: routes whose webhook is not archived. */
  countStreams(accountId: string): Promise<number>;
  /**
   * The destination webhooks of these activities (any status), keyed by activity id; unrouted activities
   * are absent.
   */
  resolveRoutes(accountId: string, activityIds: readonly string[]): Promise<Map<string, WebhookRecord>>;

  // Deliveries: the outbox ---------------------------------------------------------------------

  /**
   * Inserts the deliveries in one transaction. A delivery whose (`webhookId`, `source`, `eventId`) already
   * exists — in the store or earlier in the same call — is not inserted; the existing one is returned
   * instead. A delivery whose webhook does not exist (deleted meanwhile) makes the call reject, and nothing
   * of the call is inserted; calls made at the same time are not affected. Returns, in input order, `{id, messageId, created}` of the delivery that now holds each key.
   * New deliveries are `pending` with `nextAttemptAt = cycleStartedAt = createdAt = updatedAt`, 0 attempts —
   * unless their webhook is not `active` when the call commits (disconnected, or archived meanwhile): then
   * they are `skipped`, with `nextAttemptAt` null, never leased, and their result says `skipped: true`. The
   * status is judged in the inserting transaction, so a delivery is never skipped after its webhook's
   * reconnect committed. After the commit, if anything was created, the store signals changes
   * ({@link Store.onChanges}) and, if any created delivery is due (not leased at insert), work ({@link Store.onWork}).
   *
   * With `options.lease` (claim at insert, for a delivery worker in the same process as the caller): each
   * created delivery that {@link Store.claimDeliveries} could claim at `lease.now` — its webhook `active`
   * and `healthy`, its write-key fingerprint not paused — is inserted already claimed by `lease.owner`, at
   * most `lease.max` of the call (a store may count them from the call's first `lease.max` deliveries,
   * whether or not they turn out to be new or eligible): `nextAttemptAt = lease.until` (the lease), owned as after a
   * claim (completable with {@link Store.completeAttempts}, released by {@link Store.releaseLeases}, due
   * again for any worker once the lease expires, so a crash loses nothing). Its result carries `claimed`,
   * the same record a claim returns (webhook's write key and region read in the same transaction). Other
   * deliveries are inserted due as without a lease.
   */
  insertDeliveries(deliveries: readonly NewDelivery[], options?: InsertDeliveriesOptions): Promise<InsertedDelivery[]>;

  /**
   * Claims up to `limit` due deliveries for `owner`, atomically: a delivery is claimable when it is
   * `pending` or `retrying`, `nextAttemptAt <= now`, its webhook is `active` and `healthy` (otherwise it is
   * held: it stays untouched), and its webhook's write-key fingerprint is not paused past `now`
   * ({@link Store.pauseWriteKey}). Claimed deliveries get `nextAttemptAt = now + leaseMs` (the lease) and
   * belong to `owner` until completed, released or the lease expires — then they are due again and any
   * worker may claim them (a crash loses nothing). Concurrent claims, in this or other processes, never
   * return the same delivery while its lease runs.
   *
   * Fair share across write keys: `limit` is shared between the write-key fingerprints that have claimable
   * deliveries, so one customer's backlog never holds back another's due work. Each fingerprint's claimable
   * deliveries are taken oldest first (`nextAttemptAt`, ties in a store-specific order), in turns: every
   * fingerprint's oldest, then every fingerprint's second oldest, and so on (`takeInTurns`), the last,
   * partial turn going to the older deliveries. Webhooks sharing a write key share its turns. A fingerprint
   * with fewer claimable deliveries than its share leaves the rest to the others: with `limit` 500, a key
   * with a backlog of 100,000 and a key with 1 due delivery get 499 and 1. Returned oldest `nextAttemptAt`
   * first.
   */
  claimDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]>;

  /**
   * Records attempts of deliveries claimed by `owner`, in one transaction. A completion whose delivery
   * is not currently claimed by `owner` (lease taken over by another worker, or released, or the delivery
   * deleted or requeued) is skipped. A lease that has expired but that no one took over still belongs to
   * `owner`: its completion applies (the attempt did happen; skipping it would only send the message again).
   * Completions of one delivery apply once: a repeat in the same call, or a call racing another for the same
   * claim, is skipped, so the delivery gains exactly one attempt. For each applied completion: the attempt row is added;
   * `attemptCount += 1`; `countedAttempts += 1` when `counted`; `status`, `lastError`, `updatedAt = now`,
   * `lastHttpStatus = attempt.httpStatus`; `nextAttemptAt` = the given time for `retrying`, null otherwise;
   * `deliveredAt = attempt.at` for `delivered`; the lease is cleared. A webhook with an applied `delivered`
   * completion has its `refusedBatches` reset to 0 in the same transaction (a delivered batch ends a run of
   * refused ones, as a non-refused {@link Store.recordBatches} result does; the worker records only refused
   * batches there). Returns the ids applied. After the commit, signals changes ({@link Store.onChanges}).
   */
  completeAttempts(owner: string, completions: readonly AttemptCompletion[], now: number): Promise<string[]>;

  /**
   * Releases every lease held by `owner` (graceful stop): those deliveries become due at `now`, their
   * status and attempts unchanged. Returns how many.
   */
  releaseLeases(owner: string, now: number): Promise<number>;

  /**
   * Pauses every delivery whose webhook's write-key fingerprint is `fingerprint` until `until` (a 429's
   * Retry-After), for every worker sharing the store. Keeps the later time if a pause already exists.
   */
  pauseWriteKey(fingerprint: string, until: number): Promise<void>;
  /** The time until which the fingerprint is paused, or null when never paused or the pause is over at `now`. */
  writeKeyPausedUntil(fingerprint: string, now: number): Promise<number | null>;

  /**
   * Schedules failed deliveries of the webhook again: with `deliveryIds`, those of them that are `failed`;
   * without, every failed one. Each becomes `pending` with `nextAttemptAt = cycleStartedAt = updatedAt = now`,
   * `countedAttempts = 0`; messageId, message, attempts and attemptCount are kept. Scoped to the account and
   * webhook. Returns the ids requeued. After the commit, if any, signals work and changes.
   */
  requeueFailed(accountId: string, webhookId: string, now: number, deliveryIds?: readonly string[]): Promise<string[]>;

  /**
   * Requeues these deliveries of the webhook that are currently in one of `statuses` (missing ids, other
   * webhooks', other accounts' and other statuses' are skipped), in one transaction — the replay of a time
   * range and the backfill of skipped deliveries. Each becomes `pending` with
   * `nextAttemptAt = cycleStartedAt = updatedAt = now`, `countedAttempts = 0`, `deliveredAt` null; its
   * messageId, message, `createdAt`, `occurredAt`, attempts, attemptCount and `firstDeliveredAt` are kept (its
   * next attempt is a new attempt of the same delivery). Returns them in no particular order. After the
   * commit, if any, signals work and changes.
   */
  requeueDeliveries(
    accountId: string,
    webhookId: string,
    now: number,
    deliveryIds: readonly string[],
    statuses: readonly DeliveryStatus[],
  ): Promise<RequeuedDelivery[]>;

  // Deliveries: reading ------------------------------------------------------------------------

  /**
   * The webhook's deliveries matching `filter`, newest first: `createdAt` descending, then `id`
   * descending. With `after`, only those strictly after that position in this order (keyset pagination:
   * stable under concurrent inserts — no duplicates, no gaps). At most `limit` rows.
   */
  listDeliveries(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
  ): Promise<DeliveryRecord[]>;
  /**
   * {@link Store.listDeliveries} with each delivery's message as JSON text (the export: keyset pages of any
   * size, so a caller can stream every delivery in bounded memory).
   */
  listDeliveriesWithMessages(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
  ): Promise<DeliveryWithMessage[]>;
  /** How many of the webhook's deliveries are `skipped` with `createdAt >= since` (0 for another account's). */
  countSkipped(accountId: string, webhookId: string, since: number): Promise<number>;
  /**
   * The `properties` of the messages of the webhook's latest `limit` deliveries (by `createdAt`, then `id`,
   * newest first) created in [since, until), any status. Empty for another account's webhook.
   */
  sampleMessageProperties(
    accountId: string,
    webhookId: string,
    since: number,
    until: number,
    limit: number,
  ): Promise<Record<string, JsonValue>[]>;
  /** One delivery with message and attempts, or null when missing or not of this account and webhook. */
  getDelivery(accountId: string, webhookId: string, deliveryId: string): Promise<DeliveryDetailRecord | null>;
  /** These deliveries (missing ids skipped), in no particular order. Not account-scoped: for change feeds. */
  getDeliveries(deliveryIds: readonly string[]): Promise<DeliveryRecord[]>;
  /** Counts, series, last delivery and lag of one webhook (see {@link DeliveryStats}). */
  deliveryStats(accountId: string, webhookId: string, query: DeliveryStatsQuery): Promise<DeliveryStats>;

  // Maintenance --------------------------------------------------------------------------------

  /**
   * Deletes up to `limit` finished (`delivered`, `failed` or `skipped`) deliveries with `createdAt < olderThan`,
   * with their attempts. Returns how many; the caller repeats until it gets less than `limit`.
   */
  pruneDeliveries(olderThan: number, limit: number): Promise<number>;

  // Notifications ------------------------------------------------------------------------------

  /**
   * Calls `listener` when deliveries may have become due: after {@link Store.insertDeliveries} or
   * {@link Store.requeueFailed} created or requeued rows, or {@link Store.signalWork} — in this process at
   * once, and in other processes sharing the database where the engine supports it (PostgreSQL:
   * LISTEN/NOTIFY; SQLite: this process only). Best effort: workers also poll.
   */
  onWork(listener: () => void): StoreUnsubscribe;
  /** Announces work to every {@link Store.onWork} listener (e.g. after a webhook was reconnected). */
  signalWork(): Promise<void>;
  /**
   * Calls `listener` after a commit that created or changed deliveries (insert, attempts, requeue), one
   * notice per webhook and commit; same reach as {@link Store.onWork}.
   */
  onChanges(listener: (notice: DeliveryChangeNotice) => void): StoreUnsubscribe;
}
