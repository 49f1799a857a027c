/** Schema and migrations of the PostgreSQL store: versioned, append only, applied under an advisory lock. */
import type { Pool, PoolClient } from 'pg';
import { guardCheckedOut } from './failures';

/** One versioned schema change. `sql` receives the quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  sql: (schema: string) => string;
}

/**
 * The schema, oldest first. Never edit a released migration: append a new one.
 *
 * Ids and keys are `COLLATE "C"` so that PostgreSQL orders them byte-wise like SQLite and JavaScript
 * (the default collation of a database, e.g. en_US.UTF-8, sorts `B` between `a` and `c`). Times are
 * `bigint` milliseconds since the epoch, as the Store interface passes them.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial',
    sql: (s) => `
      CREATE TABLE ${s}.webhooks (
        id text COLLATE "C" PRIMARY KEY,
        account_id text COLLATE "C" NOT NULL,
        name text NOT NULL,
        track_event_name text NOT NULL,
        region text NOT NULL,
        send_activity_payload boolean NOT NULL,
        fields jsonb NOT NULL,
        status text NOT NULL,
        health_state text NOT NULL,
        health_reason text,
        health_since bigint,
        refused_batches integer NOT NULL DEFAULT 0,
        write_key_ciphertext text NOT NULL,
        write_key_hint text NOT NULL,
        write_key_fingerprint text COLLATE "C" NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      );
      CREATE INDEX webhooks_account_idx ON ${s}.webhooks (account_id, created_at, id);

      CREATE TABLE ${s}.routes (
        account_id text COLLATE "C" NOT NULL,
        activity_id text COLLATE "C" NOT NULL,
        webhook_id text COLLATE "C" NOT NULL REFERENCES ${s}.webhooks (id) ON DELETE CASCADE,
        PRIMARY KEY (account_id, activity_id)
      );
      CREATE INDEX routes_webhook_idx ON ${s}.routes (webhook_id);

      CREATE TABLE ${s}.deliveries (
        id text COLLATE "C" PRIMARY KEY,
        account_id text COLLATE "C" NOT NULL,
        webhook_id text COLLATE "C" NOT NULL REFERENCES ${s}.webhooks (id) ON DELETE CASCADE,
        event_id text COLLATE "C" NOT NULL,
        person_id text COLLATE "C" NOT NULL,
        activity_id text COLLATE "C",
        source text NOT NULL,
        status text NOT NULL,
        message_id text NOT NULL,
        message json NOT NULL,
        attempt_count integer NOT NULL DEFAULT 0,
        counted_attempts integer NOT NULL DEFAULT 0,
        occurred_at bigint NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        cycle_started_at bigint NOT NULL,
        next_attempt_at bigint,
        delivered_at bigint,
        last_error text,
        last_http_status integer,
        lease_owner text,
        UNIQUE (webhook_id, source, event_id)
      );
      -- The claim query: due work in (nextAttemptAt, id) order, read straight from the index up to its LIMIT;
      -- finished rows stay out of it.
      CREATE INDEX deliveries_due_idx ON ${s}.deliveries (next_attempt_at, id)
        WHERE status IN ('pending', 'retrying');
      -- The logs: newest first per webhook, keyset pagination on (created_at, id).
      CREATE INDEX deliveries_webhook_created_idx ON ${s}.deliveries (webhook_id, created_at DESC, id DESC);
      -- Overview series and lag.
      CREATE INDEX deliveries_webhook_delivered_idx ON ${s}.deliveries (webhook_id, delivered_at)
        WHERE delivered_at IS NOT NULL;
      -- Retention.
      CREATE INDEX deliveries_created_idx ON ${s}.deliveries (created_at);
      -- Graceful stop (releaseLeases); leases are short-lived, so this index stays small.
      CREATE INDEX deliveries_lease_idx ON ${s}.deliveries (lease_owner) WHERE lease_owner IS NOT NULL;

      CREATE TABLE ${s}.attempts (
        delivery_id text COLLATE "C" NOT NULL REFERENCES ${s}.deliveries (id) ON DELETE CASCADE,
        number integer NOT NULL,
        at bigint NOT NULL,
        http_status integer,
        latency_ms double precision NOT NULL,
        outcome text NOT NULL,
        error text,
        response_body text,
        PRIMARY KEY (delivery_id, number)
      );

      CREATE TABLE ${s}.write_key_pauses (
        fingerprint text COLLATE "C" PRIMARY KEY,
        until bigint NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'claim queue per webhook',
    sql: (s) => `
      -- Claims share their room across write keys: they read each claimable webhook's oldest due deliveries
      -- (at most the claim's limit each), so the claim queue is indexed per webhook. It replaces the global
      -- one, which a fair claim cannot use (finding one key's rows behind another key's backlog).
      CREATE INDEX deliveries_webhook_due_idx ON ${s}.deliveries (webhook_id, next_attempt_at, id)
        WHERE status IN ('pending', 'retrying');
      DROP INDEX ${s}.deliveries_due_idx;
    `,
  },
  {
    version: 3,
    name: 'support tools (issue 15)',
    sql: (s) => `
      -- Settings versions and their history; the last disconnection (what a reconnect's backfill counts from).
      ALTER TABLE ${s}.webhooks ADD COLUMN version integer NOT NULL DEFAULT 1, ADD COLUMN disconnected_at bigint;
      UPDATE ${s}.webhooks SET disconnected_at = updated_at WHERE status = 'disconnected';
      -- json, not jsonb: the changes are read back as they were written.
      CREATE TABLE ${s}.webhook_history (
        webhook_id text COLLATE "C" NOT NULL REFERENCES ${s}.webhooks (id) ON DELETE CASCADE,
        version integer NOT NULL,
        at bigint NOT NULL,
        actor text,
        changes json NOT NULL,
        PRIMARY KEY (webhook_id, version)
      );
      -- The settings version a message was built with (deliveries) and sent with (attempts); when Segment
      -- first accepted a delivery (replays keep it).
      ALTER TABLE ${s}.deliveries ADD COLUMN config_version integer, ADD COLUMN first_delivered_at bigint;
      UPDATE ${s}.deliveries SET first_delivered_at = delivered_at WHERE delivered_at IS NOT NULL;
      ALTER TABLE ${s}.attempts ADD COLUMN config_version integer;
      -- The search box (q) and the person filter, newest first per person.
      CREATE INDEX deliveries_person_idx ON ${s}.deliveries (webhook_id, person_id, created_at DESC, id DESC);
      -- messageIds the kit derives from the event id (webhookId:eventId, webhookId:send:eventId) are found
      -- through the (webhook_id, source, event_id) key; only the others are indexed here.
      CREATE INDEX deliveries_message_idx ON ${s}.deliveries (webhook_id, message_id) WHERE ${MESSAGE_NOT_DERIVED};
      -- What a disconnected webhook skipped (counted for the reconnect dialog, requeued by a backfill).
      CREATE INDEX deliveries_skipped_idx ON ${s}.deliveries (webhook_id, created_at) WHERE status = 'skipped';
    `,
  },
  {
    version: 4,
    name: 'gauges and readiness',
    sql: (s) => `
      -- Metrics read at scrape time (issue 14): unfinished deliveries per webhook and status with the age of
      -- the oldest, from index entries only (the claim queue is ordered by next attempt, which a retry moves).
      CREATE INDEX deliveries_unfinished_idx ON ${s}.deliveries (webhook_id, status, cycle_started_at)
        WHERE status IN ('pending', 'retrying');
      -- The webhooks that need attention, without reading every webhook.
      CREATE INDEX webhooks_needing_attention_idx ON ${s}.webhooks (status) WHERE health_state = 'needs_attention';
      -- Readiness after a full disk or tablespace: a probe write that needs new room (Store.checkHealth).
      CREATE TABLE ${s}.storage_probe (pad text NOT NULL);
    `,
  },
];

/**
 * The deliveries whose messageId is not the one the kit derives from the event id: the predicate of the
 * partial index `deliveries_message_idx`. A query repeats it for the planner to use that index.
 */
export const MESSAGE_NOT_DERIVED =
  "message_id <> (webhook_id || ':' || CASE source WHEN 'send' THEN 'send:' ELSE '' END || event_id)";

/** The latest schema version of {@link MIGRATIONS}. */
export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** The advisory-lock key of a schema's migrations (one 64-bit key per schema name). */
function lockKey(schemaName: string): string {
  return `segment-webhook:migrate:${schemaName}`;
}

/**
 * Applies the missing migrations in one transaction under a transaction-level advisory lock, so that
 * processes starting together apply each migration exactly once (the others wait, then find nothing to
 * do). DDL is transactional in PostgreSQL: a failing migration leaves the schema as it was.
 */
export async function applyMigrations(
  pool: Pool,
  schemaName: string,
  quotedSchema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client: PoolClient = await pool.connect();
  const release = guardCheckedOut(client);
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey(schemaName)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quotedSchema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quotedSchema}.schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${quotedSchema}.schema_migrations`);
    const applied = new Set(rows.map((row) => row.version));
    const newlyApplied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql(quotedSchema));
      await client.query(`INSERT INTO ${quotedSchema}.schema_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      newlyApplied.push(migration.version);
    }
    await client.query('COMMIT');
    return newlyApplied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    release();
  }
}
