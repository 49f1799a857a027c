import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDeliveryWorker, createSegmentWebhookService } from '@segment-webhook/core';
import { startSegmentSink } from '@segment-webhook/testing';
import { sqliteStore } from './src/index.ts';

const sink = await startSegmentSink({ maxMessages: 100000 });
const store = sqliteStore({ filename: path.join(mkdtempSync(path.join(tmpdir(), 'lat-')), 'x.db') });
const service = createSegmentWebhookService({ store, allowInsecureDevelopmentKey: true, plan: () => 10 });
const worker = createDeliveryWorker({ store, endpoints: { us: sink.url }, allowInsecureDevelopmentKey: true });
const wh = await service.createWebhook('a', { name: 'x', trackEventName: 'A', writeKey: 'wk_bench_1234', fields: [] });
await service.setDestination('a', 'act', wh.id);
const N = Number(process.env.N ?? 5000),
  per = Number(process.env.PER ?? 1);
const c0 = process.cpuUsage();
const t0 = performance.now();
worker.start();
const inflight: Promise<unknown>[] = [];
for (let i = 0; i < N; i += per) {
  inflight.push(
    service.ingest(
      'a',
      Array.from({ length: per }, (_, j) => ({
        id: `e${i + j}`,
        activityId: 'act',
        occurredAt: new Date().toISOString(),
        person: { id: 'p' },
        attributes: { a: 1 },
      })),
    ),
  );
  if (inflight.length >= 64) await inflight.shift();
}
await Promise.all(inflight);
await sink.waitFor(N, { timeoutMs: 60000 });
const c = process.cpuUsage(c0);
const wall = performance.now() - t0;
console.log(
  `N=${N} per=${per}: wall ${wall.toFixed(0)}ms (${Math.round((N / wall) * 1000)}/s), cpu user ${(c.user / 1000).toFixed(0)}ms sys ${(c.system / 1000).toFixed(0)}ms → ${((c.user + c.system) / N).toFixed(0)} µs/event, requests ${sink.requests.length}`,
);
await worker.stop();
await store.close();
await sink.close();
