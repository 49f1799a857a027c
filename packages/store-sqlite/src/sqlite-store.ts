/**
 * The SQLite store, assembled from its parts: schema and migrations (migrations.ts), statements
 * (statements.ts), row mapping (rows.ts), write batching (group-commit.ts), change notifications
 * (notifications.ts) and the route cache (route-cache.ts). The same parts, by the same names, make up
 * `@segment-webhook/store-postgres`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createStorageWatch, type Store, storeTimes, type WebhookRecord } from '@segment-webhook/core';
import Database from 'better-sqlite3';
import { classify, throwingStoreFailures } from './failures';
import { createGroupCommit } from './group-commit';
import { applyMigrations, LATEST_SCHEMA_VERSION, schemaVersion } from './migrations';
import { fileNotifications, groupByWebhook } from './notifications';
import { SEARCH_RUN_ROWS } from './person-search';
import { createRouteCache } from './route-cache';
import { type ClaimOrder, createStatements } from './statements';

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file (created if missing), or `:memory:`. */
  filename: string;
  /** How long a writer waits for another connection's lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * How commits that must survive a power loss are made durable: accepted events, webhook and route
   * changes, manual retries. `FULL` (default): on disk before the call resolves — accepted events through
   * an fsync of the WAL run off the event loop and shared by every commit made meanwhile, the rare others
   * with SQLite's `synchronous = FULL`. `NORMAL` (WAL): survives a process crash but may lose the last
   * commits on power loss, and answers sooner.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * How `claimDeliveries` picks among due deliveries. `fair` (default): shared across write keys, as the
   * `Store` contract says. `due`: the oldest due deliveries whatever their write key — one key's backlog
   * then holds back every other key; kept as the baseline of the fairness benchmark.
   */
  claimOrder?: ClaimOrder;
  /**
   * Inserted rows between two runs of the person search (`personId` and `q`), default 2048: a search reads
   * up to this many of the newest rows by row id, and one index range per run. A tuning knob; tests use a
   * few rows to cross run boundaries.
   */
  searchRunRows?: number;
}

/**
 * The embedded default store: one SQLite file (better-sqlite3, WAL), zero set-up. Migrations are applied
 * by `migrate()` (the service and the worker call it), idempotently. Several processes may open the same
 * file (claims take the write lock, so they never overlap), but wake-ups and live changes reach only the
 * stores of this process; other processes' workers find new work by polling.
 *
 * @example
 * const store = sqliteStore({ filename: './data/segment-webhooks.db' });
 */
