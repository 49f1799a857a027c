import { performance } from 'node:perf_hooks';
import { deliveryFixture, webhookFixture } from '@segment-webhook/core/testing';
import { sqliteStore } from '@segment-webhook/store-sqlite';
const f = `/tmp/sqclaim-${process.pid}.db`;
const store = sqliteStore({ filename: f });
await store.migrate();
const wh = webhookFixture(); await store.insertWebhook(wh);
const N = 10000;
let t = performance.now();
await store.insertDeliveries(Array.from({ length: N }, (_, i) => deliveryFixture(wh, { eventId: `e${i}`, createdAt: 1000 + i })));
console.log('insert 10k in one call', (performance.now() - t).toFixed(0), 'ms');
let claimMs = 0, completeMs = 0, n = 0;
for (;;) {
  t = performance.now();
  const c = await store.claimDeliveries('w', 100000, 60000, 500);
  claimMs += performance.now() - t;
  if (c.length === 0) break;
  n += c.length;
  t = performance.now();
  await store.completeAttempts('w', c.map((d) => ({ deliveryId: d.id, attempt: { number: 1, at: 100001, httpStatus: 200, latencyMs: 3, outcome: 'delivered' as const, error: null, responseBody: '{"success":true}' }, counted: true, status: 'delivered' as const, nextAttemptAt: null, lastError: null })), 100002);
  completeMs += performance.now() - t;
}
console.log({ n, claimUsPerRow: (claimMs * 1000 / n).toFixed(1), completeUsPerRow: (completeMs * 1000 / n).toFixed(1) });
await store.close();
