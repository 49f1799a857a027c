/**
 * Statements of the SQLite store: the SQL of every operation and the (synchronous) transactions that run
 * it. The store's methods (sqlite-store.ts) add validation, durability, group commit and notifications.
 */
import {
  type AttemptCompletion,
  type AttemptRecord,
  type BatchResult,
  type ClaimedDelivery,
  claimedAtInsert,
  type DeliveryCursor,
  type DeliveryDetailRecord,
  type DeliveryFilter,
  type DeliveryRecord,
  type DeliveryStats,
  type DeliveryStatsQuery,
  type DeliveryWithMessage,
  type HistoryRecord,
  type InsertedDelivery,
  LAG_SAMPLE_SIZE,
  type NewHistoryEntry,
  type QueueStats,
  type RequeuedDelivery,
  type RouteRecord,
  type SetRouteResult,
  takeInTurns,
  type UpdateWebhookOptions,
  WEBHOOK_PATCH_COLUMNS,
  type WebhookPatch,
  type WebhookRecord,
} from '@segment-webhook/core';
import type { DeliveryStatus, JsonValue, TrackMessage, WebhookStatus } from '@segment-webhook/core/contract';
import type Database from 'better-sqlite3';
import type { InsertCall, InsertCommit } from './group-commit';
import { createPersonSearch, SEARCH_RUN_ROWS } from './person-search';
import {
  DELIVERY_COLUMNS,
  type DeliveryColumnKeys,
  deliveryColumnIndexes,
  MESSAGE_NOT_DERIVED,
  type Row,
  toAttempt,
  toDelivery,
  toHistory,
  toWebhook,
  webhookValue,
} from './rows';

/** Up to this many pending deliveries, a pending page reads them all from the claim queue and sorts them. */
const PENDING_SORT_LIMIT = 20_000;

/**
 * How claims pick among due deliveries: `fair` shares each claim across write keys (the `Store` contract);
 * `due` takes the oldest due deliveries whatever their key (the order before fair sharing).
 */
export type ClaimOrder = 'fair' | 'due';

/** The claim queries (also read by the query-plan test). */
export const CLAIM_SQL = {
  /** The claimable webhooks (active, healthy, key not paused) that have due deliveries. */
  webhooks: `SELECT w.id, w.write_key_fingerprint FROM webhooks w
    LEFT JOIN key_pauses p ON p.fingerprint = w.write_key_fingerprint
    WHERE w.status = 'active' AND w.health_state = 'healthy' AND (p.paused_until IS NULL OR p.paused_until <= ?)
      AND EXISTS (SELECT 1 FROM deliveries d INDEXED BY deliveries_due_webhook
                  WHERE d.webhook_id = w.id AND d.status IN ('pending', 'retrying') AND d.next_attempt_at <= ?)`,
  /** One webhook's oldest due deliveries: index entries only. */
  due: `SELECT seq, next_attempt_at FROM deliveries INDEXED BY deliveries_due_webhook
    WHERE webhook_id = ? AND status IN ('pending', 'retrying') AND next_attempt_at <= ?
    ORDER BY next_attempt_at, seq LIMIT ?`,
};

/** Hooks of the store that the statements call. */
export interface StatementHooks {
  /** A webhook row changed: cached routes (which hold webhooks) must go. */
  invalidateRoutes(): void;
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
    x.responseBody === y.responseBody &&
    x.configVersion === y.configVersion
  );
}

/**
 * The statements of one database connection. Writes of several statements are better-sqlite3 transactions
 * (synchronous), begun `IMMEDIATE`.
 */
