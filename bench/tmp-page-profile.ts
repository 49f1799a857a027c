// Temporary focused profile of the deliveries page and the person filter (deleted after use).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSegmentWebhookService } from '@segment-webhook/core';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import Database from 'better-sqlite3';
import express from 'express';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const ACCOUNT = 'acct_bench';
const ACTIVITY = 'order-placed';
const dir = process.env.DIR ?? mkdtempSync(path.join(os.tmpdir(), 'page-prof-'));
const filename = path.join(dir, 'bench.sqlite');
const store = sqliteStore({ filename });
const service = createSegmentWebhookService({ store, encryptionKey: Buffer.alloc(32, 7).toString('base64'), plan: () => 1000 });
const w = await service.createWebhook(ACCOUNT, { name: 'Logs', trackEventName: 'Activity', writeKey: 'bench_write_key_logs_00002' });
const db = new Database(filename);
db.pragma('journal_mode = WAL'); db.pragma('synchronous = OFF');
const now = Date.now();
const message = JSON.stringify({ type: 'track', event: 'Activity', userId: 'p_0', messageId: 'm', timestamp: new Date(now).toISOString(), properties: { activity: ACTIVITY, amount: 42.5 }, context: { library: { name: 'x', version: '0.1.0' } } });
let t = performance.now();
db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows)
   INSERT INTO deliveries (id, account_id, webhook_id, source, event_id, person_id, activity_id, status, message_id,
     message, attempt_count, counted_attempts, occurred_at, created_at, updated_at, cycle_started_at,
     next_attempt_at, delivered_at, last_error, last_http_status)
   SELECT printf('dlv_%08d', i), @account, @webhook, 'activity', printf('evt_%08d', i), printf('p_%d', i % 5000),
     @activity, CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'delivered' END, printf('msg_%08d', i), @message, 1, 1,
     @now - (@rows - i) * 1000, @now - (@rows - i) * 1000, @now - (@rows - i) * 1000, @now - (@rows - i) * 1000,
     NULL, CASE WHEN i % 10 = 0 THEN NULL ELSE @now - (@rows - i) * 1000 + 150 END,
     CASE WHEN i % 10 = 0 THEN 'Segment answered 400' ELSE NULL END,
     CASE WHEN i % 10 = 0 THEN 400 ELSE 200 END
   FROM n`).run({ rows: ROWS, account: ACCOUNT, webhook: w.id, activity: ACTIVITY, message, now });
db.exec('ANALYZE'); db.close();
console.log('seed', ((performance.now() - t) / 1000).toFixed(1), 's');
const app = express();
app.use('/api', createSegmentWebhookRouter({ service, resolveAccount: () => ACCOUNT, catalog: { activities: [], fields: { person: [], activity: [] } } }));
const server = await new Promise<import('node:http').Server>((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/webhooks/${w.id}/deliveries?limit=50`;
const first = (await (await fetch(base)).json()) as { nextCursor: string };
const middle = new Date(now - (ROWS / 2) * 1000).toISOString();
const urls = [base, `${base}&status=failed`, `${base}&cursor=${encodeURIComponent(first.nextCursor)}`, `${base}&to=${encodeURIComponent(middle)}`];
async function timeIt(label: string, fn: () => Promise<unknown>, n: number) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) { const s = performance.now(); await fn(); times.push(performance.now() - s); }
  times.sort((a, b) => a - b);
  console.log(label, 'median', times[Math.floor(n / 2)]!.toFixed(3), 'p99', times[Math.floor(n * 0.99)]!.toFixed(3));
}
const q = { limit: '50' };
await timeIt('service.listDeliveries', () => service.listDeliveries(ACCOUNT, w.id, q), 3000);
await timeIt('store.listDeliveries', () => store.listDeliveries(ACCOUNT, w.id, {}, null, 51), 3000);
await timeIt('service+stringify', async () => JSON.stringify(await service.listDeliveries(ACCOUNT, w.id, q)), 3000);
for (const u of urls) await timeIt(`http ${u.slice(base.length) || 'first'}`.slice(0, 40), () => fetch(u).then((r) => r.text()), 1000);
await timeIt('http personId', () => fetch(`${base}&personId=p_42`).then((r) => r.text()), 50);
await timeIt('http personId+status', () => fetch(`${base}&personId=p_42&status=failed`).then((r) => r.text()), 50);
server.close(); await store.close();
console.log('dir', dir);
