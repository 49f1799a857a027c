import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSegmentWebhookService, createDeliveryWorker } from '@segment-webhook/core';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { startSegmentSink } from '@segment-webhook/testing';
const dir = mkdtempSync(path.join(tmpdir(), 'sq-'));
const sink = await startSegmentSink({ maxMessages: 100 });
for (const sync of (process.env.SYNC ? [process.env.SYNC] : ['FULL', 'NORMAL']) as ('FULL' | 'NORMAL')[]) {
  const store = sqliteStore({ filename: path.join(dir, `${sync}.db`), synchronous: sync });
  const service = createSegmentWebhookService({ store, endpoints: { us: sink.url }, allowInsecureDevelopmentKey: true, plan: () => 10 });
  const worker = createDeliveryWorker({ store, endpoints: { us: sink.url }, allowInsecureDevelopmentKey: true });
  await store.migrate();
  const wh = await service.createWebhook('a', { name: 'x', trackEventName: 'T', writeKey: `wk${sync}` });
  await service.setDestination('a', 'act', wh.id);
  worker.start();
  const N = 3000;
  let next = 0;
  const t0 = performance.now();
  let tIngest = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < N) { const i = next++; await service.ingest('a', [{ id: `e${i}`, activityId: 'act', occurredAt: new Date().toISOString(), person: { id: 'p' }, attributes: { i } }]); }
  }));
  tIngest = performance.now() - t0;
  await sink.waitFor(N, { writeKey: `wk${sync}`, timeoutMs: 120000 });
  const total = performance.now() - t0;
  console.log(sync, { ingestMs: Math.round(tIngest), totalMs: Math.round(total), perSec: Math.round(N / total * 1000) });
  await worker.stop(); await service.close(); await store.close();
}
await sink.close();
