import { createSegmentWebhookService, generateEncryptionKey } from '@segment-webhook/core';
import { sqliteStore } from './src/index.ts';
import { rmSync } from 'node:fs';
const file = '/tmp/perf/ingest.db';
rmSync(file, { force: true }); rmSync(file + '-wal', { force: true }); rmSync(file + '-shm', { force: true });
const store = sqliteStore({ filename: file, synchronous: (process.env.SYNC ?? 'FULL') as 'FULL' });
let c = 0;
const service = createSegmentWebhookService({ store, encryptionKey: generateEncryptionKey(), plan: () => 10, generateId: () => `${Date.now().toString(16).padStart(12, '0')}${(c++).toString(16).padStart(20, '0')}` });
const wh = await service.createWebhook('acct', { name: 'x', trackEventName: 'A', writeKey: 'wk_123456789', fields: [{ key: 'plan', from: 'person.plan' }] });
await service.setDestination('acct', 'order', wh.id);
let n = 0;
const t0 = performance.now();
while (performance.now() - t0 < 5000) {
  const events = Array.from({ length: 100 }, () => ({ id: `e${n++}`, activityId: 'order', occurredAt: new Date().toISOString(), person: { id: `p${n % 1000}`, plan: 'pro', email: 'a@b.c' }, attributes: { amount: 42.5, currency: 'EUR', orderId: `o${n}` } }));
  await service.ingest('acct', { events });
}
console.log(Math.round(n / ((performance.now() - t0) / 1000)), 'events/s');
await store.close();
