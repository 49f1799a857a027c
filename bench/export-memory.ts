/**
 * Export benchmark (issue 15): `GET /webhooks/:id/deliveries/export` of every delivery of a webhook with
 * 1,000,000 rows in SQLite, NDJSON and CSV, over HTTP (the fetch handler behind `node:http`), read by a
 * client that keeps nothing. Samples the process's RSS and heap every 20 ms and reports the peak growth over
 * the idle process, against the same export of a tenth of the rows in the same run: an export in bounded
 * memory peaks the same however many rows it streams. (The client runs in the same process: its buffers
 * count too.)
 *
 *   pnpm exec tsx bench/export-memory.ts
 *
 * Environment: BENCH_EXPORT_ROWS (default 1,000,000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSegmentWebhookService } from '@segment-webhook/core';
import { createSegmentWebhookHandler } from '@segment-webhook/server';
import { toNodeListener } from '@segment-webhook/server/node';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { seedDeliveries } from './seed-deliveries';

const ROWS = Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
const SMALL = Math.max(1, Math.floor(ROWS / 10));
const ACCOUNT = 'acct_bench';
const MB = 1024 * 1024;

const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-export-bench-'));
const filename = path.join(dir, 'bench.sqlite');
const store = sqliteStore({ filename, synchronous: 'NORMAL' });
const service = createSegmentWebhookService({
  store,
  encryptionKey: Buffer.alloc(32, 7).toString('base64'),
  plan: () => 10,
  endpoints: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
});
const big = await service.createWebhook(ACCOUNT, {
  name: 'Big',
  trackEventName: 'Activity',
  writeKey: 'bench_key_big_0001',
});
const small = await service.createWebhook(ACCOUNT, {
  name: 'Small',
  trackEventName: 'Activity',
  writeKey: 'bench_key_small_01',
});
const seeded = performance.now();
const now = Date.now();
seedDeliveries({ filename, accountId: ACCOUNT, webhookId: big.id, activityId: 'order-placed', rows: ROWS, now });
seedDeliveries({ filename, accountId: ACCOUNT, webhookId: small.id, activityId: 'order-placed', rows: SMALL, now });
console.log(
  `Seeded ${ROWS.toLocaleString('en-US')} + ${SMALL.toLocaleString('en-US')} rows in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
);

const handler = createSegmentWebhookHandler({
  service,
  basePath: '/api',
  resolveAccount: () => ACCOUNT,
  catalog: { activities: [], fields: { person: [], activity: [] } },
});
const server = http.createServer(toNodeListener(handler));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api`;

interface Figures {
  rows: number;
  bytes: number;
  seconds: number;
  peakRssMb: number;
  peakHeapMb: number;
}

async function exportOnce(webhookId: string, format: 'ndjson' | 'csv', expectedRows: number): Promise<Figures> {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const idle = process.memoryUsage();
  let peakRss = idle.rss;
  let peakHeap = idle.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const started = performance.now();
  const response = await fetch(`${base}/webhooks/${webhookId}/deliveries/export?format=${format}`);
  if (response.status !== 200 || !response.body) throw new Error(`export answered ${response.status}`);
  let bytes = 0;
  let lines = 0;
  let chunks = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const byte of chunk) if (byte === 10) lines += 1;
    if (++chunks % 16 === 0) sample();
  }
  clearInterval(timer);
  sample();
  const rows = format === 'csv' ? lines - 1 : lines;
  if (rows !== expectedRows) throw new Error(`expected ${expectedRows} rows, got ${rows}`);
  return {
    rows,
    bytes,
    seconds: (performance.now() - started) / 1000,
    peakRssMb: (peakRss - idle.rss) / MB,
    peakHeapMb: (peakHeap - idle.heapUsed) / MB,
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const results: Record<string, Figures> = {};
try {
  for (const format of ['ndjson', 'csv'] as const) {
    results[`${format}, ${fmt(SMALL)} rows`] = await exportOnce(small.id, format, SMALL);
    results[`${format}, ${fmt(ROWS)} rows`] = await exportOnce(big.id, format, ROWS);
  }
  console.table(
    Object.fromEntries(
      Object.entries(results).map(([name, r]) => [
        name,
        {
          MB: fmt(r.bytes / MB, 1),
          seconds: fmt(r.seconds, 1),
          'rows/s': fmt(r.rows / r.seconds),
          'peak RSS growth MB': fmt(r.peakRssMb, 1),
          'peak heap growth MB': fmt(r.peakHeapMb, 1),
        },
      ]),
    ),
  );
  for (const format of ['ndjson', 'csv']) {
    const a = results[`${format}, ${fmt(SMALL)} rows`]!;
    const b = results[`${format}, ${fmt(ROWS)} rows`]!;
    console.log(
      `${format}: ${fmt(b.bytes / MB)} MB streamed with a peak RSS growth of ${fmt(b.peakRssMb, 1)} MB ` +
        `(${fmt(b.peakRssMb / Math.max(a.peakRssMb, 1), 2)}× that of ${fmt(SMALL)} rows; the file is ` +
        `${fmt(b.bytes / MB / Math.max(b.peakRssMb, 1), 0)}× the peak)`,
    );
  }
} finally {
  server.closeAllConnections();
  server.close();
  await service.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
