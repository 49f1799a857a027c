/**
 * Statements of the PostgreSQL store: the SQL of every operation and the functions that run it on the
 * pool. The store (store.ts) adds validation, write batching and notifications.
 */
import { createHash } from 'node:crypto';
import {
  type AttemptCompletion,
  type BatchResult,
  type ClaimedDelivery,
  type DeliveryCursor,
  type DeliveryDetailRecord,
  type DeliveryFilter,
  type DeliveryRecord,
  type DeliveryStats,
  type DeliveryStatsQuery,
  type DeliveryWithMessage,
  type HistoryRecord,
  LAG_SAMPLE_SIZE,
  type NewHistoryEntry,
  type QueueStats,
  type RequeuedDelivery,
  type RouteRecord,
  type SetRouteResult,
  type UpdateWebhookOptions,
  WEBHOOK_PATCH_COLUMNS,
  type WebhookPatch,
  type WebhookRecord,
} from '@segment-webhook/core';
import type { DeliveryStatus, JsonValue, WebhookStatus } from '@segment-webhook/core/contract';
import type pg from 'pg';
import { guardCheckedOut } from './failures';
import { MESSAGE_NOT_DERIVED } from './migrations';
import { DELIVERY_COLUMNS, num, numOrNull, type Row, toAttempt, toDelivery, toHistory, toWebhook } from './rows';

/**
 * How claims pick among due deliveries: `fair` shares each claim across write keys (the `Store` contract);
 * `due` takes the oldest due deliveries whatever their key (the order before fair sharing).
 */
export type ClaimOrder = 'fair' | 'due';

/** A statement prepared by name on each pooled connection (the name carries a hash of the text). */
export interface NamedStatement {
  name: string;
  text: string;
}

/**
 * A CTE that makes the statement's own (implicit) transaction commit without waiting for the WAL flush
 * (`synchronous_commit = off`, local to that transaction). Used for the engine's bookkeeping only — claims
 * and attempt records: if the database server crashes, their last few hundred milliseconds may be lost, which
 * only means that a delivery is claimed and sent again with the same messageId (Segment de-duplicates). The
 * outbox itself (insertDeliveries) and everything the user changes commit durably.
 */
const RELAXED_COMMIT = `relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS setting)`;

