import fs from 'node:fs';
import path from 'node:path';
import type {
  AttemptCompletion,
  AttemptRecord,
  BatchResult,
  ClaimedDelivery,
  DeliveryChangeNotice,
  DeliveryCursor,
  DeliveryDetailRecord,
  DeliveryFilter,
  DeliveryRecord,
  DeliveryStats,
  DeliveryStatsQuery,
  InsertedDelivery,
  InsertLease,
  NewDelivery,
  RouteRecord,
  SetRouteResult,
  Store,
  StoreUnsubscribe,
  WebhookPatch,
  WebhookRecord,
} from '@segment-webhook/core';
import { claimedAtInsert, WEBHOOK_PATCH_COLUMNS } from '@segment-webhook/core';
import type { DeliveryStatus, TrackMessage, WebhookStatus } from '@segment-webhook/core/contract';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations';

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
}

type Row = Record<string, unknown>;

/** Lag percentiles are computed over at most this many of the latest deliveries of the range. */
const LAG_SAMPLE_SIZE = 10_000;

/** Up to this many pending deliveries, a pending page reads them all from the claim queue and sorts them. */
const PENDING_SORT_LIMIT = 20_000;

/** Route lookups cached per store until the next write (see `routeCache`). */
const ROUTE_CACHE_LIMIT = 10_000;

/** In-process listeners per database file, so several stores on one file (e.g. service and worker) hear each other. */
const workListeners = new Map<string, Set<() => void>>();
const changeListeners = new Map<string, Set<(notice: DeliveryChangeNotice) => void>>();
/** Per database file, bumped by every store on it that writes webhooks or routes (see `routeCache`). */
const routeEpochs = new Map<string, number>();

function listenersOf<T>(map: Map<string, Set<T>>, key: string): Set<T> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

function toWebhook(row: Row): WebhookRecord {
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
    createdAt: row.created_at as number,
    updatedAt: row.updated_at as number,
  };
}

function webhookValue(key: keyof WebhookPatch, value: unknown): unknown {
  if (key === 'fields') return JSON.stringify(value);
  if (key === 'sendActivityPayload') return value ? 1 : 0;
  return value;
}

const DELIVERY_COLUMNS =
  'd.id, d.account_id, d.webhook_id, d.event_id, d.person_id, d.activity_id, d.source, d.status, d.message_id, ' +
  'd.attempt_count, d.counted_attempts, d.occurred_at, d.created_at, d.updated_at, d.cycle_started_at, ' +
  'd.next_attempt_at, d.delivered_at, d.last_error, d.last_http_status';

/** A delivery of a row whose first columns are {@link DELIVERY_COLUMNS} (any others follow them). */
function toDelivery(row: Row): DeliveryRecord {
  return toDeliveryFromArray(Object.values(row));
}

/**
 * A delivery of a row read with `.raw()` (an array in {@link DELIVERY_COLUMNS} order): the logs page reads 51
 * rows per request, and building a keyed row object per row first costs as much as the query.
 */
function toDeliveryFromArray(r: unknown[]): DeliveryRecord {
  return {
    id: r[0] as string,
    accountId: r[1] as string,
    webhookId: r[2] as string,
    eventId: r[3] as string,
    personId: r[4] as string,
    activityId: (r[5] as string | null) ?? null,
    source: r[6] as DeliveryRecord['source'],
    status: r[7] as DeliveryStatus,
    messageId: r[8] as string,
    attemptCount: r[9] as number,
    countedAttempts: r[10] as number,
    occurredAt: r[11] as number,
    createdAt: r[12] as number,
    updatedAt: r[13] as number,
    cycleStartedAt: r[14] as number,
    nextAttemptAt: (r[15] as number | null) ?? null,
    deliveredAt: (r[16] as number | null) ?? null,
    lastError: (r[17] as string | null) ?? null,
    lastHttpStatus: (r[18] as number | null) ?? null,
  };
}

/** Whether two completions record the same outcome (everything but the delivery and the attempt number). */
function sameOutcome(a: AttemptCompletion, b: AttemptCompletion): boolean {
  const x = a.attempt;
  const y = b.attempt;
  return (
    a.status === b.status &&
    a.counted === b.counted &&
    a.lastError === b.lastError &&
    a.nextAttemptAt === b.nextAttemptAt &&
    x.at === y.at &&
    x.httpStatus === y.httpStatus &&
    x.latencyMs === y.latencyMs &&
    x.outcome === y.outcome &&
    x.error === y.error &&
    x.responseBody === y.responseBody
  );
}

