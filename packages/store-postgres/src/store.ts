/**
 * The PostgreSQL store, assembled from its parts: schema and migrations (migrations.ts), statements
 * (statements.ts), row mapping (rows.ts), write batching (group-commit.ts) and change notifications
 * (notifications.ts, over listener.ts). The same parts, by the same names, make up
 * `@segment-webhook/store-sqlite`.
 */
import type {
  AttemptCompletion,
  BatchResult,
  ClaimedDelivery,
  DeliveryChangeNotice,
  DeliveryCursor,
  DeliveryDetailRecord,
  DeliveryFilter,
  DeliveryRecord,
  DeliveryStats,
  DeliveryStatsQuery,
  DeliveryWithMessage,
  HistoryRecord,
  InsertDeliveriesOptions,
  InsertedDelivery,
  NewDelivery,
  NewHistoryEntry,
  RequeuedDelivery,
  RouteRecord,
  SetRouteResult,
  Store,
  StoreUnsubscribe,
  UpdateWebhookOptions,
  WebhookPatch,
  WebhookRecord,
} from '@segment-webhook/core';
import {
  createStorageWatch,
  type QueueStats,
  type StorageWatch,
  type StoreHealth,
  storeTimes,
} from '@segment-webhook/core';
import type { DeliveryStatus, JsonValue, WebhookStatus } from '@segment-webhook/core/contract';
import pg from 'pg';
import { classify, throwingStoreFailures } from './failures';
import { GroupCommit } from './group-commit';
import { applyMigrations, LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
import { Notifications } from './notifications';
import { groupByWebhook } from './rows';
import { type ClaimOrder, PostgresStatements } from './statements';

/** Options of {@link postgresStore}. Give either `connectionString` or `pool`. */
export interface PostgresStoreOptions {
  /** A PostgreSQL connection URL, e.g. `postgres://user@host:5432/db`. The store creates and owns its pool. */
  connectionString?: string | undefined;
  /**
   * An existing pool to use instead (the store never ends it). The LISTEN connection is opened with the
   * pool's connection settings.
   */
  pool?: pg.Pool;
  /**
   * The schema that holds the store's tables; created by {@link Store.migrate} if missing. Letters, digits
   * and `_`, starting with a letter or `_`, at most 50 characters. Default `segment_webhook`.
   */
  schema?: string | undefined;
  /** Size of the pool the store creates (ignored with `pool`). Default 10. */
  maxConnections?: number;
  /**
   * Longest wait for a connection of the pool the store creates, in ms (ignored with `pool`): opening one,
   * or a free one when all are busy. Beyond it the call fails as unavailable. Default 5,000.
   */
  connectionTimeoutMs?: number;
  /**
   * How long change notices (the live feed) wait for others to share a NOTIFY statement with, in ms; a
   * wake-up for workers is sent at once and takes every notice waiting along. Default 25.
   */
  changeNoticeDelayMs?: number;
  /**
   * Called with errors that cannot be thrown to a caller: an idle pooled connection failing, the LISTEN
   * connection dropping (it reconnects), a listener throwing. Default: `console.warn`.
   */
  onError?: (error: unknown) => void;
  /**
   * How `claimDeliveries` picks among due deliveries. `fair` (default): shared across write keys, as the
   * `Store` contract says. `due`: the oldest due deliveries whatever their write key — one key's backlog
   * then holds back every other key; kept as the baseline of the fairness benchmark.
   */
  claimOrder?: ClaimOrder;
}

const DEFAULT_SCHEMA = 'segment_webhook';

/**
 * Creates a PostgreSQL {@link Store}: many processes on many machines share one database.
 *
 * - Claims use `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on or double-claim a row.
 * - Wake-ups ({@link Store.onWork}) and change notices ({@link Store.onChanges}) reach every process
 *   through `LISTEN/NOTIFY` on one dedicated, reconnecting connection (opened on the first subscription).
 * - {@link Store.migrate} applies versioned migrations in one transaction under an advisory lock, so
 *   processes starting together are safe.
 * - While the database is unreachable or restarting, calls fail with core's `StoreFailure` (`unavailable`)
 *   instead of the driver's error, and a connection is waited for at most `connectionTimeoutMs`.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  // A database that is down or restarting fails calls with core's StoreFailure (the service answers 503), one
  // with no room to write with StoreFailure('storage_full') (507), which also marks the storage full.
  const storage = createStorageWatch();
  return throwingStoreFailures(new PostgresStoreImpl(options, storage), storage);
}

/** The PostgreSQL {@link Store}, with one addition. */
export interface PostgresStore extends Store {
  /**
   * Resolves once the LISTEN connection is up (opening it if no one subscribed yet): from then on, this
   * store hears the wake-ups and change notices of every other process. Subscribing opens it anyway;
   * awaiting this is only needed to be sure nothing sent in between is missed.
   */
  listening(): Promise<void>;
}

class PostgresStoreImpl implements PostgresStore {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly schemaName: string;
  private readonly s: string;
  private readonly sql: PostgresStatements;
  private readonly notifications: Notifications;
  private readonly writes: GroupCommit;
  private closed = false;

  constructor(
    options: PostgresStoreOptions,
    private readonly storage: StorageWatch,
  ) {
    const schemaName = options.schema ?? DEFAULT_SCHEMA;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,49}$/.test(schemaName)) {
      throw new TypeError(`postgresStore: invalid schema name ${JSON.stringify(schemaName)}`);
    }
    if (!options.pool && !options.connectionString) {
      throw new TypeError('postgresStore: give a connectionString or a pool');
    }
    this.schemaName = schemaName;
    this.s = `"${schemaName}"`;
    const onError = options.onError ?? ((error) => console.warn('[store-postgres]', error));
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      this.pool = new pg.Pool({
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
        keepAlive: true,
      });
      this.ownsPool = true;
      // An idle connection that fails (server restart) is removed by the pool; without a handler the
      // 'error' event would crash the process.
      this.pool.on('error', (error) => onError(error));
    }
    this.sql = new PostgresStatements(this.pool, this.s, schemaName, options.claimOrder ?? 'fair');
    this.notifications = new Notifications({
      pool: this.pool,
      // Channel names are identifiers of at most 63 bytes; the schema name is at most 50.
      channel: `swk_${schemaName}`,
      notifyStatement: this.sql.named.notify,
      onError,
      ...(options.changeNoticeDelayMs === undefined ? {} : { changeNoticeDelayMs: options.changeNoticeDelayMs }),
    });
    this.writes = new GroupCommit(this.sql, this.notifications);
  }

  // Lifecycle ----------------------------------------------------------------------------------

  async migrate(): Promise<void> {
    await applyMigrations(this.pool, this.schemaName, this.s, MIGRATIONS);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notifications.detach();
    // Calls already made finish first (grouped inserts and lookups may still be queued).
    while (this.writes.busy) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.notifications.close();
    if (this.ownsPool) await this.pool.end();
  }

  async checkHealth(): Promise<StoreHealth> {
    const schemaVersion = await this.sql.schemaVersion();
    const storage =
      schemaVersion >= LATEST_SCHEMA_VERSION
        ? await this.storage.check(() =>
            this.sql.probeStorage().catch((error: unknown) => Promise.reject(classify(error))),
          )
        : this.storage.full
          ? 'storage_full'
          : 'ok';
    return { schemaVersion, expectedSchemaVersion: LATEST_SCHEMA_VERSION, storage };
  }

  queueStats(): Promise<QueueStats> {
    return this.sql.queueStats();
  }

  // Webhooks -----------------------------------------------------------------------------------

  async insertWebhook(webhook: WebhookRecord, history?: NewHistoryEntry): Promise<void> {
    storeTimes.insertWebhook(webhook);
    if (history) storeTimes.now('insertWebhook', history.at, 'history.at');
    await this.sql.insertWebhook(webhook, history);
  }

  getWebhook(accountId: string, webhookId: string): Promise<WebhookRecord | null> {
    return this.sql.getWebhook(accountId, webhookId);
  }

  listWebhooks(accountId: string, status?: WebhookStatus): Promise<WebhookRecord[]> {
    return this.sql.listWebhooks(accountId, status);
  }

  async updateWebhook(
    accountId: string,
    webhookId: string,
    patch: WebhookPatch,
    ifStatus?: readonly WebhookStatus[],
    options?: UpdateWebhookOptions,
  ): Promise<WebhookRecord | null> {
    storeTimes.updateWebhook(patch, options);
    return this.sql.updateWebhook(accountId, webhookId, patch, ifStatus, options);
  }

  listWebhookHistory(
    accountId: string,
    webhookId: string,
    beforeVersion: number | null,
    limit: number,
  ): Promise<HistoryRecord[]> {
    return this.sql.listWebhookHistory(accountId, webhookId, beforeVersion, limit);
  }

  deleteWebhook(accountId: string, webhookId: string, ifStatus: readonly WebhookStatus[]): Promise<boolean> {
    return this.sql.deleteWebhook(accountId, webhookId, ifStatus);
  }

  async recordBatches(results: readonly BatchResult[], threshold: number, now: number): Promise<string[]> {
    storeTimes.now('recordBatches', now);
    return this.sql.recordBatches(results, threshold, now);
  }

  // Routes -------------------------------------------------------------------------------------

  listRoutes(accountId: string): Promise<RouteRecord[]> {
    return this.sql.listRoutes(accountId);
  }

  setRoute(accountId: string, activityId: string, webhookId: string, limit: number): Promise<SetRouteResult> {
    return this.sql.setRoute(accountId, activityId, webhookId, limit);
  }

  deleteRoute(accountId: string, activityId: string): Promise<boolean> {
    return this.sql.deleteRoute(accountId, activityId);
  }

  countStreams(accountId: string): Promise<number> {
    return this.sql.countStreams(accountId);
  }

  async resolveRoutes(accountId: string, activityIds: readonly string[]): Promise<Map<string, WebhookRecord>> {
    if (activityIds.length === 0) return new Map();
    return this.writes.resolveRoutes(accountId, activityIds);
  }

  // Deliveries: the outbox ---------------------------------------------------------------------

  async insertDeliveries(
    deliveries: readonly NewDelivery[],
    options?: InsertDeliveriesOptions,
  ): Promise<InsertedDelivery[]> {
    storeTimes.insertDeliveries(deliveries, options);
    if (deliveries.length === 0) return [];
    return this.writes.insert(deliveries, options?.lease);
  }

  async claimDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    storeTimes.claimDeliveries(now, leaseMs);
    if (limit <= 0) return [];
    return this.sql.claimDeliveries(owner, now, leaseMs, limit);
  }

  async completeAttempts(owner: string, completions: readonly AttemptCompletion[], now: number): Promise<string[]> {
    storeTimes.completeAttempts(completions, now);
    if (completions.length === 0) return [];
    const applied = await this.sql.completeAttempts(owner, completions, now);
    this.notifications.announceChanges(groupByWebhook(applied));
    return applied.map((row) => row.id as string);
  }

  async releaseLeases(owner: string, now: number): Promise<number> {
    storeTimes.now('releaseLeases', now);
    const released = await this.sql.releaseLeases(owner, now);
    if (released > 0) this.notifications.announceWork();
    return released;
  }

  async pauseWriteKey(fingerprint: string, until: number): Promise<void> {
    storeTimes.now('pauseWriteKey', until, 'until');
    await this.sql.pauseWriteKey(fingerprint, until);
  }

  async writeKeyPausedUntil(fingerprint: string, now: number): Promise<number | null> {
    storeTimes.now('writeKeyPausedUntil', now);
    return this.sql.writeKeyPausedUntil(fingerprint, now);
  }

  async requeueFailed(
    accountId: string,
    webhookId: string,
    now: number,
    deliveryIds?: readonly string[],
  ): Promise<string[]> {
    storeTimes.now('requeueFailed', now);
    const ids = await this.sql.requeueFailed(accountId, webhookId, now, deliveryIds);
    if (ids.length > 0) {
      this.notifications.announceChanges(new Map([[webhookId, ids]]));
      this.notifications.announceWork();
    }
    return ids;
  }

  async requeueDeliveries(
    accountId: string,
    webhookId: string,
    now: number,
    deliveryIds: readonly string[],
    statuses: readonly DeliveryStatus[],
  ): Promise<RequeuedDelivery[]> {
    storeTimes.now('requeueDeliveries', now);
    if (deliveryIds.length === 0 || statuses.length === 0) return [];
    const requeued = await this.sql.requeueDeliveries(accountId, webhookId, now, deliveryIds, statuses);
    if (requeued.length > 0) {
      this.notifications.announceWork();
      this.notifications.announceChanges(new Map([[webhookId, requeued.map((r) => r.id)]]));
    }
    return requeued;
  }

  // Deliveries: reading ------------------------------------------------------------------------

  async listDeliveriesWithMessages(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
  ): Promise<DeliveryWithMessage[]> {
    storeTimes.listDeliveries(filter, after, 'listDeliveriesWithMessages');
    return this.sql.listDeliveriesWithMessages(accountId, webhookId, filter, after, limit);
  }

  async countSkipped(accountId: string, webhookId: string, since: number): Promise<number> {
    storeTimes.now('countSkipped', since, 'since');
    return this.sql.countSkipped(accountId, webhookId, since);
  }

  async sampleMessageProperties(
    accountId: string,
    webhookId: string,
    since: number,
    until: number,
    limit: number,
  ): Promise<Record<string, JsonValue>[]> {
    storeTimes.now('sampleMessageProperties', since, 'since');
    storeTimes.now('sampleMessageProperties', until, 'until');
    return this.sql.sampleMessageProperties(accountId, webhookId, since, until, limit);
  }

  async listDeliveries(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    storeTimes.listDeliveries(filter, after);
    return this.sql.listDeliveries(accountId, webhookId, filter, after, limit);
  }

  getDelivery(accountId: string, webhookId: string, deliveryId: string): Promise<DeliveryDetailRecord | null> {
    return this.sql.getDelivery(accountId, webhookId, deliveryId);
  }

  getDeliveries(deliveryIds: readonly string[]): Promise<DeliveryRecord[]> {
    return this.sql.getDeliveries(deliveryIds);
  }

  async deliveryStats(accountId: string, webhookId: string, query: DeliveryStatsQuery): Promise<DeliveryStats> {
    storeTimes.deliveryStats(query);
    return this.sql.deliveryStats(accountId, webhookId, query);
  }

  // Maintenance --------------------------------------------------------------------------------

  async pruneDeliveries(olderThan: number, limit: number): Promise<number> {
    storeTimes.now('pruneDeliveries', olderThan, 'olderThan');
    if (limit <= 0) return 0;
    return this.sql.pruneDeliveries(olderThan, limit);
  }

  // Notifications ------------------------------------------------------------------------------

  onWork(listener: () => void): StoreUnsubscribe {
    return this.notifications.onWork(listener);
  }

  signalWork(): Promise<void> {
    return this.notifications.signalWork();
  }

  onChanges(listener: (notice: DeliveryChangeNotice) => void): StoreUnsubscribe {
    return this.notifications.onChanges(listener);
  }

  listening(): Promise<void> {
    return this.notifications.listening();
  }
}
