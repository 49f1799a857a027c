/**
 * Schema and migrations of the SQLite store: versioned, append only — never edit a released migration, add
 * a new version instead.
 */
import type Database from 'better-sqlite3';
import { MESSAGE_NOT_DERIVED, PERSON_BUCKETS, personBucket } from './rows';

export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  track_event_name TEXT NOT NULL,
  region TEXT NOT NULL,
  send_activity_payload INTEGER NOT NULL,
  fields TEXT NOT NULL,
  status TEXT NOT NULL,
  health_state TEXT NOT NULL,
  health_reason TEXT,
  health_since INTEGER,
  refused_batches INTEGER NOT NULL DEFAULT 0,
  write_key_ciphertext TEXT NOT NULL,
  write_key_hint TEXT NOT NULL,
  write_key_fingerprint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id, created_at, id);

CREATE TABLE routes (
  account_id TEXT NOT NULL,
  activity_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  PRIMARY KEY (account_id, activity_id)
) WITHOUT ROWID;
CREATE INDEX routes_webhook ON routes (webhook_id);

-- seq is the rowid: insertion order, used for tie-breaks and cheap pruning scans.
CREATE TABLE deliveries (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  account_id TEXT NOT NULL,
  webhook_id TEXT NOT NULL,
  source TEXT NOT NULL,
  event_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  activity_id TEXT,
  status TEXT NOT NULL,
  message_id TEXT NOT NULL,
  message TEXT NOT NULL,
  attempt_count INTEGER NOT NULL DEFAULT 0,
  counted_attempts INTEGER NOT NULL DEFAULT 0,
  occurred_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  cycle_started_at INTEGER NOT NULL,
  next_attempt_at INTEGER,
  delivered_at INTEGER,
  last_error TEXT,
  last_http_status INTEGER,
  lease_owner TEXT
);
-- De-duplication, and the event id filter of the logs.
CREATE UNIQUE INDEX deliveries_event ON deliveries (webhook_id, event_id, source);
-- The logs, newest first, unfiltered and by status. (No person index: scattered person ids would make
-- every ingest insert land on a random page, halving ingest throughput; the person filter walks the
-- page index instead.)
CREATE INDEX deliveries_page ON deliveries (webhook_id, created_at DESC, id DESC);
CREATE INDEX deliveries_status_page ON deliveries (webhook_id, status, created_at DESC, id DESC);
-- The claim queue: only unfinished rows, so it stays small however long the history is.
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_lease ON deliveries (lease_owner) WHERE lease_owner IS NOT NULL;
-- Overview: series, last delivery and lag.
CREATE INDEX deliveries_delivered ON deliveries (webhook_id, delivered_at) WHERE delivered_at IS NOT NULL;