export function sqliteStore(options: SqliteStoreOptions): Store {
  // The file is created if missing, and so is its folder (`:memory:`, `''` and `file:` URIs are left alone).
  if (options.filename !== ':memory:' && options.filename !== '' && !options.filename.startsWith('file:')) {
    fs.mkdirSync(path.dirname(path.resolve(options.filename)), { recursive: true });
  }
  const db = new Database(options.filename);
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
  // WAL, unless the file system cannot do it (then SQLite keeps a rollback journal, and every durable
  // commit syncs inline: see `walFile`).
  const wal = db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
  const durableSync = options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL';
  // The engine's bookkeeping (claims, leases, attempts, pauses, health) commits with NORMAL: losing its
  // last commits to a power cut only means a delivery is sent again, with the same messageId, which Segment
  // de-duplicates. Commits that must not be lost switch to `durableSync` (see `durably`); a FULL commit
  // syncs the whole WAL, including the NORMAL commits before it.
  db.pragma('synchronous = NORMAL');
  function durably<T>(fn: () => T): T {
    if (durableSync === 'NORMAL') return fn();
    db.pragma('synchronous = FULL');
    try {
      return fn();
    } finally {
      db.pragma('synchronous = NORMAL');
    }
  }
  // Deleting a webhook removes its rows by hand (statements.ts): no foreign key checks on the hot path.
  db.pragma('foreign_keys = OFF');
  const memory = options.filename === ':memory:' || options.filename === '';
  const fileKey = memory ? `memory:${Math.random()}` : path.resolve(options.filename);

  const notifications = fileNotifications(fileKey);
  const routeCache = createRouteCache(db, fileKey);
  const sql = createStatements(
    db,
    { invalidateRoutes: () => routeCache.invalidate() },
    options.claimOrder ?? 'fair',
    Number.isFinite(options.searchRunRows) ? Math.max(1, Math.floor(options.searchRunRows!)) : SEARCH_RUN_ROWS,
  );
  // Accepted events are made durable by an fsync of the WAL off the event loop (see group-commit.ts).
  const syncsWal = wal && durableSync === 'FULL' && !memory;
  const inserts = createGroupCommit({
    walFile: syncsWal ? `${fileKey}-wal` : null,
    commit: (calls) => (syncsWal ? sql.insertDeliveries(calls) : durably(() => sql.insertDeliveries(calls))),
    announce: ({ created, due }) => {
      // Deliveries leased at insert are already in their worker's hands: no wake-up for them.
      if (due > 0) notifications.emitWork();
      notifications.emitChanges(groupByWebhook(created));
    },
  });

  const storage = createStorageWatch();

  const store: Store = {
    async migrate() {
      applyMigrations(db);
      routeCache.invalidate();
    },

    async close() {
      await inserts.close();
      notifications.close();
      if (db.open) db.close();
    },

    async checkHealth() {
      const version = schemaVersion(db);
      const state =
        version >= LATEST_SCHEMA_VERSION
          ? await storage.check(async () => {
              try {
                sql.probeStorage();
              } catch (error) {
                throw classify(error);
              }
            })
          : storage.full
            ? 'storage_full'
            : 'ok';
      return { schemaVersion: version, expectedSchemaVersion: LATEST_SCHEMA_VERSION, storage: state };
    },

    async queueStats() {
      return sql.queueStats();
    },

    async insertWebhook(webhook, history) {
      storeTimes.insertWebhook(webhook);
      if (history) storeTimes.now('insertWebhook', history.at, 'history.at');
      routeCache.invalidate();
      durably(() => sql.insertWebhook(webhook, history));
    },

    async getWebhook(accountId, webhookId) {
      return sql.getWebhook(accountId, webhookId);
    },

    async listWebhooks(accountId, status) {
      return sql.listWebhooks(accountId, status);
    },

    async updateWebhook(accountId, webhookId, patch, ifStatus, options) {
      storeTimes.updateWebhook(patch, options);
      routeCache.invalidate();
      return durably(() => sql.updateWebhook(accountId, webhookId, patch, ifStatus, options));
    },

    async listWebhookHistory(accountId, webhookId, beforeVersion, limit) {
      return sql.listWebhookHistory(accountId, webhookId, beforeVersion, limit);
    },

    async deleteWebhook(accountId, webhookId, ifStatus) {
      routeCache.invalidate();
      return durably(() => sql.deleteWebhook(accountId, webhookId, ifStatus));
    },

    async recordBatches(results, threshold, now) {
      storeTimes.now('recordBatches', now);
      return sql.recordBatches(results, threshold, now);
    },

    async listRoutes(accountId) {
      return sql.listRoutes(accountId);
    },

    async setRoute(accountId, activityId, webhookId, limit) {
      routeCache.invalidate();
      return durably(() => sql.setRoute(accountId, activityId, webhookId, limit));
    },

    async deleteRoute(accountId, activityId) {
      routeCache.invalidate();
      return durably(() => sql.deleteRoute(accountId, activityId));
    },

    async countStreams(accountId) {
      return sql.countStreams(accountId);
    },

    async resolveRoutes(accountId, activityIds) {
      const routes = routeCache.current();
      let perAccount = routes.get(accountId);
      if (!perAccount) {
        perAccount = new Map();
        routes.set(accountId, perAccount);
      }
      const result = new Map<string, WebhookRecord>();
      for (const activityId of activityIds) {
        let webhook = perAccount.get(activityId);
        if (webhook === undefined) {
          const found = sql.resolveRoute(accountId, activityId);
          webhook = found ? Object.freeze(found) : null;
          routeCache.remember(perAccount, activityId, webhook);
        }
        if (webhook) result.set(activityId, webhook);
      }
      return result;
    },

    async insertDeliveries(deliveries, options) {
      storeTimes.insertDeliveries(deliveries, options);
      if (deliveries.length === 0) return [];
      return inserts.insert(deliveries, options?.lease);
    },

    async claimDeliveries(owner, now, leaseMs, limit) {
      storeTimes.claimDeliveries(now, leaseMs);
      if (limit <= 0) return [];
      return sql.claimDeliveries(owner, now, leaseMs, limit);
    },

    async completeAttempts(owner, completions, now) {
      storeTimes.completeAttempts(completions, now);
      if (completions.length === 0) return [];
      const applied = sql.completeAttempts(owner, completions, now);
      notifications.emitChanges(groupByWebhook(applied));
      return applied.map((a) => a.id);
    },

    async releaseLeases(owner, now) {
      storeTimes.now('releaseLeases', now);
      return sql.releaseLeases(owner, now);
    },

    async pauseWriteKey(fingerprint, until) {
      storeTimes.now('pauseWriteKey', until, 'until');
      sql.pauseWriteKey(fingerprint, until);
    },

    async writeKeyPausedUntil(fingerprint, now) {
      storeTimes.now('writeKeyPausedUntil', now);
      return sql.writeKeyPausedUntil(fingerprint, now);
    },

    async requeueFailed(accountId, webhookId, now, deliveryIds) {
      storeTimes.now('requeueFailed', now);
      const ids = durably(() => sql.requeueFailed(accountId, webhookId, now, deliveryIds));
      if (ids.length > 0) {
        notifications.emitWork();
        notifications.emitChanges(new Map([[webhookId, ids]]));
      }
      return ids;
    },

    async requeueDeliveries(accountId, webhookId, now, deliveryIds, statuses) {
      storeTimes.now('requeueDeliveries', now);
      if (deliveryIds.length === 0 || statuses.length === 0) return [];
      const requeued = durably(() => sql.requeueDeliveries(accountId, webhookId, now, deliveryIds, statuses));
      if (requeued.length > 0) {
        notifications.emitWork();
        notifications.emitChanges(new Map([[webhookId, requeued.map((r) => r.id)]]));
      }
      return requeued;
    },

    async listDeliveriesWithMessages(accountId, webhookId, filter, after, limit) {
      storeTimes.listDeliveries(filter, after, 'listDeliveriesWithMessages');
      if (!sql.hasWebhook(accountId, webhookId)) return [];
      return sql.listDeliveriesWithMessages(webhookId, filter, after, limit);
    },

    async countSkipped(accountId, webhookId, since) {
      storeTimes.now('countSkipped', since, 'since');
      if (!sql.hasWebhook(accountId, webhookId)) return 0;
      return sql.countSkipped(webhookId, since);
    },

    async sampleMessageProperties(accountId, webhookId, since, until, limit) {
      storeTimes.now('sampleMessageProperties', since, 'since');
      storeTimes.now('sampleMessageProperties', until, 'until');
      if (!sql.hasWebhook(accountId, webhookId)) return [];
      return sql.sampleMessageProperties(webhookId, since, until, limit);
    },

    async listDeliveries(accountId, webhookId, filter, after, limit) {
      storeTimes.listDeliveries(filter, after);
      // Every delivery of a webhook belongs to the webhook's account: check it once, not per row.
      if (!sql.hasWebhook(accountId, webhookId)) return [];
      return sql.listDeliveries(webhookId, filter, after, limit);
    },

    async getDelivery(accountId, webhookId, deliveryId) {
      return sql.getDelivery(accountId, webhookId, deliveryId);
    },

    async getDeliveries(deliveryIds) {
      return sql.getDeliveries(deliveryIds);
    },

    async deliveryStats(accountId, webhookId, query) {
      storeTimes.deliveryStats(query);
      if (!sql.hasWebhook(accountId, webhookId)) {
        return {
          counts: { pending: 0, retrying: 0, delivered: 0, failed: 0, skipped: 0 },
          buckets: [],
          lastDeliveredAt: null,
          lagP50: null,
          lagP95: null,
        };
      }
      return sql.deliveryStats(webhookId, query);
    },

    async pruneDeliveries(olderThan, limit) {
      storeTimes.now('pruneDeliveries', olderThan, 'olderThan');
      if (limit <= 0) return 0;
      return sql.pruneDeliveries(olderThan, limit);
    },

    onWork(listener) {
      return notifications.onWork(listener);
    },

    async signalWork() {
      notifications.emitWork();
    },

    onChanges(listener) {
      return notifications.onChanges(listener);
    },
  };
  // A full disk is thrown as StoreFailure('storage_full') (a 507 at the HTTP edge) and marks `storage` full.
  return throwingStoreFailures(store, storage);
}