export function createStatements(
  db: Database.Database,
  hooks: StatementHooks,
  claimOrder: ClaimOrder = 'fair',
  searchRunRows: number = SEARCH_RUN_ROWS,
) {
  // Prepared lazily (after the schema exists) and reused.
  const cache = new Map<string, Database.Statement>();
  function stmt(sql: string): Database.Statement {
    let statement = cache.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      cache.set(sql, statement);
    }
    return statement;
  }

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

  const personSearch = createPersonSearch(stmt, searchRunRows);

  const getWebhookRow = (accountId: string, webhookId: string): Row | undefined =>
    stmt('SELECT * FROM webhooks WHERE id = ? AND account_id = ?').get(webhookId, accountId) as Row | undefined;

  const insertHistory = (webhookId: string, version: number, entry: NewHistoryEntry): void => {
    stmt('INSERT INTO webhook_history (webhook_id, version, at, actor, changes) VALUES (?, ?, ?, ?, ?)').run(
      webhookId,
      version,
      entry.at,
      entry.actor,
      JSON.stringify(entry.changes),
    );
  };

  const countStreams = (accountId: string): number =>
    (
      stmt(
        "SELECT COUNT(*) AS n FROM routes r JOIN webhooks w ON w.id = r.webhook_id WHERE r.account_id = ? AND w.status != 'archived'",
      ).get(accountId) as { n: number }
    ).n;

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

  /** `fn` as a transaction that takes the write lock at once (`BEGIN IMMEDIATE`: no upgrade deadlocks). */
  function immediate<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    const transaction = db.transaction(fn);
    return (...args: A) => transaction.immediate(...args);
  }

  /**
   * `fn`'s reads in one snapshot (a deferred transaction: no write lock): a person search reads the runs,
   * then the rows, and another connection's insert must not move rows into a run in between.
   */
  function readSnapshot<R>(fn: () => R): R {
    return db.inTransaction ? fn() : db.transaction(fn).deferred();
  }

  /** Positions of the delivery columns in each raw list statement, found by name once per statement. */
  const listColumns = new Map<Database.Statement, DeliveryColumnKeys>();
  function listColumnKeys(statement: Database.Statement): DeliveryColumnKeys {
    let keys = listColumns.get(statement);
    if (!keys) {
      keys = deliveryColumnIndexes(statement.columns());
      listColumns.set(statement, keys);
    }
    return keys;
  }

  /**
   * The list query of a webhook's deliveries (newest first, keyset after `after`), as a raw statement and
   * its parameters. Each filter picks the index that reads least: an event id is a direct lookup, a person
   * reads one bucket of the person index, a status its partial index or (pending) the claim queue, and
   * `q` is the union of the lookups that can match it (see {@link searchBranches}).
   */
  function listStatement(
    webhookId: string,
    filter: DeliveryFilter,
    after: DeliveryCursor | null,
    limit: number,
    withMessages: boolean,
  ): { statement: Database.Statement; params: unknown[] } {
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
    const rowLimit = Math.max(0, Math.floor(limit));
    const select = `SELECT ${DELIVERY_COLUMNS}${withMessages ? ', d.message' : ''} FROM deliveries d`;
    const order = 'ORDER BY d.created_at DESC, d.id DESC LIMIT ?';
    // The person's rows come from the search runs (person-search.ts), as candidate row ids.
    const person = (personId: string): number[] =>
      personSearch.search({
        webhookId,
        personId,
        where,
        whereParams: params,
        from: filter.from,
        to: filter.to,
        after,
        limit: rowLimit,
      });
    if (filter.q !== undefined || (filter.personId && !filter.eventId)) {
      const branches =
        filter.q !== undefined
          ? searchBranches(webhookId, filter.q, person(filter.q))
          : { sql: 'SELECT value FROM json_each(?)', params: [JSON.stringify(person(filter.personId!))] };
      // Raw arrays (this SQL text is only ever run here, so switching its cached statement to raw is safe).
      // NOT INDEXED: the candidates are read by row id and sorted (a few rows); walking the page index
      // instead, testing each entry against the candidates, would read every entry of the webhook.
      const statement = stmt(
        `${select} NOT INDEXED WHERE d.seq IN (${branches.sql}) AND ${where.join(' AND ')} ${order}`,
      ).raw(true);
      return { statement, params: [...branches.params, ...params, rowLimit] };
    }
    // An event id matches at most one row per source: look it up directly instead of walking the page order.
    const index = filter.eventId
      ? 'INDEXED BY deliveries_event'
      : filter.status === 'pending'
        ? pendingIndex(webhookId)
        : filter.status
          ? 'INDEXED BY deliveries_status_page'
          : 'INDEXED BY deliveries_page';
    const statement = stmt(`${select} ${index} WHERE ${where.join(' AND ')} ${order}`).raw(true);
    return { statement, params: [...params, rowLimit] };
  }

  /**
   * The rows `q` can match, as a union of index lookups (row ids): the event id (at most one row per
   * source), the messageId — through the event index when `q` has the form the kit derives from an event id
   * (`webhookId:eventId`, `webhookId:send:eventId`), through the partial index of the other messageIds
   * otherwise — and the person: the row ids the search runs found, newest first with the list's other
   * conditions and limit (a person may have any number of deliveries; the other lookups find at most a
   * few rows).
   */
  function searchBranches(
    webhookId: string,
    q: string,
    personSeqs: readonly number[],
  ): { sql: string; params: unknown[] } {
    const parts = ['SELECT seq FROM deliveries INDEXED BY deliveries_event WHERE webhook_id = ? AND event_id = ?'];
    const params: unknown[] = [webhookId, q];
    const prefix = `${webhookId}:`;
    if (q.startsWith(prefix)) {
      const rest = q.slice(prefix.length);
      parts.push(
        "SELECT seq FROM deliveries INDEXED BY deliveries_event WHERE webhook_id = ? AND event_id = ? AND source = 'activity' AND message_id = ?",
      );
      params.push(webhookId, rest, q);
      if (rest.startsWith('send:')) {
        parts.push(
          "SELECT seq FROM deliveries INDEXED BY deliveries_event WHERE webhook_id = ? AND event_id = ? AND source = 'send' AND message_id = ?",
        );
        params.push(webhookId, rest.slice('send:'.length), q);
      }
    }
    parts.push(
      `SELECT seq FROM deliveries INDEXED BY deliveries_message WHERE webhook_id = ? AND message_id = ? AND ${MESSAGE_NOT_DERIVED}`,
    );
    params.push(webhookId, q);
    parts.push('SELECT value FROM json_each(?)');
    params.push(JSON.stringify(personSeqs));
    return { sql: parts.join(' UNION '), params };
  }

  return {
    // Webhooks ---------------------------------------------------------------------------------------

    insertWebhook: immediate((webhook: WebhookRecord, history?: NewHistoryEntry): void => {
      stmt(
        `INSERT INTO webhooks (id, account_id, name, track_event_name, region, send_activity_payload, fields, status,
           health_state, health_reason, health_since, refused_batches, write_key_ciphertext, write_key_hint,
           write_key_fingerprint, version, disconnected_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
        webhook.version,
        webhook.disconnectedAt,
        webhook.createdAt,
        webhook.updatedAt,
      );
      if (history) insertHistory(webhook.id, webhook.version, history);
    }),

    getWebhook(accountId: string, webhookId: string): WebhookRecord | null {
      const row = getWebhookRow(accountId, webhookId);
      return row ? toWebhook(row) : null;
    },

    /** Whether the webhook exists in this account (cheaper than reading it). */
    hasWebhook(accountId: string, webhookId: string): boolean {
      return stmt('SELECT 1 FROM webhooks WHERE id = ? AND account_id = ?').get(webhookId, accountId) !== undefined;
    },

    listWebhooks(accountId: string, status?: WebhookStatus): WebhookRecord[] {
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

    updateWebhook: immediate(
      (
        accountId: string,
        webhookId: string,
        patch: WebhookPatch,
        ifStatus?: readonly WebhookStatus[],
        options: UpdateWebhookOptions = {},
      ): WebhookRecord | null => {
        const row = getWebhookRow(accountId, webhookId);
        if (!row) return null;
        if (ifStatus && !ifStatus.includes(row.status as WebhookStatus)) return null;
        if (options.ifVersion !== undefined && row.version !== options.ifVersion) return null;
        if (options.ifHealth !== undefined && row.health_state !== options.ifHealth) return null;
        const keys = (Object.keys(patch) as (keyof WebhookPatch)[]).filter(
          (k) => k in WEBHOOK_PATCH_COLUMNS && patch[k] !== undefined,
        );
        const sets = keys.map((k) => `${WEBHOOK_PATCH_COLUMNS[k]} = ?`);
        if (options.history) sets.push('version = version + 1');
        if (sets.length > 0) {
          db.prepare(`UPDATE webhooks SET ${sets.join(', ')} WHERE id = ?`).run(
            ...keys.map((k) => webhookValue(k, patch[k])),
            webhookId,
          );
        }
        if (options.history) insertHistory(webhookId, (row.version as number) + 1, options.history);
        if (patch.status === 'archived') {
          stmt('DELETE FROM routes WHERE webhook_id = ?').run(webhookId);
          // Archiving drops what was skipped while it was disconnected.
          const dropped = stmt(
            "DELETE FROM deliveries INDEXED BY deliveries_skipped WHERE webhook_id = ? AND status = 'skipped'",
          ).run(webhookId).changes;
          if (dropped > 0) {
            const counts = new CountDeltas();
            counts.add(webhookId, 'skipped', -dropped);
            counts.apply();
          }
        }
        return toWebhook(getWebhookRow(accountId, webhookId)!);
      },
    ),

    listWebhookHistory(
      accountId: string,
      webhookId: string,
      beforeVersion: number | null,
      limit: number,
    ): HistoryRecord[] {
      const rows = stmt(
        `SELECT h.* FROM webhook_history h JOIN webhooks w ON w.id = h.webhook_id
         WHERE h.webhook_id = ? AND w.account_id = ? AND h.version < ? ORDER BY h.version DESC LIMIT ?`,
      ).all(webhookId, accountId, beforeVersion ?? Number.MAX_SAFE_INTEGER, Math.max(0, Math.floor(limit))) as Row[];
      return rows.map(toHistory);
    },

    /** By hand (the file runs with `foreign_keys = OFF`): what PostgreSQL's foreign keys cascade. */
    deleteWebhook: immediate((accountId: string, webhookId: string, ifStatus: readonly WebhookStatus[]): boolean => {
      const row = getWebhookRow(accountId, webhookId);
      if (!row || !ifStatus.includes(row.status as WebhookStatus)) return false;
      stmt('DELETE FROM deliveries WHERE webhook_id = ?').run(webhookId);
      personSearch.dropWebhook(webhookId);
      stmt('DELETE FROM delivery_counts WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM webhook_history WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM routes WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM webhooks WHERE id = ?').run(webhookId);
      return true;
    }),

    recordBatches: immediate((results: readonly BatchResult[], threshold: number, now: number): string[] => {
      const tipped: string[] = [];
      for (const result of results) {
        const row = stmt('SELECT refused_batches, health_state FROM webhooks WHERE id = ?').get(result.webhookId) as
          | Row
          | undefined;
        if (!row) continue;
        if (!result.refused) {
          if (row.refused_batches !== 0) {
            stmt('UPDATE webhooks SET refused_batches = 0 WHERE id = ?').run(result.webhookId);
            hooks.invalidateRoutes();
          }
          continue;
        }
        // The webhook's row changes below: the cached routes hold it.
        hooks.invalidateRoutes();
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
    }),

    // Routes -----------------------------------------------------------------------------------------

    listRoutes(accountId: string): RouteRecord[] {
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

    setRoute: immediate((accountId: string, activityId: string, webhookId: string, limit: number): SetRouteResult => {
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
    }),

    deleteRoute(accountId: string, activityId: string): boolean {
      return stmt('DELETE FROM routes WHERE account_id = ? AND activity_id = ?').run(accountId, activityId).changes > 0;
    },

    countStreams,

    /** The destination webhook of one activity, or null. */
    resolveRoute(accountId: string, activityId: string): WebhookRecord | null {
      const row = stmt(
        'SELECT w.* FROM routes r JOIN webhooks w ON w.id = r.webhook_id WHERE r.account_id = ? AND r.activity_id = ? AND w.account_id = r.account_id',
      ).get(accountId, activityId) as Row | undefined;
      return row ? toWebhook(row) : null;
    },

    // The outbox -------------------------------------------------------------------------------------

    /**
     * Inserts the deliveries of several calls in one transaction (see group-commit.ts). A delivery whose
     * webhook does not exist fails the transaction, as PostgreSQL's foreign key does.
     */
    insertDeliveries: immediate((calls: readonly InsertCall[]): InsertCommit => {
      const insert = stmt(
        `INSERT INTO deliveries (seq, id, account_id, webhook_id, source, event_id, person_id, activity_id,
           status, message_id, message, occurred_at, created_at, updated_at, cycle_started_at, next_attempt_at,
           lease_owner, config_version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (webhook_id, event_id, source) DO NOTHING`,
      );
      const existing = stmt(
        'SELECT id, message_id FROM deliveries WHERE webhook_id = ? AND event_id = ? AND source = ?',
      );
      // Each webhook is read once per transaction: it must exist, and claim at insert judges its eligibility
      // as a claim would.
      const readWebhook = stmt(
        `SELECT w.status, w.health_state, w.write_key_ciphertext, w.write_key_fingerprint, w.region, w.version,
           p.paused_until
         FROM webhooks w LEFT JOIN key_pauses p ON p.fingerprint = w.write_key_fingerprint WHERE w.id = ?`,
      );
      const webhookRows = new Map<string, Row>();
      const webhookOf = (webhookId: string): Row => {
        let row = webhookRows.get(webhookId);
        if (!row) {
          row = readWebhook.get(webhookId) as Row | undefined;
          if (!row) throw new Error(`insertDeliveries: the webhook ${webhookId} does not exist.`);
          webhookRows.set(webhookId, row);
        }
        return row;
      };
      const eligible = (row: Row, now: number): boolean =>
        row.status === 'active' &&
        row.health_state === 'healthy' &&
        (row.paused_until === null || (row.paused_until as number) <= now);
      const perCall: InsertedDelivery[][] = [];
      const created: { webhookId: string; id: string }[] = [];
      let due = 0;
      const counts = new CountDeltas();
      const begun = personSearch.beginInsert();
      let { seq } = begun;
      for (const call of calls) {
        const { lease } = call;
        let room = lease ? lease.max : 0;
        const results: InsertedDelivery[] = [];
        for (const d of call.deliveries) {
          const webhookRow = webhookOf(d.webhookId);
          // What is routed to a webhook that is not active is recorded, not sent (judged in this transaction).
          const skipped = webhookRow.status !== 'active';
          const leased = !skipped && lease !== undefined && room > 0 && eligible(webhookRow, lease.now);
          const message = d.messageJson ?? JSON.stringify(d.message);
          seq += 1;
          const info = insert.run(
            seq,
            d.id,
            d.accountId,
            d.webhookId,
            d.source,
            d.eventId,
            d.personId,
            d.activityId,
            skipped ? 'skipped' : 'pending',
            d.messageId,
            message,
            d.occurredAt,
            d.createdAt,
            d.createdAt,
            d.createdAt,
            skipped ? null : leased ? lease.until : d.createdAt,
            leased ? lease.owner : null,
            d.configVersion ?? null,
          );
          if (info.changes === 1 && skipped) {
            results.push({ id: d.id, messageId: d.messageId, created: true, skipped: true });
            created.push({ webhookId: d.webhookId, id: d.id });
            counts.add(d.webhookId, 'skipped', 1);
          } else if (info.changes === 1) {
            const result: InsertedDelivery = { id: d.id, messageId: d.messageId, created: true };
            if (leased) {
              room -= 1;
              result.claimed = claimedAtInsert(d, lease.until, {
                writeKeyCiphertext: webhookRow.write_key_ciphertext as string,
                writeKeyFingerprint: webhookRow.write_key_fingerprint as string,
                region: webhookRow.region as ClaimedDelivery['region'],
                webhookVersion: webhookRow.version as number,
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
      personSearch.afterInsert(seq, begun.watermark);
      return { perCall, created, due };
    }),

    claimDeliveries: immediate((owner: string, now: number, leaseMs: number, limit: number): ClaimedDelivery[] => {
      // Claimable webhooks first (held webhooks' rows are never read), then each one's oldest due
      // deliveries from the claim queue — index entries only, at most `limit` per webhook: the `limit`
      // oldest of any write key are among them.
      const webhooks = stmt(CLAIM_SQL.webhooks).raw().all(now, now) as [string, string][];
      const dueOf = stmt(CLAIM_SQL.due).raw();
      let candidates: { seq: number; due: number; key: string }[] = [];
      for (const [webhookId, fingerprint] of webhooks) {
        for (const [seq, due] of dueOf.all(webhookId, now, limit) as [number, number][]) {
          candidates.push({ seq, due, key: fingerprint });
        }
      }
      if (webhooks.length > 1) candidates.sort((a, b) => a.due - b.due || a.seq - b.seq);
      if (candidates.length > limit) {
        candidates =
          claimOrder === 'fair' ? takeInTurns(candidates, (c) => c.key, limit).taken : candidates.slice(0, limit);
      }
      const read = stmt(
        `SELECT ${DELIVERY_COLUMNS}, d.message, w.write_key_ciphertext, w.write_key_fingerprint, w.region,
           w.version AS webhook_version
           FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.seq = ?`,
      );
      const lease = stmt('UPDATE deliveries SET lease_owner = ?, next_attempt_at = ? WHERE seq = ?');
      const expires = now + leaseMs;
      return candidates.map(({ seq }): ClaimedDelivery => {
        const row = read.get(seq) as Row;
        lease.run(owner, expires, seq);
        return {
          ...toDelivery(row),
          nextAttemptAt: expires,
          message: JSON.parse(row.message as string) as TrackMessage,
          messageJson: row.message as string,
          writeKeyCiphertext: row.write_key_ciphertext as string,
          writeKeyFingerprint: row.write_key_fingerprint as string,
          region: row.region as ClaimedDelivery['region'],
          webhookVersion: row.webhook_version as number,
        };
      });
    }),

    completeAttempts: immediate(
      (owner: string, completions: readonly AttemptCompletion[], now: number): { webhookId: string; id: string }[] => {
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
             last_error = ?, last_http_status = ?, updated_at = ?, next_attempt_at = ?, delivered_at = ?,
             first_delivered_at = COALESCE(first_delivered_at, ?), lease_owner = NULL,
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
            c.status === 'retrying' ? c.nextAttemptAt : null,
            c.status === 'delivered' ? a.at : null,
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
          if (resetRefused.run(webhookId).changes > 0) hooks.invalidateRoutes();
        }
        return applied;
      },
    ),

    releaseLeases(owner: string, now: number): number {
      return stmt(
        "UPDATE deliveries INDEXED BY deliveries_due_webhook SET lease_owner = NULL, next_attempt_at = ? WHERE lease_owner = ? AND status IN ('pending', 'retrying')",
      ).run(now, owner).changes;
    },

    pauseWriteKey(fingerprint: string, until: number): void {
      stmt(
        'INSERT INTO key_pauses (fingerprint, paused_until) VALUES (?, ?) ON CONFLICT (fingerprint) DO UPDATE SET paused_until = MAX(paused_until, excluded.paused_until)',
      ).run(fingerprint, until);
    },

    writeKeyPausedUntil(fingerprint: string, now: number): number | null {
      const row = stmt('SELECT paused_until FROM key_pauses WHERE fingerprint = ?').get(fingerprint) as
        | { paused_until: number }
        | undefined;
      return row && row.paused_until > now ? row.paused_until : null;
    },

    requeueFailed: immediate(
      (accountId: string, webhookId: string, now: number, deliveryIds?: readonly string[]): string[] => {
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
    ),

    requeueDeliveries: immediate(
      (
        accountId: string,
        webhookId: string,
        now: number,
        deliveryIds: readonly string[],
        statuses: readonly DeliveryStatus[],
      ): RequeuedDelivery[] => {
        const rows = stmt(
          `SELECT DISTINCT d.seq, d.id, d.status, d.first_delivered_at FROM json_each(?) j
           CROSS JOIN deliveries d ON d.id = j.value
           WHERE d.account_id = ? AND d.webhook_id = ? AND d.status IN (SELECT value FROM json_each(?))`,
        ).all(JSON.stringify(deliveryIds), accountId, webhookId, JSON.stringify(statuses)) as Row[];
        if (rows.length === 0) return [];
        stmt(
          `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, cycle_started_at = ?, updated_at = ?,
             counted_attempts = 0, delivered_at = NULL, lease_owner = NULL
           WHERE seq IN (SELECT value FROM json_each(?))`,
        ).run(now, now, now, JSON.stringify(rows.map((r) => r.seq)));
        const counts = new CountDeltas();
        for (const row of rows) {
          counts.add(webhookId, row.status as string, -1);
          counts.add(webhookId, 'pending', 1);
        }
        counts.apply();
        return rows.map((row) => ({
          id: row.id as string,
          firstDeliveredAt: (row.first_delivered_at as number | null) ?? null,
        }));
      },
    ),

    countSkipped(webhookId: string, since: number): number {
      return stmt(
        "SELECT COUNT(*) FROM deliveries INDEXED BY deliveries_skipped WHERE webhook_id = ? AND status = 'skipped' AND created_at >= ?",
      )
        .pluck()
        .get(webhookId, since) as number;
    },

    sampleMessageProperties(
      webhookId: string,
      since: number,
      until: number,
      limit: number,
    ): Record<string, JsonValue>[] {
      const texts = stmt(
        `SELECT json_extract(message, '$.properties') FROM deliveries INDEXED BY deliveries_page
         WHERE webhook_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at DESC, id DESC LIMIT ?`,
      )
        .pluck()
        .all(webhookId, since, until, Math.max(0, Math.floor(limit))) as (string | null)[];
      return texts.map((text) => (text === null ? {} : (JSON.parse(text) as Record<string, JsonValue>)));
    },

    pruneDeliveries: immediate((olderThan: number, limit: number): number => {
      // Oldest rows first by rowid (insertion order ≈ creation order), so the scan stops early.
      const ids = stmt(
        "SELECT seq, id, webhook_id, status FROM deliveries WHERE created_at < ? AND status IN ('delivered', 'failed', 'skipped') ORDER BY seq LIMIT ?",
      ).all(olderThan, limit) as Row[];
      const deleteDelivery = stmt('DELETE FROM deliveries WHERE seq = ?');
      const counts = new CountDeltas();
      for (const row of ids) {
        deleteDelivery.run(row.seq);
        counts.add(row.webhook_id as string, row.status as string, -1);
      }
      counts.apply();
      if (ids.length > 0) personSearch.collect(olderThan);
      return ids.length;
    }),

    // Gauges and readiness ----------------------------------------------------------------------------

    /**
     * The outbox's gauges: counts from the running counts (one row per webhook and status), the oldest
     * unfinished delivery from the first entry of each claimable webhook's age index.
     */
    queueStats(): QueueStats {
      const stats: QueueStats = {
        pending: 0,
        retrying: 0,
        held: 0,
        oldestUnfinishedAt: null,
        webhooksNeedingAttention: 0,
      };
      for (const row of stmt(
        `SELECT c.status, w.status = 'active' AND w.health_state = 'healthy' AS sending, SUM(c.n) AS n
         FROM delivery_counts c JOIN webhooks w ON w.id = c.webhook_id
         WHERE c.status IN ('pending', 'retrying') AND c.n > 0 GROUP BY 1, 2`,
      ).all() as { status: 'pending' | 'retrying'; sending: number; n: number }[]) {
        if (!row.sending) stats.held += row.n;
        else stats[row.status] += row.n;
      }
      stats.oldestUnfinishedAt =
        (stmt(
          `SELECT MIN((SELECT MIN(d.cycle_started_at) FROM deliveries d INDEXED BY deliveries_unfinished_age
                       WHERE d.webhook_id = w.id AND d.status IN ('pending', 'retrying')))
           FROM webhooks w WHERE w.status = 'active' AND w.health_state = 'healthy'
             AND w.id IN (SELECT webhook_id FROM delivery_counts WHERE status IN ('pending', 'retrying') AND n > 0)`,
        )
          .pluck()
          .get() as number | null) ?? null;
      stats.webhooksNeedingAttention = stmt(
        "SELECT COUNT(*) FROM webhooks INDEXED BY webhooks_needing_attention WHERE health_state = 'needs_attention' AND status != 'archived'",
      )
        .pluck()
        .get() as number;
      return stats;
    },

    /**
     * A write that needs new room — 64 KiB committed to the WAL, then deleted in a second commit (pages freed
     * in the transaction that allocated them would never be written) — throws SQLITE_FULL on a full disk.
     */
    probeStorage(): void {
      stmt('INSERT OR REPLACE INTO storage_probe (id, pad) VALUES (1, zeroblob(65536))').run();
      stmt('DELETE FROM storage_probe').run();
    },

    // Reading ----------------------------------------------------------------------------------------

    listDeliveries(
      webhookId: string,
      filter: DeliveryFilter,
      after: DeliveryCursor | null,
      limit: number,
    ): DeliveryRecord[] {
      return readSnapshot(() => {
        const { statement, params } = listStatement(webhookId, filter, after, limit, false);
        const columns = listColumnKeys(statement);
        return (statement.all(...params) as unknown[][]).map((row) => toDelivery(row, columns));
      });
    },

    listDeliveriesWithMessages(
      webhookId: string,
      filter: DeliveryFilter,
      after: DeliveryCursor | null,
      limit: number,
    ): DeliveryWithMessage[] {
      return readSnapshot(() => {
        const { statement, params } = listStatement(webhookId, filter, after, limit, true);
        const columns = listColumnKeys(statement);
        const message = statement.columns().findIndex((column) => column.name === 'message');
        return (statement.all(...params) as unknown[][]).map((row) => ({
          ...toDelivery(row, columns),
          messageJson: row[message] as string,
        }));
      });
    },

    getDelivery(accountId: string, webhookId: string, deliveryId: string): DeliveryDetailRecord | null {
      const row = stmt(
        `SELECT ${DELIVERY_COLUMNS}, d.message, d.attempts FROM deliveries d WHERE d.id = ? AND d.account_id = ? AND d.webhook_id = ?`,
      ).get(deliveryId, accountId, webhookId) as Row | undefined;
      if (!row) return null;
      const attempts = (JSON.parse(row.attempts as string) as AttemptRecord[]).map(toAttempt);
      return { ...toDelivery(row), message: JSON.parse(row.message as string) as TrackMessage, attempts };
    },

    getDeliveries(deliveryIds: readonly string[]): DeliveryRecord[] {
      const lookup = stmt(`SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = ?`);
      const out: DeliveryRecord[] = [];
      for (const id of new Set(deliveryIds)) {
        const row = lookup.get(id) as Row | undefined;
        if (row) out.push(toDelivery(row));
      }
      return out;
    },

    deliveryStats(webhookId: string, query: DeliveryStatsQuery): DeliveryStats {
      const { since, until, bucketMs } = query;
      const counts: Record<DeliveryStatus, number> = { pending: 0, retrying: 0, delivered: 0, failed: 0, skipped: 0 };
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
      // The latest LAG_SAMPLE_SIZE deliveries of the range (the Store contract's bound, as PostgreSQL).
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
  };
}

/** The statements of one store. */
export type Statements = ReturnType<typeof createStatements>;
