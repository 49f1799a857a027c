import { createDeliveryWorker, createSegmentWebhookService } from '@segment-webhook/core';
import { startSegmentSink } from '@segment-webhook/testing';
import { sqliteStore } from './src/index.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
const sink = await startSegmentSink({ maxMessages: 100000 });
const store = sqliteStore({ filename: path.join(mkdtempSync(path.join(tmpdir(), 'lat-')), 'x.db') });
const service = createSegmentWebhookService({ store, allowInsecureDevelopmentKey: true, plan: () => 10 });
const timing: Record<string, number[]> = {};
const wrap = (obj: any, name: string) => { const f = obj[name].bind(obj); obj[name] = async (...a: any[]) => { const s = performance.now(); try { return await f(...a); } finally { (timing[name] ??= []).push(performance.now() - s); } }; };
for (const m of ['claimDeliveries', 'completeAttempts', 'recordBatches', 'insertDeliveries', 'resolveRoutes']) wrap(store, m);
const { createSegmentClient } = await import('@segment-webhook/core');
const client = createSegmentClient({ endpoints: { us: sink.url } });
wrap(client, 'send');
const worker = createDeliveryWorker({ client, store, endpoints: { us: sink.url }, allowInsecureDevelopmentKey: true });
const wh = await service.createWebhook('a', { name: 'x', trackEventName: 'A', writeKey: 'wk_bench_1234', fields: [] });
await service.setDestination('a', 'act', wh.id);
worker.start();
const sent = new Map<string, number>();
const lat: number[] = []; const ing: number[] = [];
sink.onReceive((msgs) => { const t = performance.now(); for (const m of msgs) { const s = sent.get(String(m.message.messageId)); if (s !== undefined) lat.push(t - s); } });
const rate = Number(process.env.RATE ?? 500), seconds = 4;
const t0 = performance.now();
let n = 0;
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    while (n < due && n < rate * seconds) {
      const id = `e${n++}`;
      sent.set(`${wh.id}:${id}`, performance.now());
      const st = performance.now();
      void service.ingest('a', { id, activityId: 'act', occurredAt: new Date().toISOString(), person: { id: 'p' }, attributes: { a: 1 } }).then(() => ing.push(performance.now() - st));
    }
    if (n >= rate * seconds) { clearInterval(tick); resolve(); }
  }, 2);
});
await sink.waitFor(rate * seconds, { timeoutMs: 30000 });
lat.sort((a, b) => a - b);
const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!.toFixed(1);
ing.sort((a, b) => a - b);
console.log('ingest p50', ing[Math.floor(ing.length / 2)]!.toFixed(1), 'p99', ing[Math.floor(ing.length * 0.99)]!.toFixed(1));
console.log(`rate ${rate}/s: n=${lat.length} p50=${q(0.5)} p99=${q(0.99)} max=${q(1)} requests=${sink.requests.length}`);
for (const [k, v] of Object.entries(timing)) { v.sort((a, b) => a - b); console.log(k, 'n', v.length, 'p50', v[Math.floor(v.length / 2)]!.toFixed(2), 'p99', v[Math.floor(v.length * 0.99)]!.toFixed(2), 'total', v.reduce((a, b) => a + b, 0).toFixed(0)); }
await worker.stop(); await store.close(); await sink.close();
