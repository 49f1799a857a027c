/**
 * Issue 14: what the gauges' index costs the delivery path. `Store.queueStats` reads the age of the oldest
 * unfinished delivery from a partial index per webhook (SQLite `deliveries_unfinished_age`, PostgreSQL
 * `deliveries_unfinished_idx`): every delivery enters it at ingest and leaves it when delivered.
 *
 *   BENCH_ONLY=gauge pnpm bench
 *
 * Per store, rounds alternate `with` (the schema as migrated) and `without` (the index dropped): a fresh
 * store, then EVENTS deliveries inserted in calls of 100 (`insertDeliveries`), claimed 500 at a time and
 * completed as delivered (`claimDeliveries`, `completeAttempts`): the store's share of the delivery path,
 * without HTTP or Segment. Medians of the rounds' events/s and the ratio `with / without`.
 *
 * Environment: BENCH_GAUGE_EVENTS (20,000), BENCH_GAUGE_ROUNDS (3 per variant), DATABASE_URL,
 * BENCH_WRITE (1: add the figures to the "Metrics scrape (issue 14)" section of BENCHMARKS.md).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { AttemptCompletion, NewDelivery, Store, WebhookRecord } from '@segment-webhook/core';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';

const EVENTS = Number(process.env.BENCH_GAUGE_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_GAUGE_ROUNDS ?? 3);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WRITE = (process.env.BENCH_WRITE ?? '1') !== '0' && EVENTS === 20_000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const T0 = Date.UTC(2026, 11, 1);

type Kind = 'sqlite' | 'postgres';
type Variant = 'with' | 'without';

const webhook: WebhookRecord = {
  id: 'wh_bench',
  accountId: 'acct',
  name: 'Bench',
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
  writeKeyFingerprint: 'fp',
  createdAt: T0,
  updatedAt: T0,
  version: 1,
  disconnectedAt: null,
};

function delivery(i: number): NewDelivery {
  const message = {
    type: 'track' as const,
    event: 'Activity',
    userId: `p${i % 50}`,
    messageId: `m${i}`,
    timestamp: new Date(T0 + i).toISOString(),
    properties: { amount: i, plan: 'pro' },
    context: { library: { name: '@segment-webhook/core', version: '0.1.0' } },
  };
  return {
    id: `d${String(i).padStart(8, '0')}`,
    accountId: 'acct',
    webhookId: webhook.id,
    eventId: `e${i}`,
    personId: `p${i % 50}`,
    activityId: 'order-placed',
    source: 'activity',
    messageId: message.messageId,
    message,
    messageJson: JSON.stringify(message),
    occurredAt: T0 + i,
    createdAt: T0 + i,
  };
}

async function round(kind: Kind, variant: Variant): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'swk-bench-gauge-'));
  const filename = path.join(dir, 'gauge.sqlite');
  const schema = `swk_bench_gauge_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const store: Store =
    kind === 'sqlite'
      ? sqliteStore({ filename, synchronous: 'NORMAL' })
      : postgresStore({ connectionString: DATABASE_URL, schema });
  try {
    await store.migrate();
    await store.insertWebhook(webhook);
    if (variant === 'without') {
      if (kind === 'sqlite') {
        const db = new Database(filename);
        db.exec('DROP INDEX deliveries_unfinished_age');
        db.close();
      } else {
        const client = new pg.Client({ connectionString: DATABASE_URL });
        await client.connect();
        await client.query(`DROP INDEX "${schema}".deliveries_unfinished_idx`);
        await client.end();
      }
    }
    const started = performance.now();
    for (let i = 0; i < EVENTS; i += 100) {
      await store.insertDeliveries(Array.from({ length: 100 }, (_, j) => delivery(i + j)));
    }
    const now = T0 + EVENTS + 1000;
    for (;;) {
      const claimed = await store.claimDeliveries('bench', now, 60_000, 500);
      if (claimed.length === 0) break;
      const completions: AttemptCompletion[] = claimed.map((d) => ({
        deliveryId: d.id,
        attempt: {
          number: 1,
          at: now,
          httpStatus: 200,
          latencyMs: 5,
          outcome: 'delivered',
          error: null,
          responseBody: null,
          configVersion: 1,
        },
        counted: true,
        status: 'delivered',
        nextAttemptAt: null,
        lastError: null,
      }));
      await store.completeAttempts('bench', completions, now);
    }
    return EVENTS / ((performance.now() - started) / 1000);
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const load = loadavg()
    .map((n) => n.toFixed(1))
    .join(', ');
  const lines: string[] = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    const results: Record<Variant, number[]> = { with: [], without: [] };
    for (let r = 0; r < ROUNDS; r += 1) {
      for (const variant of (r % 2 === 0 ? ['with', 'without'] : ['without', 'with']) as Variant[]) {
        const rate = await round(kind, variant);
        results[variant].push(rate);
        console.log(`  ${kind} ${variant}: ${Math.round(rate)} events/s`);
      }
    }
    const withIndex = median(results.with);
    const without = median(results.without);
    lines.push(
      `| ${kind} | ${Math.round(withIndex).toLocaleString('en-US')} | ${Math.round(without).toLocaleString('en-US')} | ${((withIndex / without) * 100).toFixed(0)} % |`,
    );
  }
  const markdown = [
    '',
    `**What the gauges' index costs the delivery path** (\`BENCH_ONLY=gauge pnpm bench\`, bench/gauge-index-cost.ts): ${EVENTS.toLocaleString('en-US')}`,
    'deliveries inserted (calls of 100), claimed (500 at a time) and completed through the `Store` API, with the',
    `unfinished-age index and with it dropped, alternated; medians of ${ROUNDS} rounds each, load average at start ${load}.`,
    '',
    '| store | events/s with the index | without | with / without |',
    '|---|---:|---:|---:|',
    ...lines,
  ].join('\n');
  console.log(markdown);
  if (WRITE) {
    const file = path.join(root, 'BENCHMARKS.md');
    const text = readFileSync(file, 'utf8');
    const heading = '## Metrics scrape (issue 14)';
    const start = text.indexOf(heading);
    if (start === -1) throw new Error('Run bench/metrics-scrape.ts first: its section holds these figures.');
    const rest = text.slice(start + heading.length);
    const nextHeading = rest.search(/\n## /);
    const end = nextHeading === -1 ? text.length : start + heading.length + nextHeading;
    let section = text.slice(start, end);
    const mark = "\n**What the gauges' index costs the delivery path**";
    if (section.includes(mark)) section = section.slice(0, section.indexOf(mark));
    writeFileSync(file, `${text.slice(0, start)}${section.trimEnd()}\n${markdown}\n${text.slice(end)}`);
    console.log('Written to BENCHMARKS.md.');
  }
}

await main();
