import { createHash, randomUUID } from 'node:crypto';
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
  InsertDeliveriesOptions,
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
import type { DeliveryStatus, WebhookStatus } from '@segment-webhook/core/contract';
import pg from 'pg';
import { guardCheckedOut, throwingStoreFailures } from './failures';
import { NotificationListener } from './listener';
import { applyMigrations, MIGRATIONS } from './migrations';

/** Options of {@link postgresStore}. Give either `connectionString` or `pool`. */
export interface PostgresStoreOptions {
  /** A PostgreSQL connection URL, e.g. `postgres://user@host:5432/db`. The store creates and owns its pool. */
  connectionString?: string;
  /**
   * An existing pool to use instead (the store never ends it). The LISTEN connection is opened with the
   * pool's connection settings.
   */
  pool?: pg.Pool;
  /**
   * The schema that holds the store's tables; created by {@link Store.migrate} if missing. Letters, digits
   * and `_`, starting with a letter or `_`, at most 50 characters. Default `segment_webhook`.
   */
  schema?: string;
  /** Size of the pool the store creates (ignored with `pool`). Default 10. */
  maxConnections?: number;
  /**
   * Longest wait for a connection of the pool the store creates, in ms (ignored with `pool`): opening one,
   * or a free one when all are busy. Beyond it the call fails as unavailable. Default 5,000.
   */
  connectionTimeoutMs?: number;
  /**
   * Called with errors that cannot be thrown to a caller: an idle pooled connection failing, the LISTEN
   * connection dropping (it reconnects), a listener throwing. Default: `console.warn`.
   */
  onError?: (error: unknown) => void;
}

const DEFAULT_SCHEMA = 'segment_webhook';
/** Route lookups running at once (see `pumpRouteLookups`). */
const MAX_ROUTE_STATEMENTS = 2;
/**
 * Insert statements running at once (see `pumpInserts`). One: everything reported during a commit goes into
 * the next statement. Two ran ~20 % slower in the delivery benchmark (smaller statements, each waiting for its
 * own WAL flush, contending for the same index pages).
 */
const MAX_INSERT_STATEMENTS = 1;
/** Most deliveries merged into one insert statement. */
const MAX_ROWS_PER_INSERT = 5000;
/** PostgreSQL rejects NOTIFY payloads of 8,000 bytes or more; stay well below. */
const MAX_NOTIFY_PAYLOAD = 7000;
/**
 * Change notices (the logs' live feed in other processes) wait this long for more to share their NOTIFY
 * statement; wake-ups go at once. Under load this turns a statement per commit into a few per second.
 */
const CHANGE_NOTICE_DELAY_MS = 25;

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
  // A database that is down or restarting fails calls with core's StoreFailure (the service answers 503).
  return throwingStoreFailures(new PostgresStoreImpl(options));
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

type Row = Record<string, unknown>;
type InsertResult = InsertedDelivery;
/** One waiting {@link Store.resolveRoutes} call. */
interface RouteCall {
  accountId: string;
  activityIds: string[];
  resolve: (routes: Map<string, WebhookRecord>) => void;
  reject: (error: unknown) => void;
}
/** One waiting {@link Store.insertDeliveries} call. */
interface InsertCall {
  deliveries: readonly NewDelivery[];
  lease: InsertLease | undefined;
  resolve: (results: InsertResult[]) => void;
  reject: (error: unknown) => void;
}

/** The lease of each delivery of these calls: the first `lease.max` of each call with a lease. */
function leasesOf(calls: readonly InsertCall[]): Map<NewDelivery, InsertLease> {
  const leases = new Map<NewDelivery, InsertLease>();
  for (const { lease, deliveries } of calls) {
    if (!lease) continue;
    for (const d of deliveries.slice(0, Math.max(0, lease.max))) leases.set(d, lease);
  }
  return leases;
}

const num = (value: unknown): number => Number(value);
const numOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function toWebhook(row: Row): WebhookRecord {
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
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

function toDelivery(row: Row): DeliveryRecord {
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
    lastError: (row.last_error as string | null) ?? null,
    lastHttpStatus: numOrNull(row.last_http_status),
  };
}

function toAttempt(row: Row): AttemptRecord {
  return {
    number: num(row.number),
    at: num(row.at),
    httpStatus: numOrNull(row.http_status),
    latencyMs: num(row.latency_ms),
    outcome: row.outcome as AttemptRecord['outcome'],
    error: (row.error as string | null) ?? null,
    responseBody: (row.response_body as string | null) ?? null,
  };
}

/** The columns of a delivery without its message (the list and summary reads). */
const DELIVERY_COLUMNS = `d.id, d.account_id, d.webhook_id, d.event_id, d.person_id, d.activity_id, d.source,
  d.status, d.message_id, d.attempt_count, d.counted_attempts, d.occurred_at, d.created_at, d.updated_at,
  d.cycle_started_at, d.next_attempt_at, d.delivered_at, d.last_error, d.last_http_status`;

/** Splits `items` into JSON payloads below {@link MAX_NOTIFY_PAYLOAD} bytes. */
function chunkIds(ids: readonly string[], make: (ids: string[]) => string): string[] {
  const payloads: string[] = [];
  let current: string[] = [];
  let size = make([]).length;
  for (const id of ids) {
    const cost = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (current.length > 0 && size + cost > MAX_NOTIFY_PAYLOAD) {
      payloads.push(make(current));
      current = [];
      size = make([]).length;
    }
    current.push(id);
    size += cost;
  }
  if (current.length > 0) payloads.push(make(current));
  return payloads;
}

/** A notification as sent on the channel: `s` is the sending store instance (its own are ignored). */
type Notice = { s: string; t: 'work' } | { s: string; t: 'changes'; w: string; d: string[] };