CREATE TABLE attempts (
  delivery_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  at INTEGER NOT NULL,
  http_status INTEGER,
  latency_ms REAL NOT NULL,
  outcome TEXT NOT NULL,
  error TEXT,
  response_body TEXT,
  PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;

CREATE TABLE key_pauses (
  fingerprint TEXT PRIMARY KEY,
  paused_until INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
  {
    version: 2,
    sql: `
-- Running counts of each webhook's deliveries per status, kept by the store's writes, so the overview
-- does not count a million rows.
CREATE TABLE delivery_counts (
  webhook_id TEXT NOT NULL,
  status TEXT NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (webhook_id, status)
) WITHOUT ROWID;
INSERT INTO delivery_counts (webhook_id, status, n)
  SELECT webhook_id, status, COUNT(*) FROM deliveries GROUP BY webhook_id, status;
`,
  },
  {
    version: 3,
    sql: `
-- The claim queue per webhook: claims walk the claimable webhooks and read only their due rows, so
-- deliveries held by a disconnected or needs-attention webhook cost nothing however many there are.
CREATE INDEX deliveries_due_webhook ON deliveries (webhook_id, next_attempt_at) WHERE status IN ('pending', 'retrying');
DROP INDEX deliveries_due;
`,
  },
  {
    version: 4,
    sql: `
-- The person filter of the logs: person_id at the end of both page indexes. Their keys still grow with
-- created_at (ingest appends at the end, as before; a separate person index puts every insert on a
-- random page: about -40 % ingest throughput at 1M rows), and the filter now reads only index entries,
-- visiting a table row only for a match (~5x faster than one row lookup per entry).
DROP INDEX deliveries_page;
CREATE INDEX deliveries_page ON deliveries (webhook_id, created_at DESC, id DESC, person_id);
DROP INDEX deliveries_status_page;
CREATE INDEX deliveries_status_page ON deliveries (webhook_id, status, created_at DESC, id DESC, person_id);
`,
  },
  {
    version: 5,
    sql: `
-- Attempts inline, as a JSON array on the delivery: a completion rewrites the delivery's row anyway, so
-- recording its attempt there costs no extra B-tree insert (one per delivered event before).
ALTER TABLE deliveries ADD COLUMN attempts TEXT NOT NULL DEFAULT '[]';
UPDATE deliveries SET attempts = (
  SELECT json_group_array(json_object('number', a.number, 'at', a.at, 'httpStatus', a.http_status,
    'latencyMs', a.latency_ms, 'outcome', a.outcome, 'error', a.error, 'responseBody', a.response_body) ORDER BY a.number)
  FROM attempts a WHERE a.delivery_id = deliveries.id)
WHERE id IN (SELECT delivery_id FROM attempts);
DROP TABLE attempts;
-- Leases are found through the claim queue (every leased delivery is pending or retrying): one index less
-- to update at every insert and completion.
DROP INDEX deliveries_lease;
-- The status filter's index leaves pending rows out: a new delivery no longer enters it at ingest and
-- leaves it at delivery (one entry per event instead of three). Pending rows are found through the claim
-- queue or the page order (see listDeliveries).
DROP INDEX deliveries_status_page;
CREATE INDEX deliveries_status_page ON deliveries (webhook_id, status, created_at DESC, id DESC, person_id)
  WHERE status != 'pending';
`,
  },
  {
    version: 6,
    sql: `
-- Issue 15 (support tools). Settings versions and their history; the last disconnection (what a reconnect's
-- backfill counts from).
ALTER TABLE webhooks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE webhooks ADD COLUMN disconnected_at INTEGER;
UPDATE webhooks SET disconnected_at = updated_at WHERE status = 'disconnected';
CREATE TABLE webhook_history (
  webhook_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT,
  changes TEXT NOT NULL,
  PRIMARY KEY (webhook_id, version)
) WITHOUT ROWID;
-- The settings version a message was built with; when Segment first accepted it (replays keep it).
ALTER TABLE deliveries ADD COLUMN config_version INTEGER;
ALTER TABLE deliveries ADD COLUMN first_delivered_at INTEGER;
-- The search box (q) and the person filter: a person index whose keys still grow with created_at within
-- each of ${PERSON_BUCKETS} buckets (a hash of the person id), so an insert lands at the end of one of ${PERSON_BUCKETS} runs
-- instead of on a random page (a plain person index costs ~40 % of ingest throughput: BENCHMARKS.md), and a
-- search reads one bucket (1/${PERSON_BUCKETS} of the webhook's entries) instead of all of them.
ALTER TABLE deliveries ADD COLUMN person_bucket INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET person_bucket = swk_person_bucket(person_id), first_delivered_at = delivered_at;
CREATE INDEX deliveries_person ON deliveries (webhook_id, person_bucket, created_at DESC, id DESC, person_id);
-- messageIds the kit derives from the event id (webhookId:eventId, webhookId:send:eventId) are found
-- through the event index; only the others (hashed long ids, or any a caller chose) are indexed here.
CREATE INDEX deliveries_message ON deliveries (webhook_id, message_id) WHERE ${MESSAGE_NOT_DERIVED};
-- What a disconnected webhook skipped (counted for the reconnect dialog, requeued by a backfill).
CREATE INDEX deliveries_skipped ON deliveries (webhook_id, created_at) WHERE status = 'skipped';
`,
  },
  {
    version: 7,
    sql: `
-- Metrics read at scrape time (issue 14). The age of the oldest unfinished delivery: per webhook, the first
-- entry of this index (the claim queue is ordered by next attempt, which a retry moves ahead).
CREATE INDEX deliveries_unfinished_age ON deliveries (webhook_id, cycle_started_at) WHERE status IN ('pending', 'retrying');
-- The webhooks that need attention, without reading every webhook.
CREATE INDEX webhooks_needing_attention ON webhooks (status) WHERE health_state = 'needs_attention';
-- Readiness after a full disk: a probe write that needs new room (see Store.checkHealth).
CREATE TABLE storage_probe (id INTEGER PRIMARY KEY, pad BLOB NOT NULL);
`,
  },
  {
    version: 8,
    sql: `
-- The person search through sorted runs that trail the inserts (person-search.ts) instead of migration 6's
-- bucketed index, which dirtied up to ${PERSON_BUCKETS} index pages per commit (ingest ~30 % slower). person_bucket
-- stays as a column, unused (dropping it would rewrite every row).
DROP INDEX deliveries_person;
-- Run entries: the person's rows of one run, in page order. run = the last seq the run copied.
CREATE TABLE person_runs (
  webhook_id TEXT NOT NULL,
  run INTEGER NOT NULL,
  person_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (webhook_id, run, person_id, created_at DESC, id DESC)
) WITHOUT ROWID;
-- Each webhook's runs: its first seq in the run and the time its rows span.
CREATE TABLE search_runs (
  webhook_id TEXT NOT NULL,
  run INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  min_created INTEGER NOT NULL,
  max_created INTEGER NOT NULL,
  PRIMARY KEY (webhook_id, run)
) WITHOUT ROWID;
-- The runs ranked by their newest row (a search reads them newest first).
CREATE INDEX search_runs_newest ON search_runs (webhook_id, max_created DESC, min_created);
-- The persons each webhook has had, and the first run holding each (a search skips the runs before it,
-- and every run for a person the webhook never had).
CREATE TABLE search_persons (
  webhook_id TEXT NOT NULL,
  person_id TEXT NOT NULL,
  first_run INTEGER NOT NULL,
  PRIMARY KEY (webhook_id, person_id)
) WITHOUT ROWID;
-- Rows with a seq above indexed_seq are not in a run yet.
CREATE TABLE search_state (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_seq INTEGER NOT NULL);
INSERT INTO search_state (id, indexed_seq) VALUES (1, COALESCE((SELECT MAX(seq) FROM deliveries), 0));
-- The existing rows: one run.
INSERT INTO person_runs (webhook_id, run, person_id, created_at, id, seq)
  SELECT webhook_id, (SELECT indexed_seq FROM search_state), person_id, created_at, id, seq FROM deliveries
  ORDER BY webhook_id, person_id, created_at DESC, id DESC;
INSERT INTO search_runs (webhook_id, run, first_seq, min_created, max_created)
  SELECT webhook_id, (SELECT indexed_seq FROM search_state), MIN(seq), MIN(created_at), MAX(created_at)
  FROM deliveries GROUP BY webhook_id;
INSERT INTO search_persons (webhook_id, person_id, first_run)
  SELECT DISTINCT webhook_id, person_id, (SELECT indexed_seq FROM search_state) FROM deliveries
  ORDER BY webhook_id, person_id;
`,
  },
];

/** The latest schema version of {@link MIGRATIONS}. */
export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((migration) => migration.version));

/** The latest schema version applied to the file's database, 0 before any migration. */
export function schemaVersion(db: Database.Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return 0;
  return (db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
}

/**
 * Applies the missing migrations in one `IMMEDIATE` transaction (the write lock), so stores opening the
 * file together, here or in other processes, apply each exactly once. Returns the versions applied.
 */
export function applyMigrations(db: Database.Database, migrations = MIGRATIONS): number[] {
  // Migration 6 fills the person buckets of existing rows with the function the store uses at insert.
  db.function('swk_person_bucket', { deterministic: true }, (personId: unknown) => personBucket(String(personId)));
  const apply = db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const newlyApplied: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(
        migration.version,
        Date.now(),
      );
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
  return apply.immediate();
}