/** The hot statements, prepared by name per connection. `s` is the quoted schema. */
export function buildStatements(s: string, schemaName: string) {
  const named = (label: string, text: string): NamedStatement => ({
    name: `swk_${label}_${createHash('sha1').update(`${schemaName}\n${text}`).digest('hex').slice(0, 12)}`,
    text,
  });
  /** A webhook's due deliveries, oldest first (index deliveries_webhook_due_idx). */
  const due = `d.webhook_id = c.webhook_id AND d.status IN ('pending', 'retrying') AND d.next_attempt_at <= $1::bigint`;
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
           next_attempt_at, lease_owner, config_version)
         SELECT x.id, x.account_id, x.webhook_id, x.event_id, x.person_id, x.activity_id, x.source,
           -- What is routed to a webhook that is not active is recorded, not sent (judged by this statement).
           CASE WHEN ws.status = 'active' THEN 'pending' ELSE 'skipped' END,
           x.message_id, x.message, 0, 0, x.occurred_at, x.created_at, x.created_at, x.created_at,
           CASE WHEN ws.status IS DISTINCT FROM 'active' THEN NULL WHEN e.ok THEN x.lease_until ELSE x.created_at END,
           CASE WHEN e.ok THEN x.lease_owner END, x.config_version
         FROM json_to_recordset($1::json) AS x(id text, account_id text, webhook_id text, event_id text,
           person_id text, activity_id text, source text, message_id text, message json, occurred_at bigint,
           created_at bigint, lease_owner text, lease_until bigint, lease_now bigint, config_version integer)
         LEFT JOIN ${s}.webhooks ws ON ws.id = x.webhook_id
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
         RETURNING id, message_id, webhook_id, source, event_id, lease_owner, next_attempt_at, status
       )
       SELECT ins.*, w.write_key_ciphertext, w.write_key_fingerprint, w.region, w.version AS webhook_version
       FROM ins LEFT JOIN ${s}.webhooks w ON ins.lease_owner IS NOT NULL AND w.id = ins.webhook_id`,
    ),
    /**
     * $1 now, $2 leaseMs, $3 limit, $4 owner, $5 fair. Per claimable webhook, its `limit` oldest due
     * deliveries are candidates (read from the index, not locked): the `limit` oldest of any write key are
     * among them. With `fair`, they are ranked in turns per write key (`turn`: the rank within the key),
     * otherwise by age alone; the first `limit` give each webhook its share, and each webhook's share is then
     * locked, oldest first, skipping rows other claimers hold (they take the next ones instead).
     */
    claim: named(
      'claim',
      `WITH ${RELAXED_COMMIT},
       claimable AS (
         SELECT w.id AS webhook_id, w.write_key_fingerprint AS fingerprint FROM ${s}.webhooks w
         WHERE w.status = 'active' AND w.health_state = 'healthy'
           AND NOT EXISTS (SELECT 1 FROM ${s}.write_key_pauses p
                           WHERE p.fingerprint = w.write_key_fingerprint AND p.until > $1::bigint)
       ),
       candidates AS (
         SELECT c.webhook_id, c.fingerprint, d.id, d.next_attempt_at AS due_at
         FROM claimable c CROSS JOIN LATERAL (
           SELECT d.id, d.next_attempt_at FROM ${s}.deliveries d WHERE ${due}
           ORDER BY d.next_attempt_at, d.id LIMIT $3
         ) d
       ),
       shares AS (
         SELECT webhook_id, count(*) AS n FROM (
           SELECT webhook_id FROM (
             SELECT webhook_id, due_at, id,
                    CASE WHEN $5::boolean
                      THEN row_number() OVER (PARTITION BY fingerprint ORDER BY due_at, id) ELSE 0 END AS turn
             FROM candidates
           ) ranked
           ORDER BY turn, due_at, id LIMIT $3
         ) picked
         GROUP BY webhook_id
       ),
       locked AS (
         SELECT l.id, l.next_attempt_at AS due_at FROM shares c CROSS JOIN LATERAL (
           SELECT d.id, d.next_attempt_at FROM ${s}.deliveries d WHERE ${due}
           ORDER BY d.next_attempt_at, d.id LIMIT c.n
           FOR UPDATE OF d SKIP LOCKED
         ) l
         -- At most the limit in all (the shares add up to it): lets the planner update by primary key.
         LIMIT $3
       )
       UPDATE ${s}.deliveries d SET next_attempt_at = $1::bigint + $2::bigint, lease_owner = $4
       FROM locked CROSS JOIN relaxed, ${s}.webhooks w
       WHERE d.id = locked.id AND w.id = d.webhook_id
       RETURNING ${DELIVERY_COLUMNS}, d.message, locked.due_at, w.write_key_ciphertext, w.write_key_fingerprint,
         w.region, w.version AS webhook_version`,
    ),
    complete: named(
      'complete',
      `WITH ${RELAXED_COMMIT},
       c AS (
         SELECT x.* FROM json_to_recordset($2::json) AS x(delivery_id text, number integer, at bigint,
           http_status integer, latency_ms double precision, outcome text, error text, response_body text,
           counted boolean, status text, next_attempt_at bigint, last_error text, config_version integer)
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
           first_delivered_at = CASE WHEN c.status = 'delivered' THEN COALESCE(d.first_delivered_at, c.at)
             ELSE d.first_delivered_at END,
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
         INSERT INTO ${s}.attempts (delivery_id, number, at, http_status, latency_ms, outcome, error, response_body,
           config_version)
         SELECT c.delivery_id, c.number, c.at, c.http_status, c.latency_ms, c.outcome, c.error, c.response_body,
           c.config_version
         FROM c JOIN upd ON upd.id = c.delivery_id
       )
       SELECT id, webhook_id FROM upd`,
    ),
    notify: named('notify', 'SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload'),
  };
}

/** The statements of one store: every operation, run on its pool. */
export class PostgresStatements {
  readonly named: ReturnType<typeof buildStatements>;

  /**
   * @param pool the store's pool
   * @param s the quoted schema
   * @param schemaName the schema's name
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly s: string,
    private readonly schemaName: string,
    private readonly claimOrder: ClaimOrder = 'fair',
  ) {
    this.named = buildStatements(s, schemaName);
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

  // Gauges and readiness -------------------------------------------------------------------------------

  /** The latest schema version applied, 0 before any migration (the readiness check's cheap read). */
  async schemaVersion(): Promise<number> {
    const { rows } = await this.pool.query<{ exists: string | null }>('SELECT to_regclass($1) AS exists', [
      `${this.s}.schema_migrations`,
    ]);
    if (!rows[0]?.exists) return 0;
    const { rows: versions } = await this.pool.query<{ version: number | null }>(
      `SELECT max(version) AS version FROM ${this.s}.schema_migrations`,
    );
    return versions[0]?.version ?? 0;
  }

  /**
   * A write that needs new room, undone at once: the probe table truncated (a new, empty file) and one row
   * inserted, which extends that file by a page, then rolled back. On a full disk or tablespace the insert
   * fails with 53100; an update of an existing row could succeed in the room its page already has.
   */
  async probeStorage(): Promise<void> {
    const client = await this.pool.connect();
    const release = guardCheckedOut(client);
    try {
      await client.query('BEGIN');
      await client.query(`TRUNCATE ${this.s}.storage_probe`);
      await client.query(`INSERT INTO ${this.s}.storage_probe (pad) VALUES (repeat('x', 100))`);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      release();
    }
  }

  /**
   * The outbox's gauges: unfinished deliveries per webhook and status, with the oldest of each, from the
   * entries of deliveries_unfinished_idx (cost grows with the unfinished deliveries, not the history).
   */
  async queueStats(): Promise<QueueStats> {
    const { rows } = await this.pool.query(
      `WITH unfinished AS (
         SELECT webhook_id, status, count(*) AS n, min(cycle_started_at) AS oldest FROM ${this.s}.deliveries
         WHERE status IN ('pending', 'retrying') GROUP BY webhook_id, status
       )
       SELECT u.status, (w.status = 'active' AND w.health_state = 'healthy') AS sending,
              sum(u.n) AS n, min(u.oldest) AS oldest
       FROM unfinished u JOIN ${this.s}.webhooks w ON w.id = u.webhook_id
       GROUP BY 1, 2`,
    );
    const { rows: attention } = await this.pool.query(
      `SELECT count(*) AS n FROM ${this.s}.webhooks WHERE health_state = 'needs_attention' AND status <> 'archived'`,
    );
    const stats: QueueStats = {
      pending: 0,
      retrying: 0,
      held: 0,
      oldestUnfinishedAt: null,
      webhooksNeedingAttention: num(attention[0]?.n ?? 0),
    };
    for (const row of rows) {
      const n = num(row.n);
      if (!row.sending) {
        stats.held += n;
        continue;
      }
      stats[row.status as 'pending' | 'retrying'] += n;
      const oldest = num(row.oldest);
      if (stats.oldestUnfinishedAt === null || oldest < stats.oldestUnfinishedAt) stats.oldestUnfinishedAt = oldest;
    }
    return stats;
  }

  // Webhooks -----------------------------------------------------------------------------------------

  async insertWebhook(webhook: WebhookRecord, history?: NewHistoryEntry): Promise<void> {
    // One statement: the webhook and its first history entry (the foreign key is checked at its end).
    await this.pool.query(
      `WITH w AS (
         INSERT INTO ${this.s}.webhooks (id, account_id, name, track_event_name, region, send_activity_payload, fields,
           status, health_state, health_reason, health_since, refused_batches, write_key_ciphertext, write_key_hint,
           write_key_fingerprint, created_at, updated_at, version, disconnected_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         RETURNING id, version
       )
       INSERT INTO ${this.s}.webhook_history (webhook_id, version, at, actor, changes)
       SELECT w.id, w.version, $20::bigint, $21::text, $22::json FROM w WHERE $20::bigint IS NOT NULL`,
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
        webhook.version,
        webhook.disconnectedAt,
        history?.at ?? null,
        history?.actor ?? null,
        history ? JSON.stringify(history.changes) : null,
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
    options: UpdateWebhookOptions = {},
  ): Promise<WebhookRecord | null> {
    const sets: string[] = [];
    const values: unknown[] = [
      webhookId,
      accountId,
      ifStatus ? [...ifStatus] : null,
      options.ifVersion ?? null,
      options.ifHealth ?? null,
    ];
    for (const [key, column] of Object.entries(WEBHOOK_PATCH_COLUMNS) as [keyof WebhookPatch, string][]) {
      if (!(key in patch) || patch[key] === undefined) continue;
      const value = key === 'fields' ? JSON.stringify(patch[key]) : patch[key];
      values.push(value);
      sets.push(`${column} = $${values.length}${key === 'fields' ? '::jsonb' : ''}`);
    }
    if (options.history) sets.push('version = version + 1');
    const where = `id = $1 AND account_id = $2 AND ($3::text[] IS NULL OR status = ANY($3::text[]))
      AND ($4::integer IS NULL OR version = $4::integer)
      AND ($5::text IS NULL OR health_state = $5::text)`;
    if (sets.length === 0) {
      const { rows } = await this.pool.query(`SELECT * FROM ${this.s}.webhooks WHERE ${where}`, values);
      return rows[0] ? toWebhook(rows[0]) : null;
    }
    const update = `UPDATE ${this.s}.webhooks SET ${sets.join(', ')} WHERE ${where} RETURNING *`;
    if (patch.status !== 'archived' && !options.history) {
      const { rows } = await this.pool.query(update, values);
      return rows[0] ? toWebhook(rows[0]) : null;
    }
    return this.transaction(async (client) => {
      const { rows } = await client.query(update, values);
      const row = rows[0];
      if (!row) return null;
      if (options.history) {
        const entry = options.history;
        await client.query(
          `INSERT INTO ${this.s}.webhook_history (webhook_id, version, at, actor, changes) VALUES ($1, $2, $3, $4, $5::json)`,
          [webhookId, row.version, entry.at, entry.actor, JSON.stringify(entry.changes)],
        );
      }
      if (patch.status === 'archived') {
        // Archiving releases the webhook's outbound streams and drops what it skipped while disconnected.
        await client.query(`DELETE FROM ${this.s}.routes WHERE webhook_id = $1`, [webhookId]);
        await client.query(`DELETE FROM ${this.s}.deliveries WHERE webhook_id = $1 AND status = 'skipped'`, [
          webhookId,
        ]);
      }
      return toWebhook(row);
    });
  }

  async listWebhookHistory(
    accountId: string,
    webhookId: string,
    beforeVersion: number | null,
    limit: number,
  ): Promise<HistoryRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT h.* FROM ${this.s}.webhook_history h JOIN ${this.s}.webhooks w ON w.id = h.webhook_id
       WHERE h.webhook_id = $1 AND w.account_id = $2 AND ($3::integer IS NULL OR h.version < $3::integer)
       ORDER BY h.version DESC LIMIT $4`,
      [webhookId, accountId, beforeVersion, Math.max(0, Math.floor(limit))],
    );
    return rows.map(toHistory);
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

  // Routes -------------------------------------------------------------------------------------------

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

  /** The routes of these (account, activity) pairs, each row a webhook with `route_account_id` and `route_activity_id`. */
  async resolveRoutes(pairs: readonly { account_id: string; activity_id: string }[]): Promise<Row[]> {
    const { rows } = await this.pool.query({
      name: this.named.resolveRoutes.name,
      text: this.named.resolveRoutes.text,
      values: [JSON.stringify(pairs)],
    });
    return rows;
  }

  // The outbox ---------------------------------------------------------------------------------------

  /** Runs the insert statement on rows built by group-commit.ts; returns the rows it created. */
  async insertDeliveries(rows: readonly Row[]): Promise<Row[]> {
    const { rows: inserted } = await this.pool.query({
      name: this.named.insertDeliveries.name,
      text: this.named.insertDeliveries.text,
      values: [JSON.stringify(rows)],
    });
    return inserted;
  }

  /** The deliveries that hold these keys. */
  async existingDeliveries(keys: readonly { webhook_id: string; source: string; event_id: string }[]): Promise<Row[]> {
    const { rows } = await this.pool.query(
      `SELECT d.id, d.message_id, d.webhook_id, d.source, d.event_id
       FROM json_to_recordset($1::json) AS k(webhook_id text, source text, event_id text)
       JOIN ${this.s}.deliveries d
         ON d.webhook_id = k.webhook_id AND d.source = k.source AND d.event_id = k.event_id`,
      [JSON.stringify(keys)],
    );
    return rows;
  }

  async claimDeliveries(owner: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const { rows } = await this.pool.query({
      name: this.named.claim.name,
      text: this.named.claim.text,
      values: [now, leaseMs, limit, owner, this.claimOrder === 'fair'],
    });
    rows.sort((a, b) => num(a.due_at) - num(b.due_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows.map((row) => ({
      ...toDelivery(row),
      message: row.message as ClaimedDelivery['message'],
      writeKeyCiphertext: row.write_key_ciphertext as string,
      writeKeyFingerprint: row.write_key_fingerprint as string,
      region: row.region as ClaimedDelivery['region'],
      webhookVersion: num(row.webhook_version),
    }));
  }

  /** Records the completions (the first of each delivery: a repeat in one call would add a second attempt row). */
  async completeAttempts(owner: string, completions: readonly AttemptCompletion[], now: number): Promise<Row[]> {
    const seen = new Set<string>();
    const rows = [];
    for (const c of completions) {
      if (seen.has(c.deliveryId)) continue;
      seen.add(c.deliveryId);
      rows.push({
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
        config_version: c.attempt.configVersion ?? null,
      });
    }
    const { rows: applied } = await this.pool.query({
      name: this.named.complete.name,
      text: this.named.complete.text,
      values: [owner, JSON.stringify(rows), now],
    });
    return applied;
  }

  async releaseLeases(owner: string, now: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${this.s}.deliveries SET next_attempt_at = $2, lease_owner = NULL
       WHERE lease_owner = $1 AND status IN ('pending', 'retrying')`,
      [owner, now],
    );
    return rowCount ?? 0;
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
    return rows.map((row) => row.id as string);
  }

  async requeueDeliveries(
    accountId: string,
    webhookId: string,
    now: number,
    deliveryIds: readonly string[],
    statuses: readonly DeliveryStatus[],
  ): Promise<RequeuedDelivery[]> {
    const { rows } = await this.pool.query(
      `UPDATE ${this.s}.deliveries SET status = 'pending', next_attempt_at = $3, cycle_started_at = $3,
         updated_at = $3, counted_attempts = 0, delivered_at = NULL, lease_owner = NULL
       WHERE account_id = $1 AND webhook_id = $2 AND id = ANY($4::text[]) AND status = ANY($5::text[])
       RETURNING id, first_delivered_at`,
      [accountId, webhookId, now, [...new Set(deliveryIds)], [...statuses]],
    );
    return rows.map((row) => ({ id: row.id as string, firstDeliveredAt: numOrNull(row.first_delivered_at) }));
  }

  async countSkipped(accountId: string, webhookId: string, since: number): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT count(*) AS n FROM ${this.s}.deliveries
       WHERE webhook_id = $2 AND account_id = $1 AND status = 'skipped' AND created_at >= $3`,
      [accountId, webhookId, since],
    );
    return num(rows[0]?.n ?? 0);
  }

  async sampleMessageProperties(
    accountId: string,
    webhookId: string,
    since: number,
    until: number,
    limit: number,
  ): Promise<Record<string, JsonValue>[]> {
    const { rows } = await this.pool.query(
      `SELECT d.message -> 'properties' AS properties FROM ${this.s}.deliveries d
       WHERE d.webhook_id = $2 AND d.account_id = $1 AND d.created_at >= $3 AND d.created_at < $4
       ORDER BY d.created_at DESC, d.id DESC LIMIT $5`,
      [accountId, webhookId, since, until, Math.max(0, Math.floor(limit))],
    );
    return rows.map((row) => (row.properties ?? {}) as Record<string, JsonValue>);
  }

  async pruneDeliveries(olderThan: number, limit: number): Promise<number> {
    // Attempts go with their deliveries (ON DELETE CASCADE).
    const { rowCount } = await this.pool.query(
      `DELETE FROM ${this.s}.deliveries WHERE id IN (
         SELECT id FROM ${this.s}.deliveries
         WHERE status IN ('delivered', 'failed', 'skipped') AND created_at < $1
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [olderThan, limit],
    );
    return rowCount ?? 0;
  }

  // Reading ------------------------------------------------------------------------------------------

  async listDeliveries(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
  ): Promise<DeliveryRecord[]> {
    const { rows } = await this.pool.query(this.listQuery(accountId, webhookId, filter, after, limit, false));
    return rows.map(toDelivery);
  }

  async listDeliveriesWithMessages(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
  ): Promise<DeliveryWithMessage[]> {
    const { rows } = await this.pool.query(this.listQuery(accountId, webhookId, filter, after, limit, true));
    return rows.map((row) => ({ ...toDelivery(row), messageJson: row.message_json as string }));
  }

  /**
   * The list query: newest first, keyset after `after`. With `q`, the candidates are the union of the
   * lookups that can match it — the event id (two index probes, one per source), the messageId (through the
   * event key when `q` has the form the kit derives from an event id, else the partial message index) and
   * the person (the person index, newest first with the other conditions and the limit) — then the page.
   */
  private listQuery(
    accountId: string,
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
    withMessages: boolean,
  ): { text: string; values: unknown[] } {
    const values: unknown[] = [accountId, webhookId];
    const where = ['d.account_id = $1', 'd.webhook_id = $2'];
    const param = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (filter.status !== undefined) where.push(`d.status = ${param(filter.status)}`);
    if (filter.personId !== undefined) where.push(`d.person_id = ${param(filter.personId)}`);
    if (filter.eventId !== undefined) where.push(`d.event_id = ${param(filter.eventId)}`);
    if (filter.from !== undefined) where.push(`d.created_at >= ${param(filter.from)}`);
    if (filter.to !== undefined) where.push(`d.created_at < ${param(filter.to)}`);
    if (after) {
      where.push(`(d.created_at, d.id) < (${param(after.createdAt)}::bigint, ${param(after.id)}::text)`);
    }
    const rowLimit = param(Math.max(0, Math.floor(limit)));
    const columns = `${DELIVERY_COLUMNS}${withMessages ? ', d.message::text AS message_json' : ''}`;
    const order = `ORDER BY d.created_at DESC, d.id DESC LIMIT ${rowLimit}`;
    if (filter.q === undefined) {
      return { text: `SELECT ${columns} FROM ${this.s}.deliveries d WHERE ${where.join(' AND ')} ${order}`, values };
    }
    const q = param(filter.q);
    const branches = [
      `SELECT id FROM ${this.s}.deliveries WHERE webhook_id = $2 AND source IN ('activity', 'send') AND event_id = ${q}`,
      `SELECT id FROM ${this.s}.deliveries WHERE webhook_id = $2 AND message_id = ${q} AND ${MESSAGE_NOT_DERIVED}`,
      `(SELECT d.id FROM ${this.s}.deliveries d WHERE ${where.join(' AND ')} AND d.person_id = ${q} ${order})`,
    ];
    const prefix = `${webhookId}:`;
    if (filter.q.startsWith(prefix)) {
      const rest = filter.q.slice(prefix.length);
      branches.push(
        `SELECT id FROM ${this.s}.deliveries WHERE webhook_id = $2 AND source = 'activity' AND event_id = ${param(rest)} AND message_id = ${q}`,
      );
      if (rest.startsWith('send:')) {
        branches.push(
          `SELECT id FROM ${this.s}.deliveries WHERE webhook_id = $2 AND source = 'send' AND event_id = ${param(rest.slice('send:'.length))} AND message_id = ${q}`,
        );
      }
    }
    return {
      text: `SELECT ${columns} FROM ${this.s}.deliveries d
        WHERE d.id IN (${branches.join(' UNION ')}) AND ${where.join(' AND ')} ${order}`,
      values,
    };
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
        // percentile_disc(p) is the smallest value whose cumulative share reaches p: nearest rank ceil(p · n),
        // over the latest LAG_SAMPLE_SIZE deliveries of the range (the Store contract's bound, as SQLite).
        `SELECT
           (SELECT max(delivered_at) FROM ${this.s}.deliveries
             WHERE account_id = $1 AND webhook_id = $2 AND status = 'delivered') AS last_delivered_at,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY lag) AS p50,
           percentile_disc(0.95) WITHIN GROUP (ORDER BY lag) AS p95
         FROM (
           SELECT delivered_at - occurred_at AS lag FROM ${this.s}.deliveries
           WHERE webhook_id = $2 AND account_id = $1 AND delivered_at >= $3 AND delivered_at < $4
           ORDER BY delivered_at DESC LIMIT $5
         ) latest`,
        [...scope, since, until, LAG_SAMPLE_SIZE],
      ),
    ]);
    const byStatus: Record<DeliveryStatus, number> = { pending: 0, retrying: 0, delivered: 0, failed: 0, skipped: 0 };
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
}