/** An attempt of the `attempts` JSON column, with exactly the fields of {@link AttemptRecord}. */
function toAttempt(a: AttemptRecord): AttemptRecord {
  return {
    number: a.number,
    at: a.at,
    httpStatus: a.httpStatus ?? null,
    latencyMs: a.latencyMs,
    outcome: a.outcome,
    error: a.error ?? null,
    responseBody: a.responseBody ?? null,
  };
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
  // commit syncs inline: see `syncsWal`).
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
  db.pragma('foreign_keys = OFF');
  const key = options.filename === ':memory:' ? `memory:${Math.random()}` : path.resolve(options.filename);
  const ownWork = new Set<() => void>();
  const ownChanges = new Set<(notice: DeliveryChangeNotice) => void>();

  function emitWork(): void {
    queueMicrotask(() => {
      for (const listener of [...listenersOf(workListeners, key)]) {
        try {
          listener();
        } catch {
          // A listener's failure must not break the writer.
        }
      }
    });
  }

  function emitChanges(byWebhook: Map<string, string[]>): void {
    if (byWebhook.size === 0) return;
    queueMicrotask(() => {
      for (const [webhookId, deliveryIds] of byWebhook) {
        for (const listener of [...listenersOf(changeListeners, key)]) {
          try {
            listener({ webhookId, deliveryIds: [...deliveryIds] });
          } catch {
            // See emitWork.
          }
        }
      }
    });
  }

  function group(pairs: Iterable<{ webhookId: string; id: string }>): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const { webhookId, id } of pairs) {
      const list = map.get(webhookId);
      if (list) list.push(id);
      else map.set(webhookId, [id]);
    }
    return map;
  }

  // Statements are prepared lazily (after the schema exists) and reused.
  const cache = new Map<string, Database.Statement>();
  function stmt(sql: string): Database.Statement {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }

  /**
   * The routes `ingest` resolves, with their webhooks, cached between writes. A store's own writes to
   * webhooks or routes invalidate it, and so do those of any other store on the file in this process (the
   * file's epoch). Commits by other processes change `PRAGMA data_version`, which is read at most once per
   * turn of the event loop (reading it takes a WAL read lock, i.e. system calls: per call it cost more than
   * the lookups it saves). So another process's route change is seen from the next turn on: the calls of
   * one turn see the routes as of that turn's first lookup, a few milliseconds at most.
   */
  let dataVersion: Database.Statement | null = null;
  const routeCache = {
    routes: new Map<string, Map<string, WebhookRecord | null>>(),
    version: -1,
    epoch: -1,
    checkedThisTurn: false,
    size: 0,
    current(): Map<string, Map<string, WebhookRecord | null>> {
      const epoch = routeEpochs.get(key) ?? 0;
      if (epoch !== this.epoch) {
        this.epoch = epoch;
        this.clear();
      }
      if (!this.checkedThisTurn) {
        this.checkedThisTurn = true;
        setImmediate(() => {
          this.checkedThisTurn = false;
        }).unref();
        dataVersion ??= db.prepare('PRAGMA data_version').pluck();
        const version = dataVersion.get() as number;
        if (version !== this.version) {
          this.version = version;
          this.clear();
        }
      }
      return this.routes;
    },
    /** After this store wrote webhooks or routes: every store on the file drops its cached routes. */
    invalidate(): void {
      routeEpochs.set(key, (routeEpochs.get(key) ?? 0) + 1);
      this.clear();
    },
    clear(): void {
      this.routes.clear();
      this.size = 0;
    },
  };

  const migrate = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        migration.version,
        Date.now(),
      );
    }
  });

  const getWebhookRow = (accountId: string, webhookId: string): Row | undefined =>
    stmt('SELECT * FROM webhooks WHERE id = ? AND account_id = ?').get(webhookId, accountId) as Row | undefined;

  const updateWebhookTx = db.transaction(
    (
      accountId: string,
      webhookId: string,
      patch: WebhookPatch,
      ifStatus?: readonly WebhookStatus[],
    ): WebhookRecord | null => {
      const row = getWebhookRow(accountId, webhookId);
      if (!row) return null;
      if (ifStatus && !ifStatus.includes(row.status as WebhookStatus)) return null;
      const keys = (Object.keys(patch) as (keyof WebhookPatch)[]).filter(
        (k) => k in WEBHOOK_PATCH_COLUMNS && patch[k] !== undefined,
      );
      if (keys.length > 0) {
        const sets = keys.map((k) => `${WEBHOOK_PATCH_COLUMNS[k]} = ?`).join(', ');
        db.prepare(`UPDATE webhooks SET ${sets} WHERE id = ?`).run(
          ...keys.map((k) => webhookValue(k, patch[k])),
          webhookId,
        );
      }
      if (patch.status === 'archived') stmt('DELETE FROM routes WHERE webhook_id = ?').run(webhookId);
      return toWebhook(getWebhookRow(accountId, webhookId)!);
    },
  );

  const deleteWebhookTx = db.transaction(
    (accountId: string, webhookId: string, ifStatus: readonly WebhookStatus[]): boolean => {
      const row = getWebhookRow(accountId, webhookId);
      if (!row || !ifStatus.includes(row.status as WebhookStatus)) return false;
      stmt('DELETE FROM deliveries WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM delivery_counts WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM routes WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM webhooks WHERE id = ?').run(webhookId);
      return true;
    },
  );

  const recordBatchesTx = db.transaction((results: readonly BatchResult[], threshold: number, now: number) => {
    const tipped: string[] = [];
    for (const result of results) {
      const row = stmt('SELECT refused_batches, health_state FROM webhooks WHERE id = ?').get(result.webhookId) as
        | Row
        | undefined;
      if (!row) continue;
      if (!result.refused) {
        if (row.refused_batches !== 0) {
          stmt('UPDATE webhooks SET refused_batches = 0 WHERE id = ?').run(result.webhookId);
          routeCache.invalidate();
        }
        continue;
      }
      // The webhook's row changes below: the cached routes hold it.
      routeCache.invalidate();
      const refused = (row.refused_batches as number) + 1;
      if (refused >= threshold && row.health_state === 'healthy') {
        stmt(
          "UPDATE webhooks SET refused_batches = ?, health_state = 'needs_attention', health_reason = ?, health_since = ? WHERE id = ?",
        ).run(refused, result.reason, now, result.webhookId);
        tipped.push(result.webhookId);
      } else {
        stmt('UPDATE webhooks SET refused_batches = ? WHERE id = ?').run(refused, result.webhookId);
      }
    }
    return tipped;
  });

  const countStreams = (accountId: string): number =>
    (
      stmt(
        "SELECT COUNT(*) AS n FROM routes r JOIN webhooks w ON w.id = r.webhook_id WHERE r.account_id = ? AND w.status != 'archived'",
      ).get(accountId) as { n: number }
    ).n;

  const setRouteTx = db.transaction(
    (accountId: string, activityId: string, webhookId: string, limit: number): SetRouteResult => {
      const webhook = getWebhookRow(accountId, webhookId);
      if (!webhook) return { ok: false, reason: 'webhook_not_found' };
      if (webhook.status === 'archived') return { ok: false, reason: 'webhook_archived' };
      const counted = stmt(
        "SELECT 1 FROM routes r JOIN webhooks w ON w.id = r.webhook_id WHERE r.account_id = ? AND r.activity_id = ? AND w.status != 'archived'",
      ).get(accountId, activityId);
      if (!counted) {
        const streams = countStreams(accountId);
        if (streams >= limit) return { ok: false, reason: 'limit_reached', streams };
      }
      stmt(
        'INSERT INTO routes (account_id, activity_id, webhook_id) VALUES (?, ?, ?) ON CONFLICT (account_id, activity_id) DO UPDATE SET webhook_id = excluded.webhook_id',
      ).run(accountId, activityId, webhookId);
      return { ok: true, route: { accountId, activityId, webhookId } };
    },
  );

  /** Status count changes of one transaction, applied once per (webhook, status) at its end. */
  class CountDeltas {
    private readonly deltas = new Map<string, number>();
    add(webhookId: string, status: string, delta: number): void {
      const key = `${webhookId}\u0000${status}`;
      this.deltas.set(key, (this.deltas.get(key) ?? 0) + delta);
    }
    apply(): void {
      const upsert = stmt(
        'INSERT INTO delivery_counts (webhook_id, status, n) VALUES (?, ?, ?) ON CONFLICT (webhook_id, status) DO UPDATE SET n = n + excluded.n',
      );
      for (const [key, delta] of this.deltas) {
        if (delta === 0) continue;
        const [webhookId, status] = key.split('\u0000') as [string, string];
        upsert.run(webhookId, status, delta);
      }
    }
  }

  type InsertCall = {
    deliveries: readonly NewDelivery[];
    lease: InsertLease | undefined;
    resolve: (results: InsertedDelivery[]) => void;
    reject: (error: unknown) => void;
  };

  const insertDeliveriesTx = db.transaction((calls: readonly InsertCall[]) => {
    const insert = stmt(
      `INSERT INTO deliveries (id, account_id, webhook_id, source, event_id, person_id, activity_id, status, message_id,
         message, occurred_at, created_at, updated_at, cycle_started_at, next_attempt_at, lease_owner)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (webhook_id, event_id, source) DO NOTHING`,
    );
    const existing = stmt('SELECT id, message_id FROM deliveries WHERE webhook_id = ? AND event_id = ? AND source = ?');
    // Claim at insert: each webhook is read once per transaction, with the same eligibility as a claim.
    const readWebhook = stmt(
      `SELECT w.status, w.health_state, w.write_key_ciphertext, w.write_key_fingerprint, w.region, p.paused_until
       FROM webhooks w LEFT JOIN key_pauses p ON p.fingerprint = w.write_key_fingerprint WHERE w.id = ?`,
    );
    const webhookRows = new Map<string, Row | undefined>();
    const eligible = (webhookId: string, now: number): Row | undefined => {
      let row: Row | undefined;
      if (webhookRows.has(webhookId)) row = webhookRows.get(webhookId);
      else {
        row = readWebhook.get(webhookId) as Row | undefined;
        webhookRows.set(webhookId, row);
      }
      if (row?.status !== 'active' || row.health_state !== 'healthy') return undefined;
      return row.paused_until === null || (row.paused_until as number) <= now ? row : undefined;
    };
    const perCall: InsertedDelivery[][] = [];
    const created: { webhookId: string; id: string }[] = [];
    let due = 0;
    const counts = new CountDeltas();
    for (const call of calls) {
      const { lease } = call;
      let room = lease ? lease.max : 0;
      const results: InsertedDelivery[] = [];
      for (const d of call.deliveries) {
        const webhook = lease && room > 0 ? eligible(d.webhookId, lease.now) : undefined;
        const message = d.messageJson ?? JSON.stringify(d.message);
        const info = insert.run(
          d.id,
          d.accountId,
          d.webhookId,
          d.source,
          d.eventId,
          d.personId,
          d.activityId,
          d.messageId,
          message,
          d.occurredAt,
          d.createdAt,
          d.createdAt,
          d.createdAt,
          webhook ? lease!.until : d.createdAt,
          webhook ? lease!.owner : null,
        );
        if (info.changes === 1) {
          const result: InsertedDelivery = { id: d.id, messageId: d.messageId, created: true };
          if (webhook) {
            room -= 1;
            result.claimed = claimedAtInsert(d, lease!.until, {
              writeKeyCiphertext: webhook.write_key_ciphertext as string,
              writeKeyFingerprint: webhook.write_key_fingerprint as string,
              region: webhook.region as ClaimedDelivery['region'],
            });
          } else due += 1;
          results.push(result);
          created.push({ webhookId: d.webhookId, id: d.id });
          counts.add(d.webhookId, 'pending', 1);
        } else {
          const row = existing.get(d.webhookId, d.eventId, d.source) as Row;
          results.push({ id: row.id as string, messageId: row.message_id as string, created: false });
        }
      }
      perCall.push(results);
    }
    counts.apply();
    return { perCall, created, due };
  });

  const claimTx = db.transaction((owner: string, now: number, leaseMs: number, limit: number) => {
    // Webhooks first (CROSS JOIN fixes the loop order): held webhooks' rows are never read. Only index
    // entries are sorted; the rows are read afterwards.
    const seqs = stmt(
      `SELECT d.seq FROM webhooks w
       LEFT JOIN key_pauses p ON p.fingerprint = w.write_key_fingerprint
       CROSS JOIN deliveries d INDEXED BY deliveries_due_webhook
       WHERE d.webhook_id = w.id AND d.status IN ('pending', 'retrying') AND d.next_attempt_at <= ?
         AND w.status = 'active' AND w.health_state = 'healthy'
         AND (p.paused_until IS NULL OR p.paused_until <= ?)
       ORDER BY d.next_attempt_at, d.seq
       LIMIT ?`,
    )
      .pluck()
      .all(now, now, limit) as number[];
    const read = stmt(
      `SELECT ${DELIVERY_COLUMNS}, d.seq, d.message, w.write_key_ciphertext, w.write_key_fingerprint, w.region
       FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.seq = ?`,
    );
    const rows = seqs.map((seq) => read.get(seq) as Row);
    const lease = stmt('UPDATE deliveries SET lease_owner = ?, next_attempt_at = ? WHERE seq = ?');
    const expires = now + leaseMs;
    return rows.map((row): ClaimedDelivery => {
      lease.run(owner, expires, row.seq);
      return {
        ...toDelivery(row),
        nextAttemptAt: expires,
        message: JSON.parse(row.message as string) as TrackMessage,
        messageJson: row.message as string,
        writeKeyCiphertext: row.write_key_ciphertext as string,
        writeKeyFingerprint: row.write_key_fingerprint as string,
        region: row.region as ClaimedDelivery['region'],
      };
    });
  });

  const completeTx = db.transaction((owner: string, completions: readonly AttemptCompletion[], now: number) => {
    // One statement finds every delivery still held by `owner`.
    const held = new Map<string, Row>();
    for (const row of stmt(
      `SELECT d.seq, d.id, d.webhook_id, d.status FROM json_each(?) j CROSS JOIN deliveries d ON d.id = j.value
       WHERE d.lease_owner = ? AND d.status IN ('pending', 'retrying')`,
    ).all(JSON.stringify(completions.map((c) => c.deliveryId)), owner) as Row[]) {
      held.set(row.id as string, row);
    }
    // Then one UPDATE per run of completions with the same outcome — a batch request's deliveries share
    // its answer, so usually one per batch. The attempt's number is the row's attempt count + 1 (the
    // contract of AttemptCompletion), so the rows of a run differ only in their rowid.
    const update = stmt(
      `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1, counted_attempts = counted_attempts + ?,
         last_error = ?, last_http_status = ?, updated_at = ?, next_attempt_at = ?, delivered_at = ?, lease_owner = NULL,
         attempts = json_insert(attempts, '$[#]', json_set(?, '$.number', attempt_count + 1))
       WHERE seq IN (SELECT value FROM json_each(?))`,
    );
    const applied: { webhookId: string; id: string }[] = [];
    const deliveredWebhooks = new Set<string>();
    const counts = new CountDeltas();
    let run: { c: AttemptCompletion; seqs: number[] } | null = null;
    const flush = () => {
      if (!run) return;
      const { c, seqs } = run;
      const a = c.attempt;
      update.run(
        c.status,
        c.counted ? 1 : 0,
        c.lastError,
        a.httpStatus,
        now,
        c.status === 'retrying' ? (c.nextAttemptAt ?? now) : null,
        c.status === 'delivered' ? a.at : null,
        JSON.stringify(toAttempt(a)),
        JSON.stringify(seqs),
      );
      run = null;
    };
    for (const c of completions) {
      const row = held.get(c.deliveryId);
      if (!row) continue;
      // A delivery completed twice in one call counts once, as one after the other would.
      held.delete(c.deliveryId);
      counts.add(row.webhook_id as string, row.status as string, -1);
      counts.add(row.webhook_id as string, c.status, 1);
      if (!run || !sameOutcome(run.c, c)) {
        flush();
        run = { c, seqs: [] };
      }
      run.seqs.push(row.seq as number);
      applied.push({ webhookId: row.webhook_id as string, id: c.deliveryId });
      if (c.status === 'delivered') deliveredWebhooks.add(row.webhook_id as string);
    }
    flush();
    counts.apply();
    // A delivered batch ends a run of refused ones.
    const resetRefused = stmt('UPDATE webhooks SET refused_batches = 0 WHERE id = ? AND refused_batches != 0');
    for (const webhookId of deliveredWebhooks) {
      if (resetRefused.run(webhookId).changes > 0) routeCache.invalidate();
    }
    return applied;
  });

  const requeueTx = db.transaction(
    (accountId: string, webhookId: string, now: number, deliveryIds?: readonly string[]) => {
      const rows = (
        deliveryIds
          ? deliveryIds.flatMap((id) =>
              stmt(
                "SELECT id FROM deliveries WHERE id = ? AND account_id = ? AND webhook_id = ? AND status = 'failed'",
              ).all(id, accountId, webhookId),
            )
          : stmt("SELECT id FROM deliveries WHERE webhook_id = ? AND account_id = ? AND status = 'failed'").all(
              webhookId,
              accountId,
            )
      ) as Row[];
      const update = stmt(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = ?, cycle_started_at = ?, updated_at = ?, counted_attempts = 0, lease_owner = NULL WHERE id = ?",
      );
      const ids = [...new Set(rows.map((r) => r.id as string))];
      for (const id of ids) update.run(now, now, now, id);
      const counts = new CountDeltas();
      counts.add(webhookId, 'failed', -ids.length);
      counts.add(webhookId, 'pending', ids.length);
      counts.apply();
      return ids;
    },
  );

  const pruneTx = db.transaction((olderThan: number, limit: number): number => {
    // Oldest rows first by rowid (insertion order ≈ creation order), so the scan stops early.
    const ids = stmt(
      "SELECT seq, id, webhook_id, status FROM deliveries WHERE created_at < ? AND status IN ('delivered', 'failed') ORDER BY seq LIMIT ?",
    ).all(olderThan, limit) as Row[];
    const deleteDelivery = stmt('DELETE FROM deliveries WHERE seq = ?');
    const counts = new CountDeltas();
    for (const row of ids) {
      deleteDelivery.run(row.seq);
      counts.add(row.webhook_id as string, row.status as string, -1);
    }
    counts.apply();
    return ids.length;
  });

  let pendingInserts: InsertCall[] = [];

  /**
   * Durable commits without blocking the event loop. Accepted events commit with `synchronous = NORMAL`
   * (the WAL frames reach the OS, not yet the disk), then one `fsync` of the WAL file runs on libuv's
   * thread pool, and the calls resolve only when it returns: the same guarantee as `FULL`, but the
   * process keeps working meanwhile, and every commit made while one fsync is in flight shares the next
   * one (group commit). A checkpoint under NORMAL syncs the WAL before copying it into the database, so
   * nothing acknowledged can be lost to one. `:memory:` and `synchronous: 'NORMAL'` resolve at commit.
   */
  const syncsWal = wal && durableSync === 'FULL' && options.filename !== ':memory:' && options.filename !== '';
  let walFd: number | null = null;
  let syncing: Promise<void> | null = null;
  let awaitingSync: (() => void)[] = [];
  let failedSync: ((error: unknown) => void)[] = [];

  function afterSync(resolve: () => void, reject: (error: unknown) => void): void {
    if (!syncsWal) {
      resolve();
      return;
    }
    awaitingSync.push(resolve);
    failedSync.push(reject);
    syncing ??= syncLoop();
  }

  async function syncLoop(): Promise<void> {
    try {
      while (awaitingSync.length > 0) {
        const done = awaitingSync;
        const failed = failedSync;
        awaitingSync = [];
        failedSync = [];
        try {
          walFd ??= fs.openSync(`${key}-wal`, 'r');
          const fd = walFd;
          await new Promise<void>((resolve, reject) => {
            fs.fsync(fd, (error) => (error ? reject(error) : resolve()));
          });
        } catch (error) {
          const failure = new Error('The accepted events were committed but could not be synced to disk.', {
            cause: error,
          });
          for (const reject of failed) reject(failure);
          continue;
        }
        for (const resolve of done) resolve();
      }
    } finally {
      syncing = null;
    }
  }

  /**
   * Group commit: the insertDeliveries calls made in one turn of the event loop share one transaction, and
   * the transactions committed while an fsync is in flight share the next fsync (see {@link afterSync}),
   * so a host reporting events one by one pays one commit per burst instead of per event. Each call still
   * resolves only after its deliveries are on disk; a lone call waits only for setImmediate and one fsync.
   * Merged in call order, so keys repeated across calls resolve as they would one call after another.
   */
  function flushInserts(): void {
    const calls = pendingInserts;
    pendingInserts = [];
    if (calls.length === 0) return;
    const run = (list: readonly InsertCall[]) => {
      const { perCall, created, due } = syncsWal
        ? insertDeliveriesTx.immediate(list)
        : durably(() => insertDeliveriesTx.immediate(list));
      return () => {
        if (created.length > 0) {
          // Deliveries leased at insert are already in their worker's hands: no wake-up for them.
          if (due > 0) emitWork();
          emitChanges(group(created));
        }
        return perCall;
      };
    };
    const settle = (list: readonly InsertCall[], committed: () => InsertedDelivery[][]) => {
      afterSync(
        () => {
          const results = committed();
          list.forEach((call, index) => {
            call.resolve(results[index]!);
          });
        },
        (error) => {
          for (const call of list) call.reject(error);
        },
      );
    };
    try {
      settle(calls, run(calls));
    } catch (error) {
      if (calls.length === 1) {
        calls[0]!.reject(error);
        return;
      }
      // One bad call must not fail the others: run them one by one.
      for (const call of calls) {
        try {
          settle([call], run([call]));
        } catch (callError) {
          call.reject(callError);
        }
      }
    }
  }

  /**
   * How to page a webhook's pending deliveries (the status index leaves them out). Every pending row is in
   * the claim queue: while there are few, reading and sorting them all is cheapest. Many pending rows are a
   * held backlog (a webhook that needs attention), and those are the newest: walking the page order finds
   * a page of them at once.
   */
  function pendingIndex(webhookId: string): string {
    const pending =
      (stmt("SELECT n FROM delivery_counts WHERE webhook_id = ? AND status = 'pending'").pluck().get(webhookId) as
        | number
        | undefined) ?? 0;
    return pending <= PENDING_SORT_LIMIT ? 'INDEXED BY deliveries_due_webhook' : 'INDEXED BY deliveries_page';
  }

  const store: Store = {
    async migrate() {
      migrate.immediate();
      routeCache.invalidate();
    },

    async close() {
      flushInserts();
      while (syncing) await syncing;
      if (walFd !== null) {
        fs.closeSync(walFd);
        walFd = null;
      }
      for (const listener of ownWork) listenersOf(workListeners, key).delete(listener);
      for (const listener of ownChanges) listenersOf(changeListeners, key).delete(listener);
      if (db.open) db.close();
    },

    async insertWebhook(webhook) {
      routeCache.invalidate();
      durably(() =>
        stmt(
          `INSERT INTO webhooks (id, account_id, name, track_event_name, region, send_activity_payload, fields, status,
           health_state, health_reason, health_since, refused_batches, write_key_ciphertext, write_key_hint,
           write_key_fingerprint, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          webhook.id,
          webhook.accountId,
          webhook.name,
          webhook.trackEventName,
          webhook.region,
          webhook.sendActivityPayload ? 1 : 0,
          JSON.stringify(webhook.fields),
          webhook.status,
          webhook.healthState,
          webhook.healthReason,
          webhook.healthSince,
          webhook.refusedBatches,
          webhook.writeKeyCiphertext,
          webhook.writeKeyHint,
          webhook.writeKeyFingerprint,
          webhook.createdAt,
          webhook.updatedAt,
        ),
      );
    },

    async getWebhook(accountId, webhookId) {
      const row = getWebhookRow(accountId, webhookId);
      return row ? toWebhook(row) : null;
    },

    async listWebhooks(accountId, status) {
      const rows = (
        status
          ? stmt('SELECT * FROM webhooks WHERE account_id = ? AND status = ? ORDER BY created_at, id').all(
              accountId,
              status,
            )
          : stmt('SELECT * FROM webhooks WHERE account_id = ? ORDER BY created_at, id').all(accountId)
      ) as Row[];
      return rows.map(toWebhook);
    },

    async updateWebhook(accountId, webhookId, patch, ifStatus) {
      routeCache.invalidate();
      return durably(() => updateWebhookTx.immediate(accountId, webhookId, patch, ifStatus));
    },

    async deleteWebhook(accountId, webhookId, ifStatus) {
      routeCache.invalidate();
      const deleted = durably(() => deleteWebhookTx.immediate(accountId, webhookId, ifStatus));
      return deleted;
    },

    async recordBatches(results, threshold, now) {
      return recordBatchesTx.immediate(results, threshold, now);
    },

    async listRoutes(accountId) {
      const rows = stmt(
        'SELECT account_id, activity_id, webhook_id FROM routes WHERE account_id = ? ORDER BY activity_id',
      ).all(accountId) as Row[];
      return rows.map(
        (r): RouteRecord => ({
          accountId: r.account_id as string,
          activityId: r.activity_id as string,
          webhookId: r.webhook_id as string,
        }),
      );
    },

    async setRoute(accountId, activityId, webhookId, limit) {
      routeCache.invalidate();
      return durably(() => setRouteTx.immediate(accountId, activityId, webhookId, limit));
    },

    async deleteRoute(accountId, activityId) {
      routeCache.invalidate();
      return (
        durably(() => stmt('DELETE FROM routes WHERE account_id = ? AND activity_id = ?').run(accountId, activityId))
          .changes > 0
      );
    },

    async countStreams(accountId) {
      return countStreams(accountId);
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
          const row = stmt(
            'SELECT w.* FROM routes r JOIN webhooks w ON w.id = r.webhook_id WHERE r.account_id = ? AND r.activity_id = ? AND w.account_id = r.account_id',
          ).get(accountId, activityId) as Row | undefined;
          webhook = row ? Object.freeze(toWebhook(row)) : null;
          if (routeCache.size < ROUTE_CACHE_LIMIT) {
            perAccount.set(activityId, webhook);
            routeCache.size += 1;
          }
        }
        if (webhook) result.set(activityId, webhook);
      }
      return result;
    },

    async insertDeliveries(deliveries, options) {
      if (deliveries.length === 0) return [];
      return new Promise((resolve, reject) => {
        pendingInserts.push({ deliveries, lease: options?.lease, resolve, reject });
        if (pendingInserts.length === 1) setImmediate(flushInserts);
      });
    },

    async claimDeliveries(owner, now, leaseMs, limit) {
      if (limit <= 0) return [];
      return claimTx.immediate(owner, now, leaseMs, limit);
    },

    async completeAttempts(owner, completions, now) {
      if (completions.length === 0) return [];
      const applied = completeTx.immediate(owner, completions, now);
      emitChanges(group(applied));
      return applied.map((a) => a.id);
    },

    async releaseLeases(owner, now) {
      return stmt(
        "UPDATE deliveries INDEXED BY deliveries_due_webhook SET lease_owner = NULL, next_attempt_at = ? WHERE lease_owner = ? AND status IN ('pending', 'retrying')",
      ).run(now, owner).changes;
    },

    async pauseWriteKey(fingerprint, until) {
      stmt(
        'INSERT INTO key_pauses (fingerprint, paused_until) VALUES (?, ?) ON CONFLICT (fingerprint) DO UPDATE SET paused_until = MAX(paused_until, excluded.paused_until)',
      ).run(fingerprint, until);
    },

    async writeKeyPausedUntil(fingerprint, now) {
      const row = stmt('SELECT paused_until FROM key_pauses WHERE fingerprint = ?').get(fingerprint) as
        | { paused_until: number }
        | undefined;
      return row && row.paused_until > now ? row.paused_until : null;
    },

    async requeueFailed(accountId, webhookId, now, deliveryIds) {
      const ids = durably(() => requeueTx.immediate(accountId, webhookId, now, deliveryIds));
      if (ids.length > 0) {
        emitWork();
        emitChanges(new Map([[webhookId, ids]]));
      }
      return ids;
    },

    async listDeliveries(accountId, webhookId, filter: DeliveryFilter, after: DeliveryCursor | null, limit) {
      // Every delivery of a webhook belongs to the webhook's account: check it once, not per row.
      if (!getWebhookRow(accountId, webhookId)) return [];
      const where = ['d.webhook_id = ?'];
      const params: unknown[] = [webhookId];
      if (filter.status) {
        where.push('d.status = ?');
        params.push(filter.status);
        // The status index holds every status but pending (the term lets SQLite use the partial index).
        if (filter.status !== 'pending') where.push("d.status != 'pending'");
        else where.push("d.status IN ('pending', 'retrying')");
      }
      if (filter.personId) {
        where.push('d.person_id = ?');
        params.push(filter.personId);
      }
      if (filter.eventId) {
        where.push('d.event_id = ?');
        params.push(filter.eventId);
      }
      if (filter.from !== undefined) {
        where.push('d.created_at >= ?');
        params.push(filter.from);
      }
      if (filter.to !== undefined) {
        where.push('d.created_at < ?');
        params.push(filter.to);
      }
      if (after) {
        // Row-value comparison keeps the index range scan for keyset pagination.
        where.push('(d.created_at, d.id) < (?, ?)');
        params.push(after.createdAt, after.id);
      }
      params.push(Math.max(0, Math.floor(limit)));
      // An event id matches at most one row per source: look it up directly instead of walking the page order.
      const index = filter.eventId
        ? 'INDEXED BY deliveries_event'
        : filter.status === 'pending'
          ? pendingIndex(webhookId)
          : filter.status
            ? 'INDEXED BY deliveries_status_page'
            : 'INDEXED BY deliveries_page';
      // Raw arrays (this SQL text is only ever run here, so switching its cached statement to raw is safe).
      const rows = stmt(
        `SELECT ${DELIVERY_COLUMNS} FROM deliveries d ${index} WHERE ${where.join(' AND ')} ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
      )
        .raw(true)
        .all(...params) as unknown[][];
      return rows.map(toDeliveryFromArray);
    },

    async getDelivery(accountId, webhookId, deliveryId): Promise<DeliveryDetailRecord | null> {
      const row = stmt(
        `SELECT ${DELIVERY_COLUMNS}, d.message, d.attempts FROM deliveries d WHERE d.id = ? AND d.account_id = ? AND d.webhook_id = ?`,
      ).get(deliveryId, accountId, webhookId) as Row | undefined;
      if (!row) return null;
      const attempts = (JSON.parse(row.attempts as string) as AttemptRecord[]).map(toAttempt);
      return { ...toDelivery(row), message: JSON.parse(row.message as string) as TrackMessage, attempts };
    },

    async getDeliveries(deliveryIds) {
      const lookup = stmt(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = ?`);
      const out: DeliveryRecord[] = [];
      for (const id of new Set(deliveryIds)) {
        const row = lookup.get(id) as Row | undefined;
        if (row) out.push(toDelivery(row));
      }
      return out;
    },

    async deliveryStats(accountId, webhookId, query: DeliveryStatsQuery): Promise<DeliveryStats> {
      const { since, until, bucketMs } = query;
      const counts: Record<DeliveryStatus, number> = { pending: 0, retrying: 0, delivered: 0, failed: 0 };
      const empty: DeliveryStats = { counts, buckets: [], lastDeliveredAt: null, lagP50: null, lagP95: null };
      if (!getWebhookRow(accountId, webhookId)) return empty;
      for (const row of stmt('SELECT status, n FROM delivery_counts WHERE webhook_id = ?').all(webhookId) as {
        status: DeliveryStatus;
        n: number;
      }[]) {
        if (row.status in counts) counts[row.status] = row.n;
      }
      // Each query below reads one index range, scoped by the webhook only.
      const buckets = new Map<number, { start: number; delivered: number; failed: number }>();
      const bucket = (start: number) => {
        let b = buckets.get(start);
        if (!b) {
          b = { start, delivered: 0, failed: 0 };
          buckets.set(start, b);
        }
        return b;
      };
      for (const row of stmt(
        `SELECT CAST((delivered_at - ?) / ? AS INTEGER) AS k, COUNT(*) AS n FROM deliveries INDEXED BY deliveries_delivered
         WHERE webhook_id = ? AND delivered_at >= ? AND delivered_at < ? GROUP BY k`,
      ).all(since, bucketMs, webhookId, since, until) as { k: number; n: number }[]) {
        bucket(since + row.k * bucketMs).delivered += row.n;
      }
      for (const row of stmt(
        `SELECT CAST((updated_at - ?) / ? AS INTEGER) AS k, COUNT(*) AS n FROM deliveries INDEXED BY deliveries_status_page
         WHERE webhook_id = ? AND status = 'failed' AND status != 'pending' AND updated_at >= ? AND updated_at < ? GROUP BY k`,
      ).all(since, bucketMs, webhookId, since, until) as { k: number; n: number }[]) {
        bucket(since + row.k * bucketMs).failed += row.n;
      }
      const last = stmt(
        'SELECT MAX(delivered_at) AS t FROM deliveries INDEXED BY deliveries_delivered WHERE webhook_id = ? AND delivered_at IS NOT NULL',
      ).get(webhookId) as { t: number | null };
      const lags = (
        stmt(
          `SELECT delivered_at - occurred_at AS lag FROM deliveries INDEXED BY deliveries_delivered
           WHERE webhook_id = ? AND delivered_at >= ? AND delivered_at < ? ORDER BY delivered_at DESC LIMIT ?`,
        )
          .pluck()
          .all(webhookId, since, until, LAG_SAMPLE_SIZE) as number[]
      ).sort((a, b) => a - b);
      const rank = (p: number) => (lags.length === 0 ? null : lags[Math.max(0, Math.ceil(p * lags.length) - 1)]!);
      return {
        counts,
        buckets: [...buckets.values()].sort((a, b) => a.start - b.start),
        lastDeliveredAt: last.t ?? null,
        lagP50: rank(0.5),
        lagP95: rank(0.95),
      };
    },

    async pruneDeliveries(olderThan, limit) {
      if (limit <= 0) return 0;
      return pruneTx.immediate(olderThan, limit);
    },

    onWork(listener) {
      const wrapped = () => listener();
      listenersOf(workListeners, key).add(wrapped);
      ownWork.add(wrapped);
      return (() => {
        listenersOf(workListeners, key).delete(wrapped);
        ownWork.delete(wrapped);
      }) satisfies StoreUnsubscribe;
    },

    async signalWork() {
      emitWork();
    },

    onChanges(listener) {
      const wrapped = (notice: DeliveryChangeNotice) => listener(notice);
      listenersOf(changeListeners, key).add(wrapped);
      ownChanges.add(wrapped);
      return () => {
        listenersOf(changeListeners, key).delete(wrapped);
        ownChanges.delete(wrapped);
      };
    },
  };
  return store;
}