class PostgresStoreImpl implements PostgresStore {
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly schemaName: string;
  private readonly s: string;
  private readonly channel: string;
  private readonly instanceId = randomUUID();
  private readonly workPayload = JSON.stringify({ s: this.instanceId, t: 'work' } satisfies Notice);
  private readonly onError: (error: unknown) => void;
  private readonly workListeners = new Set<() => void>();
  private readonly changeListeners = new Set<(notice: DeliveryChangeNotice) => void>();
  /** Payloads waiting for the notifier (see `notifyInBackground`). */
  private notifyBuffer: string[] = [];
  private notifying: Promise<void> | null = null;
  private notifyTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly insertQueue: InsertCall[] = [];
  private readonly routeQueue: RouteCall[] = [];
  private routesRunning = 0;
  private insertsRunning = 0;
  private listener: NotificationListener | null = null;
  private closed = false;
  private readonly sql: ReturnType<typeof buildStatements>;

  constructor(options: PostgresStoreOptions) {
    const schemaName = options.schema ?? DEFAULT_SCHEMA;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,49}$/.test(schemaName)) {
      throw new TypeError(`postgresStore: invalid schema name ${JSON.stringify(schemaName)}`);
    }
    if (!options.pool && !options.connectionString) {
      throw new TypeError('postgresStore: give a connectionString or a pool');
    }
    this.schemaName = schemaName;
    this.s = `"${schemaName}"`;
    // Channel names are identifiers of at most 63 bytes; the schema name is at most 50.
    this.channel = `swk_${schemaName}`;
    this.onError = options.onError ?? ((error) => console.warn('[store-postgres]', error));
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
      this.pool.on('error', (error) => this.onError(error));
    }
    this.sql = buildStatements(this.s, this.schemaName);
  }

  // Lifecycle ----------------------------------------------------------------------------------

  async migrate(): Promise<void> {
    await applyMigrations(this.pool, this.schemaName, this.s, MIGRATIONS);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.workListeners.clear();
    this.changeListeners.clear();
    // Calls already made finish first (grouped inserts and lookups may still be queued).
    while (this.insertsRunning + this.insertQueue.length + this.routesRunning + this.routeQueue.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.drainNow();
    await this.notifying;
    await this.listener?.stop();
    this.listener = null;
    if (this.ownsPool) await this.pool.end();
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const release = guardCheckedOut(client);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      release();
    }
  }

  // Webhooks -----------------------------------------------------------------------------------

  async insertWebhook(webhook: WebhookRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.webhooks (id, account_id, name, track_event_name, region, send_activity_payload, fields,
         status, health_state, health_reason, health_since, refused_batches, write_key_ciphertext, write_key_hint,
         write_key_fingerprint, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        webhook.id,
        webhook.accountId,
        webhook.name,
        webhook.trackEventName,
        webhook.region,
        webhook.sendActivityPayload,
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
      ],
    );
  }

  async getWebhook(accountId: string, webhookId: string): Promise<WebhookRecord | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${this.s}.webhooks WHERE id = $1 AND account_id = $2`, [
      webhookId,
      accountId,
    ]);
    return rows[0] ? toWebhook(rows[0]) : null;
  }

  async listWebhooks(accountId: string, status?: WebhookStatus): Promise<WebhookRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM ${this.s}.webhooks WHERE account_id = $1 AND ($2::text IS NULL OR status = $2)
       ORDER BY created_at, id`,
      [accountId, status ?? null],
    );
    return rows.map(toWebhook);
  }

  async updateWebhook(
    accountId: string,
    webhookId: string,
    patch: WebhookPatch,
    ifStatus?: readonly WebhookStatus[],
  ): Promise<WebhookRecord | null> {
    const sets: string[] = [];
    const values: unknown[] = [webhookId, accountId, ifStatus ? [...ifStatus] : null];
    for (const [key, column] of Object.entries(WEBHOOK_PATCH_COLUMNS) as [keyof WebhookPatch, string][]) {
      if (!(key in patch) || patch[key] === undefined) continue;
      const value = key === 'fields' ? JSON.stringify(patch[key]) : patch[key];
      values.push(value);
      sets.push(`${column} = $${values.length}${key === 'fields' ? '::jsonb' : ''}`);
    }
    const where = `id = $1 AND account_id = $2 AND ($3::text[] IS NULL OR status = ANY($3::text[]))`;
    if (sets.length === 0) {
      const { rows } = await this.pool.query(`SELECT * FROM ${this.s}.webhooks WHERE ${where}`, values);
      return rows[0] ? toWebhook(rows[0]) : null;
    }
    const update = `UPDATE ${this.s}.webhooks SET ${sets.join(', ')} WHERE ${where} RETURNING *`;
    if (patch.status !== 'archived') {
      const { rows } = await this.pool.query(update, values);
      return rows[0] ? toWebhook(rows[0]) : null;
    }
    // Archiving releases the webhook's outbound streams: its routes go in the same transaction.
    return this.transaction(async (client) => {
      const { rows } = await client.query(update, values);
      if (!rows[0]) return null;
      await client.query(`DELETE FROM ${this.s}.routes WHERE webhook_id = $1`, [webhookId]);
      return toWebhook(rows[0]);
    });
  }

  async deleteWebhook(accountId: string, webhookId: string, ifStatus: readonly WebhookStatus[]): Promise<boolean> {
    // Routes, deliveries and attempts go with it (ON DELETE CASCADE), in the same statement.
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.s}.webhooks WHERE id = $1 AND account_id = $2 AND status = ANY($3::text[])`,
      [webhookId, accountId, [...ifStatus]],
    );
    return (rowCount ?? 0) > 0;
  }

  async recordBatches(results: readonly BatchResult[], threshold: number, now: number): Promise<string[]> {
    if (results.length === 0) return [];
    const ids = [...new Set(results.map((result) => result.webhookId))].sort();
    if (results.every((result) => !result.refused)) {
      // The common case (batches delivered): one statement, which writes nothing when the counters are 0.
      await this.pool.query(
        `UPDATE ${this.s}.webhooks SET refused_batches = 0 WHERE id = ANY($1::text[]) AND refused_batches <> 0`,
        [ids],
      );
      return [];
    }
    return this.transaction(async (client) => {
      // Lock the webhooks (in id order: no deadlock with a concurrent call), replay the results in order in
      // memory, then write each webhook once.
      const { rows } = await client.query(
        `SELECT id, refused_batches, health_state FROM ${this.s}.webhooks WHERE id = ANY($1::text[])
         ORDER BY id FOR UPDATE`,
        [ids],
      );
      const state = new Map<
        string,
        { initial: number; refused: number; healthy: boolean; tipped: BatchResult | null }
      >();
      for (const row of rows) {
        state.set(row.id as string, {
          initial: num(row.refused_batches),
          refused: num(row.refused_batches),
          healthy: row.health_state === 'healthy',
          tipped: null,
        });
      }
      for (const result of results) {
        const webhook = state.get(result.webhookId);
        if (!webhook) continue;
        if (!result.refused) {
          webhook.refused = 0;
          continue;
        }
        webhook.refused += 1;
        if (webhook.refused >= threshold && webhook.healthy && !webhook.tipped) {
          webhook.healthy = false;
          webhook.tipped = result;
        }
      }
      const updates = [...state]
        .filter(([, webhook]) => webhook.tipped !== null || webhook.refused !== webhook.initial)
        .map(([id, webhook]) => ({
          id,
          refused_batches: webhook.refused,
          tipped: webhook.tipped !== null,
          reason: webhook.tipped?.reason ?? null,
        }));
      await client.query(
        `UPDATE ${this.s}.webhooks w SET
           refused_batches = u.refused_batches,
           health_state = CASE WHEN u.tipped THEN 'needs_attention' ELSE w.health_state END,
           health_reason = CASE WHEN u.tipped THEN u.reason ELSE w.health_reason END,
           health_since = CASE WHEN u.tipped THEN $2::bigint ELSE w.health_since END
         FROM json_to_recordset($1::json) AS u(id text, refused_batches integer, tipped boolean, reason text)
         WHERE w.id = u.id`,
        [JSON.stringify(updates), now],
      );
      return updates.filter((update) => update.tipped).map((update) => update.id);
    });
  }

  // Routes -------------------------------------------------------------------------------------

  async listRoutes(accountId: string): Promise<RouteRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT account_id, activity_id, webhook_id FROM ${this.s}.routes WHERE account_id = $1 ORDER BY activity_id`,
      [accountId],
    );
    return rows.map((row) => ({
      accountId: row.account_id as string,
      activityId: row.activity_id as string,
      webhookId: row.webhook_id as string,
    }));
  }

  async setRoute(accountId: string, activityId: string, webhookId: string, limit: number): Promise<SetRouteResult> {
    return this.transaction(async (client) => {
      // One route change per account at a time, so two concurrent calls cannot both pass the limit check.
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `segment-webhook:routes:${this.schemaName}:${accountId}`,
      ]);
      // FOR SHARE: a concurrent archive of this webhook waits for us (or we see it archived).
      const { rows: webhooks } = await client.query(
        `SELECT status FROM ${this.s}.webhooks WHERE id = $1 AND account_id = $2 FOR SHARE`,
        [webhookId, accountId],
      );
      const webhook = webhooks[0];
      if (!webhook) return { ok: false, reason: 'webhook_not_found' } as const;
      if (webhook.status === 'archived') return { ok: false, reason: 'webhook_archived' } as const;
      const { rows: counts } = await client.query(
        `SELECT count(*) AS streams,
                bool_or(r.activity_id = $2) AS already_counted
         FROM ${this.s}.routes r JOIN ${this.s}.webhooks w ON w.id = r.webhook_id
         WHERE r.account_id = $1 AND w.status <> 'archived'`,
        [accountId, activityId],
      );
      const streams = num(counts[0]?.streams ?? 0);
      if (!counts[0]?.already_counted && streams >= limit) {
        return { ok: false, reason: 'limit_reached', streams } as const;
      }
      await client.query(
        `INSERT INTO ${this.s}.routes (account_id, activity_id, webhook_id) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, activity_id) DO UPDATE SET webhook_id = EXCLUDED.webhook_id`,
        [accountId, activityId, webhookId],
      );
      return { ok: true, route: { accountId, activityId, webhookId } } as const;
    });
  }

  async deleteRoute(accountId: string, activityId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.s}.routes WHERE account_id = $1 AND activity_id = $2`,
      [accountId, activityId],
    );
    return (rowCount ?? 0) > 0;
  }

  async countStreams(accountId: string): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT count(*) AS streams FROM ${this.s}.routes r JOIN ${this.s}.webhooks w ON w.id = r.webhook_id
       WHERE r.account_id = $1 AND w.status <> 'archived'`,
      [accountId],
    );
    return num(rows[0]?.streams ?? 0);
  }

  async resolveRoutes(accountId: string, activityIds: readonly string[]): Promise<Map<string, WebhookRecord>> {
    if (activityIds.length === 0) return new Map();
    return new Promise((resolve, reject) => {
      this.routeQueue.push({ accountId, activityIds: [...new Set(activityIds)], resolve, reject });
      this.pumpRouteLookups();
    });
  }

  /**
   * Like inserts, concurrent lookups (one per `ingest` call) share a statement while
   * {@link MAX_ROUTE_STATEMENTS} are running, so a burst of calls does not queue for pooled connections.
   */
  private pumpRouteLookups(): void {
    while (this.routesRunning < MAX_ROUTE_STATEMENTS && this.routeQueue.length > 0) {
      const calls = this.routeQueue.splice(0, 1000);
      this.routesRunning += 1;
      void this.runRouteLookups(calls).finally(() => {
        this.routesRunning -= 1;
        this.pumpRouteLookups();
      });
    }
  }

  private async runRouteLookups(calls: RouteCall[]): Promise<void> {
    const pairs = new Map<string, { account_id: string; activity_id: string }>();
    for (const call of calls) {
      for (const activityId of call.activityIds) {
        pairs.set(JSON.stringify([call.accountId, activityId]), {
          account_id: call.accountId,
          activity_id: activityId,
        });
      }
    }
    let rows: Row[];
    try {
      ({ rows } = await this.pool.query({
        name: this.sql.resolveRoutes.name,
        text: this.sql.resolveRoutes.text,
        values: [JSON.stringify([...pairs.values()])],
      }));
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    const found = new Map<string, Row>();
    for (const row of rows) found.set(JSON.stringify([row.route_account_id, row.route_activity_id]), row);
    for (const call of calls) {
      const result = new Map<string, WebhookRecord>();
      for (const activityId of call.activityIds) {
        const row = found.get(JSON.stringify([call.accountId, activityId]));
        // A fresh record per call: callers may mutate what they get.
        if (row) result.set(activityId, toWebhook(row));
      }
      call.resolve(result);
    }
  }

  // Deliveries: the outbox ---------------------------------------------------------------------

  async insertDeliveries(
    deliveries: readonly NewDelivery[],
    options?: InsertDeliveriesOptions,
  ): Promise<InsertResult[]> {
    if (deliveries.length === 0) return [];
    return new Promise((resolve, reject) => {
      this.insertQueue.push({ deliveries, lease: options?.lease, resolve, reject });
      this.pumpInserts();
    });
  }

  /**
   * Group commit: a call starts its statement at once while fewer than {@link MAX_INSERT_STATEMENTS} are
   * running; calls made meanwhile wait and then go together in one statement (one commit, one WAL flush),
   * so a host reporting events one by one pays for a commit per burst, not per event. Each call still
   * resolves only after the commit that holds its deliveries.
   */
  private pumpInserts(): void {
    while (this.insertsRunning < MAX_INSERT_STATEMENTS && this.insertQueue.length > 0) {
      const calls: InsertCall[] = [];
      let rows = 0;
      while (
        this.insertQueue.length > 0 &&
        (calls.length === 0 || rows + this.insertQueue[0]!.deliveries.length <= MAX_ROWS_PER_INSERT)
      ) {
        const call = this.insertQueue.shift()!;
        calls.push(call);
        rows += call.deliveries.length;
      }
      this.insertsRunning += 1;
      void this.runInsertCalls(calls).finally(() => {
        this.insertsRunning -= 1;
        this.pumpInserts();
      });
    }
  }

  private async runInsertCalls(calls: InsertCall[]): Promise<void> {
    try {
      // Merged in call order, so a key repeated across calls resolves as it would have one call after another.
      const deliveries = calls.flatMap((call) => call.deliveries);
      const results = await this.insertNow(deliveries, false, leasesOf(calls));
      let offset = 0;
      const perCall = calls.map((call) => {
        const slice = results.slice(offset, offset + call.deliveries.length);
        offset += call.deliveries.length;
        return slice;
      });
      calls.forEach((call, index) => {
        call.resolve(perCall[index]!);
      });
      this.announceInserted(deliveries, results);
    } catch (error) {
      if (calls.length === 1) {
        calls[0]!.reject(error);
        return;
      }
      // One bad call (e.g. a webhook deleted meanwhile) must not fail the others: run them one by one.
      for (const call of calls) {
        await this.insertNow(call.deliveries, true, leasesOf([call])).then(call.resolve, call.reject);
      }
    }
  }

  /** After inserts that were not announced yet: changes, and work unless every new delivery was leased. */
  private announceInserted(deliveries: readonly NewDelivery[], results: readonly InsertResult[]): void {
    const createdByWebhook = new Map<string, string[]>();
    let due = false;
    for (const [index, result] of results.entries()) {
      if (!result.created) continue;
      if (!result.claimed) due = true;
      const webhookId = deliveries[index]!.webhookId;
      const list = createdByWebhook.get(webhookId) ?? [];
      list.push(result.id);
      createdByWebhook.set(webhookId, list);
    }
    if (due) this.announceWork();
    this.announceChanges(createdByWebhook);
  }

  private async insertNow(
    deliveries: readonly NewDelivery[],
    announce = true,
    leases: ReadonlyMap<NewDelivery, InsertLease> = new Map(),
  ): Promise<InsertResult[]> {
    const keyOf = (d: { webhookId: string; source: string; eventId: string }) =>
      JSON.stringify([d.webhookId, d.source, d.eventId]);
    // The first occurrence of a key in this call wins; later ones resolve to it.
    const firsts = new Map<string, NewDelivery>();
    for (const delivery of deliveries) {
      const key = keyOf(delivery);
      if (!firsts.has(key)) firsts.set(key, delivery);
    }
    const rows = [...firsts.values()].map((d) => ({
      lease_owner: leases.get(d)?.owner ?? null,
      lease_until: leases.get(d)?.until ?? null,
      lease_now: leases.get(d)?.now ?? null,
      id: d.id,
      account_id: d.accountId,
      webhook_id: d.webhookId,
      event_id: d.eventId,
      person_id: d.personId,
      activity_id: d.activityId,
      source: d.source,
      message_id: d.messageId,
      message: d.message,
      occurred_at: d.occurredAt,
      created_at: d.createdAt,
    }));
    const { rows: inserted } = await this.pool.query({
      name: this.sql.insertDeliveries.name,
      text: this.sql.insertDeliveries.text,
      values: [JSON.stringify(rows)],
    });
    const holders = new Map<string, InsertResult>();
    const createdByWebhook = new Map<string, string[]>();
    for (const row of inserted) {
      const key = keyOf({ webhookId: row.webhook_id, source: row.source, eventId: row.event_id });
      const holder: InsertResult = { id: row.id as string, messageId: row.message_id as string, created: true };
      const d = firsts.get(key);
      if (row.lease_owner !== null && d) {
        // Claim at insert: leased by this very INSERT, with the webhook read by the same statement.
        holder.claimed = claimedAtInsert(d, num(row.next_attempt_at), {
          writeKeyCiphertext: row.write_key_ciphertext as string,
          writeKeyFingerprint: row.write_key_fingerprint as string,
          region: row.region as ClaimedDelivery['region'],
        });
      }
      holders.set(key, holder);
      const list = createdByWebhook.get(row.webhook_id as string) ?? [];
      list.push(row.id as string);
      createdByWebhook.set(row.webhook_id as string, list);
    }
    const missing = [...firsts.entries()].filter(([key]) => !holders.has(key)).map(([, d]) => d);
    if (missing.length > 0) {
      // Keys that already existed (ON CONFLICT DO NOTHING waited for any concurrent inserter to commit).
      const { rows: existing } = await this.pool.query(
        `SELECT d.id, d.message_id, d.webhook_id, d.source, d.event_id
         FROM json_to_recordset($1::json) AS k(webhook_id text, source text, event_id text)
         JOIN ${this.s}.deliveries d
           ON d.webhook_id = k.webhook_id AND d.source = k.source AND d.event_id = k.event_id`,
        [JSON.stringify(missing.map((d) => ({ webhook_id: d.webhookId, source: d.source, event_id: d.eventId })))],
      );
      for (const row of existing) {
        holders.set(keyOf({ webhookId: row.webhook_id, source: row.source, eventId: row.event_id }), {
          id: row.id as string,
          messageId: row.message_id as string,
          created: false,
        });
      }
      const stillMissing = missing.filter((d) => !holders.has(keyOf(d)));
      if (stillMissing.length > 0) {
        // The existing delivery was deleted between the two statements (pruned or its webhook deleted):
        // insert again.
        const again = await this.insertNow(stillMissing);
        stillMissing.forEach((d, i) => {
          holders.set(keyOf(d), again[i]!);
        });
      }
    }
    if (createdByWebhook.size > 0) {
      if (announce) {
        this.announceWork();
        this.announceChanges(createdByWebhook);
      }
    }
    return deliveries.map((d) => {
      const holder = holders.get(keyOf(d))!;
      // A later duplicate of a key created by this very call did not create anything itself.
      return holder.created && holder.id !== d.id ? { ...holder, created: false } : { ...holder };
    });
  }

  async claimDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const { rows } = await this.pool.query({
      name: this.sql.claim.name,
      text: this.sql.claim.text,
      values: [now, leaseMs, limit, owner],
    });
    rows.sort((a, b) => num(a.due_at) - num(b.due_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((row) => ({
      ...toDelivery(row),
      message: row.message as ClaimedDelivery['message'],
      writeKeyCiphertext: row.write_key_ciphertext as string,
      writeKeyFingerprint: row.write_key_fingerprint as string,
      region: row.region as ClaimedDelivery['region'],
    }));
  }

  async completeAttempts(owner: string, completions: readonly AttemptCompletion[], now: number): Promise<string[]> {
    if (completions.length === 0) return [];
    const rows = completions.map((c) => ({
      delivery_id: c.deliveryId,
      number: c.attempt.number,
      at: c.attempt.at,
      http_status: c.attempt.httpStatus,
      latency_ms: c.attempt.latencyMs,
      outcome: c.attempt.outcome,
      error: c.attempt.error,
      response_body: c.attempt.responseBody,
      counted: c.counted,
      status: c.status,
      next_attempt_at: c.status === 'retrying' ? c.nextAttemptAt : null,
      last_error: c.lastError,
    }));
    const { rows: applied } = await this.pool.query({
      name: this.sql.complete.name,
      text: this.sql.complete.text,
      values: [owner, JSON.stringify(rows), now],
    });
    this.announceChanges(groupByWebhook(applied));
    return applied.map((row) => row.id as string);
  }

  async releaseLeases(owner: string, now: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.s}.deliveries SET next_attempt_at = $2, lease_owner = NULL
       WHERE lease_owner = $1 AND status IN ('pending', 'retrying')`,
      [owner, now],
    );
    const released = rowCount ?? 0;
    if (released > 0) this.announceWork();
    return released;
  }

  async pauseWriteKey(fingerprint: string, until: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.write_key_pauses (fingerprint, until) VALUES ($1, $2)
       ON CONFLICT (fingerprint) DO UPDATE SET until = GREATEST(${this.s}.write_key_pauses.until, EXCLUDED.until)`,
      [fingerprint, until],
    );
  }

  async writeKeyPausedUntil(fingerprint: string, now: number): Promise<number | null> {
    const { rows } = await this.pool.query(
      `SELECT until FROM ${this.s}.write_key_pauses WHERE fingerprint = $1 AND until > $2`,
      [fingerprint, now],
    );
    return rows[0] ? num(rows[0].until) : null;
  }

  async requeueFailed(
    accountId: string,
    webhookId: string,
    now: number,
    deliveryIds?: readonly string[],
  ): Promise<string[]> {
    const { rows } = await this.pool.query(
      `UPDATE ${this.s}.deliveries SET status = 'pending', next_attempt_at = $3, cycle_started_at = $3,
         updated_at = $3, counted_attempts = 0, lease_owner = NULL
       WHERE account_id = $1 AND webhook_id = $2 AND status = 'failed'
         AND ($4::text[] IS NULL OR id = ANY($4::text[]))
       RETURNING id`,
      [accountId, webhookId, now, deliveryIds ? [...deliveryIds] : null],
    );
    const ids = rows.map((row) => row.id as string);
    if (ids.length > 0) {
      this.announceWork();
      this.announceChanges(new Map([[webhookId, ids]]));
    }
    return ids;
  }

  // Deliveries: reading ------------------------------------------------------------------------

  async listDeliveries(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    const values: unknown[] = [accountId, webhookId];
    const where = ['d.account_id = $1', 'd.webhook_id = $2'];
    const add = (clause: (param: string) => string, value: unknown) => {
      values.push(value);
      where.push(clause(`$${values.length}`));
    };
    if (filter.status !== undefined) add((p) => `d.status = ${p}`, filter.status);
    if (filter.personId !== undefined) add((p) => `d.person_id = ${p}`, filter.personId);
    if (filter.eventId !== undefined) add((p) => `d.event_id = ${p}`, filter.eventId);
    if (filter.from !== undefined) add((p) => `d.created_at >= ${p}`, filter.from);
    if (filter.to !== undefined) add((p) => `d.created_at < ${p}`, filter.to);
    if (after) {
      values.push(after.createdAt, after.id);
      where.push(`(d.created_at, d.id) < ($${values.length - 1}::bigint, $${values.length}::text)`);
    }
    values.push(limit);
    const { rows } = await this.pool.query(
      `SELECT ${DELIVERY_COLUMNS} FROM ${this.s}.deliveries d WHERE ${where.join(' AND ')}
       ORDER BY d.created_at DESC, d.id DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map(toDelivery);
  }

  async getDelivery(accountId: string, webhookId: string, deliveryId: string): Promise<DeliveryDetailRecord | null> {
    const { rows } = await this.pool.query(
      `SELECT ${DELIVERY_COLUMNS}, d.message,
         COALESCE((SELECT json_agg(a ORDER BY a.number) FROM ${this.s}.attempts a WHERE a.delivery_id = d.id), '[]')
           AS attempts
       FROM ${this.s}.deliveries d WHERE d.id = $1 AND d.account_id = $2 AND d.webhook_id = $3`,
      [deliveryId, accountId, webhookId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      ...toDelivery(row),
      message: row.message as DeliveryDetailRecord['message'],
      attempts: (row.attempts as Row[]).map(toAttempt),
    };
  }

  async getDeliveries(deliveryIds: readonly string[]): Promise<DeliveryRecord[]> {
    if (deliveryIds.length === 0) return [];
    const { rows } = await this.pool.query(
      `SELECT ${DELIVERY_COLUMNS} FROM ${this.s}.deliveries d WHERE d.id = ANY($1::text[])`,
      [[...new Set(deliveryIds)]],
    );
    return rows.map(toDelivery);
  }

  async deliveryStats(accountId: string, webhookId: string, query: DeliveryStatsQuery): Promise<DeliveryStats> {
    const { since, until, bucketMs } = query;
    const scope = [accountId, webhookId];
    const [counts, buckets, summary] = await Promise.all([
      this.pool.query(
        `SELECT status, count(*) AS n FROM ${this.s}.deliveries WHERE account_id = $1 AND webhook_id = $2
         GROUP BY status`,
        scope,
      ),
      this.pool.query(
        `SELECT ($3::bigint + ((t - $3::bigint) / $5::bigint) * $5::bigint) AS start,
                sum(delivered) AS delivered, sum(failed) AS failed
         FROM (
           SELECT delivered_at AS t, 1 AS delivered, 0 AS failed FROM ${this.s}.deliveries
           WHERE account_id = $1 AND webhook_id = $2 AND status = 'delivered'
             AND delivered_at >= $3 AND delivered_at < $4
           UNION ALL
           SELECT updated_at AS t, 0, 1 FROM ${this.s}.deliveries
           WHERE account_id = $1 AND webhook_id = $2 AND status = 'failed' AND updated_at >= $3 AND updated_at < $4
         ) finished
         GROUP BY 1 ORDER BY 1`,
        [...scope, since, until, bucketMs],
      ),
      this.pool.query(
        // percentile_disc(p) is the smallest value whose cumulative share reaches p: nearest rank ceil(p · n).
        `SELECT
           (SELECT max(delivered_at) FROM ${this.s}.deliveries
             WHERE account_id = $1 AND webhook_id = $2 AND status = 'delivered') AS last_delivered_at,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY delivered_at - occurred_at) AS p50,
           percentile_disc(0.95) WITHIN GROUP (ORDER BY delivered_at - occurred_at) AS p95
         FROM ${this.s}.deliveries
         WHERE account_id = $1 AND webhook_id = $2 AND status = 'delivered' AND delivered_at >= $3 AND delivered_at < $4`,
        [...scope, since, until],
      ),
    ]);
    const byStatus: Record<DeliveryStatus, number> = { pending: 0, retrying: 0, delivered: 0, failed: 0 };
    for (const row of counts.rows) byStatus[row.status as DeliveryStatus] = num(row.n);
    const row = summary.rows[0] ?? {};
    return {
      counts: byStatus,
      buckets: buckets.rows.map((b) => ({ start: num(b.start), delivered: num(b.delivered), failed: num(b.failed) })),
      lastDeliveredAt: numOrNull(row.last_delivered_at),
      lagP50: numOrNull(row.p50),
      lagP95: numOrNull(row.p95),
    };
  }

  // Maintenance --------------------------------------------------------------------------------

  async pruneDeliveries(olderThan: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.s}.deliveries WHERE id IN (
         SELECT id FROM ${this.s}.deliveries
         WHERE status IN ('delivered', 'failed') AND created_at < $1
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [olderThan, limit],
    );
    return rowCount ?? 0;
  }

  // Notifications ------------------------------------------------------------------------------

  onWork(listener: () => void): StoreUnsubscribe {
    this.workListeners.add(listener);
    this.ensureListening();
    return () => {
      this.workListeners.delete(listener);
    };
  }

  async signalWork(): Promise<void> {
    this.dispatchWork();
    await this.notify([this.workPayload]);
  }

  onChanges(listener: (notice: DeliveryChangeNotice) => void): StoreUnsubscribe {
    this.changeListeners.add(listener);
    this.ensureListening();
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  /** Opens the LISTEN connection on the first subscription. */
  private ensureListening(): void {
    if (this.listener || this.closed) return;
    const clientConfig: pg.ClientConfig = { ...(this.pool.options as pg.ClientConfig), keepAlive: true };
    this.listener = new NotificationListener({
      clientConfig,
      channel: this.channel,
      onPayload: (payload) => this.receive(payload),
      // Notifications sent while the connection was down are lost: wake the workers to look for themselves.
      onConnected: () => this.dispatchWork(),
      onError: (error) => this.onError(error),
    });
    void this.listener.start();
  }

  async listening(): Promise<void> {
    this.ensureListening();
    await this.listener?.start();
  }

  private receive(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    // This instance already told its own listeners, synchronously after its commit.
    if (notice.s === this.instanceId) return;
    if (notice.t === 'work') this.dispatchWork();
    else if (notice.t === 'changes') this.dispatchChanges({ webhookId: notice.w, deliveryIds: notice.d });
  }

  private dispatchWork(): void {
    for (const listener of [...this.workListeners]) {
      try {
        listener();
      } catch (error) {
        this.onError(error);
      }
    }
  }

  private dispatchChanges(notice: DeliveryChangeNotice): void {
    for (const listener of [...this.changeListeners]) {
      try {
        listener({ webhookId: notice.webhookId, deliveryIds: [...notice.deliveryIds] });
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** After a commit that made work due: tells this process at once and the others through NOTIFY. */
  private announceWork(): void {
    this.dispatchWork();
    this.notifyInBackground([this.workPayload]);
  }

  /** After a commit that changed deliveries: one notice per webhook, here and in the other processes. */
  private announceChanges(byWebhook: Map<string, string[]>): void {
    if (byWebhook.size === 0) return;
    const payloads: string[] = [];
    for (const [webhookId, deliveryIds] of byWebhook) {
      this.dispatchChanges({ webhookId, deliveryIds });
      payloads.push(
        ...chunkIds(deliveryIds, (d) => JSON.stringify({ s: this.instanceId, t: 'changes', w: webhookId, d })),
      );
    }
    this.notifyInBackground(payloads);
  }

  /**
   * Sends the payloads to the other processes soon. Only they need them, and they are best effort (workers
   * also poll), so the caller's commit does not wait; one NOTIFY statement at a time carries everything
   * buffered meanwhile, so notifications never take more than one pooled connection. A wake-up is sent at
   * once; change notices alone wait up to {@link CHANGE_NOTICE_DELAY_MS} for company.
   */
  private notifyInBackground(payloads: string[]): void {
    let wake = false;
    for (const payload of payloads) {
      if (payload === this.workPayload) {
        wake = true;
        // Wake-ups are all alike: one per statement is enough.
        if (this.notifyBuffer.includes(payload)) continue;
      }
      this.notifyBuffer.push(payload);
    }
    if (this.notifying || this.notifyBuffer.length === 0) return; // The running drain takes them.
    if (wake) this.drainNow();
    else {
      this.notifyTimer ??= setTimeout(() => {
        this.notifyTimer = null;
        this.drainNow();
      }, CHANGE_NOTICE_DELAY_MS);
    }
  }

  private drainNow(): void {
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    this.notifying ??= this.drainNotifications();
  }

  private async drainNotifications(): Promise<void> {
    while (this.notifyBuffer.length > 0) {
      const batch = this.notifyBuffer.splice(0, 1000);
      try {
        await this.notify(batch);
      } catch (error) {
        this.onError(error);
      }
    }
    this.notifying = null;
  }

  private async notify(payloads: string[]): Promise<void> {
    if (payloads.length === 0) return;
    await this.pool.query({
      name: this.sql.notify.name,
      text: this.sql.notify.text,
      values: [this.channel, payloads],
    });
  }
}

function groupByWebhook(rows: Row[]): Map<string, string[]> {
  const byWebhook = new Map<string, string[]>();
  for (const row of rows) {
    const list = byWebhook.get(row.webhook_id as string) ?? [];
    list.push(row.id as string);
    byWebhook.set(row.webhook_id as string, list);
  }
  return byWebhook;
}

/**
 * A CTE that makes the statement's own (implicit) transaction commit without waiting for the WAL flush
 * (`synchronous_commit = off`, local to that transaction). Used for the engine's bookkeeping only — claims
 * and attempt records: if the database server crashes, their last few hundred milliseconds may be lost, which
 * only means that a delivery is claimed and sent again with the same messageId (Segment de-duplicates). The
 * outbox itself (insertDeliveries) and everything the user changes commit durably.
 */
const RELAXED_COMMIT = `relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)`;

/** The hot statements, prepared by name per connection (the name carries a hash of the text). */
function buildStatements(s: string, schemaName: string) {
  const named = (label: string, text: string) => ({
    name: `swk_${label}_${createHash('sha1').update(`${schemaName}\n${text}`).digest('hex').slice(0, 12)}`,
    text,
  });
  return {
    resolveRoutes: named(
      'resolve',
      `SELECT r.account_id AS route_account_id, r.activity_id AS route_activity_id, w.*
       FROM json_to_recordset($1::json) AS k(account_id text, activity_id text)
       JOIN ${s}.routes r ON r.account_id = k.account_id AND r.activity_id = k.activity_id
       JOIN ${s}.webhooks w ON w.id = r.webhook_id AND w.account_id = r.account_id`,
    ),
    insertDeliveries: named(
      'insert',
      `WITH ins AS (
         INSERT INTO ${s}.deliveries (id, account_id, webhook_id, event_id, person_id, activity_id, source, status,
           message_id, message, attempt_count, counted_attempts, occurred_at, created_at, updated_at, cycle_started_at,
           next_attempt_at, lease_owner)
         SELECT x.id, x.account_id, x.webhook_id, x.event_id, x.person_id, x.activity_id, x.source, 'pending',
           x.message_id, x.message, 0, 0, x.occurred_at, x.created_at, x.created_at, x.created_at,
           CASE WHEN e.ok THEN x.lease_until ELSE x.created_at END, CASE WHEN e.ok THEN x.lease_owner END
         FROM json_to_recordset($1::json) AS x(id text, account_id text, webhook_id text, event_id text,
           person_id text, activity_id text, source text, message_id text, message json, occurred_at bigint,
           created_at bigint, lease_owner text, lease_until bigint, lease_now bigint)
         -- Claim at insert: only where a claim could take it (webhook active and healthy, key not paused).
         LEFT JOIN LATERAL (
           SELECT true AS ok FROM ${s}.webhooks w
           WHERE x.lease_owner IS NOT NULL AND w.id = x.webhook_id AND w.status = 'active'
             AND w.health_state = 'healthy'
             AND NOT EXISTS (SELECT 1 FROM ${s}.write_key_pauses p
                             WHERE p.fingerprint = w.write_key_fingerprint AND p.until > x.lease_now)
         ) e ON true
         -- A stable order of unique-index insertions: concurrent calls with overlapping keys cannot deadlock.
         ORDER BY x.webhook_id, x.source, x.event_id
         ON CONFLICT (webhook_id, source, event_id) DO NOTHING
         RETURNING id, message_id, webhook_id, source, event_id, lease_owner, next_attempt_at
       )
       SELECT ins.*, w.write_key_ciphertext, w.write_key_fingerprint, w.region
       FROM ins LEFT JOIN ${s}.webhooks w ON ins.lease_owner IS NOT NULL AND w.id = ins.webhook_id`,
    ),
    claim: named(
      'claim',
      `WITH ${RELAXED_COMMIT},
       due AS (
         SELECT d.id, d.next_attempt_at AS due_at FROM ${s}.deliveries d
         JOIN ${s}.webhooks w ON w.id = d.webhook_id
         WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= $1::bigint
           AND w.status = 'active' AND w.health_state = 'healthy'
           AND NOT EXISTS (SELECT 1 FROM ${s}.write_key_pauses p
                           WHERE p.fingerprint = w.write_key_fingerprint AND p.until > $1::bigint)
         ORDER BY d.next_attempt_at, d.id
         LIMIT $3
         FOR UPDATE OF d SKIP LOCKED
       )
       UPDATE ${s}.deliveries d SET next_attempt_at = $1::bigint + $2::bigint, lease_owner = $4
       FROM due CROSS JOIN relaxed, ${s}.webhooks w
       WHERE d.id = due.id AND w.id = d.webhook_id
       RETURNING ${DELIVERY_COLUMNS}, d.message, due.due_at, w.write_key_ciphertext, w.write_key_fingerprint, w.region`,
    ),
    complete: named(
      'complete',
      `WITH ${RELAXED_COMMIT},
       c AS (
         SELECT x.* FROM json_to_recordset($2::json) AS x(delivery_id text, number integer, at bigint,
           http_status integer, latency_ms double precision, outcome text, error text, response_body text,
           counted boolean, status text, next_attempt_at bigint, last_error text)
         CROSS JOIN relaxed
       ),
       upd AS (
         UPDATE ${s}.deliveries d SET
           attempt_count = d.attempt_count + 1,
           counted_attempts = d.counted_attempts + CASE WHEN c.counted THEN 1 ELSE 0 END,
           status = c.status,
           last_error = c.last_error,
           updated_at = $3::bigint,
           last_http_status = c.http_status,
           next_attempt_at = CASE WHEN c.status = 'retrying' THEN c.next_attempt_at END,
           delivered_at = CASE WHEN c.status = 'delivered' THEN c.at END,
           lease_owner = NULL
         FROM c
         WHERE d.id = c.delivery_id AND d.lease_owner = $1 AND d.status IN ('pending', 'retrying')
         RETURNING d.id, d.webhook_id, d.status
       ),
       reset AS (
         -- A delivered batch ends a run of refused ones (rows already at 0 are neither written nor locked).
         UPDATE ${s}.webhooks w SET refused_batches = 0
         WHERE w.refused_batches <> 0 AND w.id IN (SELECT upd.webhook_id FROM upd WHERE upd.status = 'delivered')
       ),
       ins AS (
         INSERT INTO ${s}.attempts (delivery_id, number, at, http_status, latency_ms, outcome, error, response_body)
         SELECT c.delivery_id, c.number, c.at, c.http_status, c.latency_ms, c.outcome, c.error, c.response_body
         FROM c JOIN upd ON upd.id = c.delivery_id
       )
       SELECT id, webhook_id FROM upd`,
    ),
    notify: named('notify', 'SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload'),
  };
}
