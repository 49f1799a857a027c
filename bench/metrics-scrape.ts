/**
 * Issue 14: a Prometheus scrape of the kit's metrics with 1,000,000 delivery rows.
 *
 *   BENCH_ONLY=metrics pnpm bench
 *
 * Per store (SQLite in a temporary file; PostgreSQL in a schema of its own on DATABASE_URL, dropped after),
 * `GET /metrics` of `@segment-webhook/prometheus` (prom-client; the queue gauges read with
 * `Store.queueStats`) is timed on three shapes of the same schema, in one sitting:
 * - `empty`: no delivery (the baseline: prom-client's own cost and one round trip to the store);
 * - `history`: 1,000,000 deliveries over 100 webhooks, 10,000 of them unfinished (the usual shape: retention
 *   keeps the finished ones for 30 days);
 * - `backlog`: the same 1,000,000 rows all unfinished (Segment down for hours at a high rate): the worst case.
 * Rows are bulk-loaded with SQL (PostgreSQL then `VACUUM ANALYZE`, as autovacuum would). Each shape: 5
 * warm-up scrapes, then 30 timed; medians (and p95) in ms, and the ratio to `empty`.
 *
 * Environment: BENCH_SCRAPE_ROWS (1,000,000), BENCH_SCRAPE_STORES (sqlite,postgres), DATABASE_URL,
 * BENCH_WRITE (1: write the section of BENCHMARKS.md; a partial run never writes).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Store, WebhookRecord } from '@segment-webhook/core';
import { createPrometheusMetrics } from '@segment-webhook/prometheus';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Registry } from 'prom-client';

const ROWS = Number(process.env.BENCH_SCRAPE_ROWS ?? 1_000_000);
const WEBHOOKS = 100;
const UNFINISHED = Math.round(ROWS / 100);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STORES = process.env.BENCH_SCRAPE_STORES?.split(',').map((s) => s.trim());
const WRITE = (process.env.BENCH_WRITE ?? '1') !== '0' && !STORES && ROWS === 1_000_000;
const WARMUP = 5;
const TIMED = 30;
const T0 = Date.UTC(2026, 10, 1);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Kind = 'sqlite' | 'postgres';
type Shape = 'empty' | 'history' | 'backlog';

function webhook(i: number): WebhookRecord {
  return {
    id: `wh_${String(i).padStart(3, '0')}`,
    accountId: `acct_${i % 10}`,
    name: `Webhook ${i}`,
    trackEventName: 'Activity',
    region: 'us',
    sendActivityPayload: true,
    fields: [],
    status: 'active',
    healthState: 'healthy',
    healthReason: null,
    healthSince: null,
    refusedBatches: 0,
    writeKeyCiphertext: 'v1:x',
    writeKeyHint: 'abcd',
    writeKeyFingerprint: `fp_${i % 20}`,
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    disconnectedAt: null,
  };
}

const MESSAGE = JSON.stringify({ type: 'track', event: 'Activity', userId: 'p', properties: { amount: 42 } });

/** Loads `ROWS` deliveries: the first `unfinished` pending (or retrying), the others delivered. */
async function loadSqlite(filename: string, unfinished: number): Promise<void> {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec('DELETE FROM deliveries; DELETE FROM delivery_counts;');
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
     INSERT INTO deliveries (id, account_id, webhook_id, source, event_id, person_id, activity_id, status, message_id,
       message, attempt_count, counted_attempts, occurred_at, created_at, updated_at, cycle_started_at, next_attempt_at,
       delivered_at)
     SELECT printf('d%08d', i), printf('acct_%d', (i % ${WEBHOOKS}) % 10), printf('wh_%03d', i % ${WEBHOOKS}), 'activity',
       printf('e%08d', i), 'p', 'order-placed',
       CASE WHEN i >= ? - ? THEN (CASE WHEN i % 2 = 0 THEN 'pending' ELSE 'retrying' END) ELSE 'delivered' END,
       printf('m%08d', i), ?, CASE WHEN i >= ? - ? THEN i % 2 ELSE 1 END, 0, ${T0} + i, ${T0} + i, ${T0} + i, ${T0} + i,
       CASE WHEN i >= ? - ? THEN ${T0} + i + 60000 END, CASE WHEN i >= ? - ? THEN NULL ELSE ${T0} + i + 100 END
     FROM n`,
  ).run(ROWS, ROWS, unfinished, MESSAGE, ROWS, unfinished, ROWS, unfinished, ROWS, unfinished);
  db.exec(
    'INSERT INTO delivery_counts (webhook_id, status, n) SELECT webhook_id, status, COUNT(*) FROM deliveries GROUP BY 1, 2',
  );
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
}

async function loadPostgres(schema: string, unfinished: number): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const s = `"${schema}"`;
  await client.query(`TRUNCATE ${s}.deliveries CASCADE`);
  await client.query(
    `INSERT INTO ${s}.deliveries (id, account_id, webhook_id, source, event_id, person_id, activity_id, status,
       message_id, message, attempt_count, counted_attempts, occurred_at, created_at, updated_at, cycle_started_at,
       next_attempt_at, delivered_at)
     SELECT 'd' || lpad(i::text, 8, '0'), 'acct_' || ((i % ${WEBHOOKS}) % 10), 'wh_' || lpad((i % ${WEBHOOKS})::text, 3, '0'),
       'activity', 'e' || lpad(i::text, 8, '0'), 'p', 'order-placed',
       CASE WHEN i >= $1 - $2 THEN (CASE WHEN i % 2 = 0 THEN 'pending' ELSE 'retrying' END) ELSE 'delivered' END,
       'm' || lpad(i::text, 8, '0'), $3::json, CASE WHEN i >= $1 - $2 THEN i % 2 ELSE 1 END, 0,
       ${T0} + i, ${T0} + i, ${T0} + i, ${T0} + i,
       CASE WHEN i >= $1 - $2 THEN ${T0} + i + 60000 END, CASE WHEN i >= $1 - $2 THEN NULL ELSE ${T0} + i + 100 END
     FROM generate_series(0, $1::int - 1) AS i`,
    [ROWS, unfinished, MESSAGE],
  );
  await client.query(`VACUUM ANALYZE ${s}.deliveries`);
  await client.end();
}

async function timeScrapes(store: Store): Promise<{ median: number; p95: number; body: string }> {
  const metrics = createPrometheusMetrics({ store, registry: new Registry() });
  let body = '';
  const times: number[] = [];
  for (let i = 0; i < WARMUP + TIMED; i += 1) {
    const start = performance.now();
    body = await (await metrics.handler()).text();
    const elapsed = performance.now() - start;
    if (i >= WARMUP) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)]!, p95: times[Math.ceil(times.length * 0.95) - 1]!, body };
}

async function measure(kind: Kind): Promise<Record<Shape, { median: number; p95: number }>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'swk-bench-scrape-'));
  const filename = path.join(dir, 'scrape.sqlite');
  const schema = `swk_bench_scrape_${process.pid}`;
  const store: Store =
    kind === 'sqlite' ? sqliteStore({ filename }) : postgresStore({ connectionString: DATABASE_URL, schema });
  try {
    await store.migrate();
    for (let i = 0; i < WEBHOOKS; i += 1) await store.insertWebhook(webhook(i));
    const results = {} as Record<Shape, { median: number; p95: number }>;
    for (const shape of ['empty', 'history', 'backlog'] as const) {
      if (shape !== 'empty') {
        const unfinished = shape === 'history' ? UNFINISHED : ROWS;
        const started = performance.now();
        if (kind === 'sqlite') await loadSqlite(filename, unfinished);
        else await loadPostgres(schema, unfinished);
        console.log(`  ${kind} ${shape}: ${ROWS} rows loaded in ${Math.round(performance.now() - started)} ms`);
      }
      const { median, p95, body } = await timeScrapes(store);
      const depth = body.match(/^segment_webhook_queue_depth\{status="(pending|retrying)"\} (\d+)$/gm) ?? [];
      console.log(`  ${kind} ${shape}: median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms (${depth.join(', ')})`);
      results[shape] = { median, p95 };
    }
    return results;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

function writeSection(markdown: string): void {
  const file = path.join(root, 'BENCHMARKS.md');
  const heading = '## Metrics scrape (issue 14)';
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(heading);
  if (start === -1) {
    writeFileSync(file, `${text.trimEnd()}\n\n${markdown.trimEnd()}\n`);
    return;
  }
  const rest = text.slice(start + heading.length);
  const next = rest.search(/\n## /);
  const end = next === -1 ? text.length : start + heading.length + next + 1;
  writeFileSync(file, `${text.slice(0, start)}${markdown.trimEnd()}\n${next === -1 ? '' : `\n${text.slice(end)}`}`);
}

async function main(): Promise<void> {
  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(', ');
  const kinds = (['sqlite', ...((await postgresReachable()) ? ['postgres'] : [])] as Kind[]).filter(
    (kind) => !STORES || STORES.includes(kind),
  );
  const rows: string[] = [];
  for (const kind of kinds) {
    console.log(`${kind}:`);
    const r = await measure(kind);
    for (const shape of ['empty', 'history', 'backlog'] as const) {
      rows.push(
        `| ${kind} | ${shape} | ${r[shape].median.toFixed(2)} | ${r[shape].p95.toFixed(2)} | ${(r[shape].median / r.empty.median).toFixed(1)}× |`,
      );
    }
  }
  const markdown = [
    '## Metrics scrape (issue 14)',
    '',
    `\`BENCH_ONLY=metrics pnpm bench\` (bench/metrics-scrape.ts): \`GET /metrics\` of \`@segment-webhook/prometheus\`, the`,
    'queue gauges read with `Store.queueStats` at scrape time. `history`: 1,000,000 deliveries over 100 webhooks,',
    '10,000 unfinished; `backlog`: the same 1,000,000 all unfinished (worst case); `empty`: no delivery (baseline).',
    `${TIMED} scrapes after ${WARMUP} warm-ups, in ms. ${cpus().length} cores, load average at start ${load}.`,
    '',
    '| store | shape | median | p95 | vs empty |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'SQLite reads the running counts (one row per webhook and status) and, per sending webhook, the first entry of',
    'its unfinished-age index: the cost does not grow with the rows. PostgreSQL counts the unfinished deliveries',
    'from the entries of `deliveries_unfinished_idx` (an index-only scan once vacuumed): the history costs',
    'nothing, a backlog costs in proportion to its size.',
  ].join('\n');
  console.log(`\n${markdown}`);
  if (WRITE) {
    writeSection(markdown);
    console.log('Written to BENCHMARKS.md.');
  }
}

await main();
