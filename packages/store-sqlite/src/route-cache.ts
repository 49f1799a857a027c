/**
 * The routes `ingest` resolves, with their webhooks, cached between writes (SQLite store only: a lookup is
 * a few microseconds of SQL, but ingest makes one per call).
 */
import type { WebhookRecord } from '@segment-webhook/core';
import type Database from 'better-sqlite3';

/** Most routes cached per store. */
const ROUTE_CACHE_LIMIT = 10_000;

/** Per database file, bumped by every store on it that writes webhooks or routes. */
const routeEpochs = new Map<string, number>();

/** Cached routes of one store: per account, per activity, the webhook (null: no route). */
export interface RouteCache {
  /** The cache, cleared first if anything may have changed since it was filled (see {@link createRouteCache}). */
  current(): Map<string, Map<string, WebhookRecord | null>>;
  /** Caches one lookup unless the cache is full. */
  remember(routes: Map<string, WebhookRecord | null>, activityId: string, webhook: WebhookRecord | null): void;
  /** After this store wrote webhooks or routes: every store on the file drops its cached routes. */
  invalidate(): void;
}

/**
 * A store's own writes to webhooks or routes invalidate the cache, and so do those of any other store on
 * the file in this process (the file's epoch). Commits by other processes change `PRAGMA data_version`,
 * which is read at most once per turn of the event loop (reading it takes a WAL read lock, i.e. system
 * calls: per call it cost more than the lookups it saves). So another process's route change is seen from
 * the next turn on: the calls of one turn see the routes as of that turn's first lookup, a few
 * milliseconds at most.
 */
export function createRouteCache(db: Database.Database, fileKey: string): RouteCache {
  const routes = new Map<string, Map<string, WebhookRecord | null>>();
  let size = 0;
  let version = -1;
  let epoch = -1;
  let checkedThisTurn = false;
  let dataVersion: Database.Statement | null = null;
  const clear = () => {
    routes.clear();
    size = 0;
  };
  return {
    current() {
      const fileEpoch = routeEpochs.get(fileKey) ?? 0;
      if (fileEpoch !== epoch) {
        epoch = fileEpoch;
        clear();
      }
      if (!checkedThisTurn) {
        checkedThisTurn = true;
        setImmediate(() => {
          checkedThisTurn = false;
        }).unref();
        dataVersion ??= db.prepare('PRAGMA data_version').pluck();
        const current = dataVersion.get() as number;
        if (current !== version) {
          version = current;
          clear();
        }
      }
      return routes;
    },

    remember(perAccount, activityId, webhook) {
      if (size >= ROUTE_CACHE_LIMIT) return;
      perAccount.set(activityId, webhook);
      size += 1;
    },

    invalidate() {
      routeEpochs.set(fileKey, (routeEpochs.get(fileKey) ?? 0) + 1);
      clear();
    },
  };
}
