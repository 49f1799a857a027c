import { sqliteStore } from './src/index.ts';
import { webhookFixture } from '@segment-webhook/core/testing';
import { existsSync } from 'node:fs';
const file = '/tmp/perf/page.db';
const fresh = !existsSync(file);
const store = sqliteStore({ filename: file, synchronous: 'NORMAL' });
await store.migrate();
const wh = webhookFixture({ id: 'wh_bench', accountId: 'acct' });
if (fresh) {
  await store.insertWebhook(wh);
  await store.insertWebhook(webhookFixture({ id: 'wh_other', accountId: 'acct' }));
  const msg = { type: 'track' as const, event: 'A', userId: 'p1', messageId: 'x', timestamp: new Date().toISOString(), properties: { amount: 42.5, currency: 'EUR', orderId: 'o1', plan: 'pro' }, context: { library: { name: '@segment-webhook/core', version: '0.1.0' } } };
  const T = Date.now() - 1e9;
  let c = 0;
  for (let i = 0; i < 1_000_000; i += 5000) {
    await store.insertDeliveries(Array.from({ length: 5000 }, (_, j) => { const n = i + j; return { id: `${(T + n).toString(16)}${(c++).toString(16).padStart(8, '0')}`, accountId: 'acct', webhookId: n % 10 === 0 ? 'wh_other' : 'wh_bench', eventId: `e${n}`, personId: `p${n % 5000}`, activityId: 'order', source: 'activity' as const, messageId: `m${n}`, message: msg, occurredAt: T + n - 100, createdAt: T + n }; }));
  }
  // finish most of them
  const owner = 'bench';
  for (;;) {
    const claimed = await store.claimDeliveries(owner, Date.now(), 60000, 5000);
    if (claimed.length === 0) break;
    await store.completeAttempts(owner, claimed.map((d, k) => ({ deliveryId: d.id, attempt: { number: 1, at: d.createdAt + 50, httpStatus: k % 100 === 0 ? 400 : 200, latencyMs: 5, outcome: k % 100 === 0 ? 'failed' as const : 'delivered' as const, error: null, responseBody: null }, counted: true, status: k % 100 === 0 ? 'failed' as const : 'delivered' as const, nextAttemptAt: null, lastError: null })), Date.now());
  }
  console.log('seeded');
}
async function measure(name: string, fn: (i: number) => Promise<unknown>, n = 300) {
  const times: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await fn(i); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  console.log(name, 'p50', times[Math.floor(n * 0.5)]!.toFixed(2), 'p99', times[Math.floor(n * 0.99)]!.toFixed(2));
}
const first = await store.listDeliveries('acct', 'wh_bench', {}, null, 1_000_000);
console.log('rows', first.length);
await measure('page 1', () => store.listDeliveries('acct', 'wh_bench', {}, null, 51));
await measure('deep cursor', (i) => { const r = first[(i * 2971) % first.length]!; return store.listDeliveries('acct', 'wh_bench', {}, { createdAt: r.createdAt, id: r.id }, 51); });
await measure('status failed', () => store.listDeliveries('acct', 'wh_bench', { status: 'failed' }, null, 51));
await measure('status failed deep', (i) => { const r = first[(i * 2971) % first.length]!; return store.listDeliveries('acct', 'wh_bench', { status: 'failed' }, { createdAt: r.createdAt, id: r.id }, 51); });
await measure('person', (i) => store.listDeliveries('acct', 'wh_bench', { personId: `p${(i * 7) % 5000}` }, null, 51), 30);
await measure('event', (i) => store.listDeliveries('acct', 'wh_bench', { eventId: `e${i * 11}` }, null, 51));
await measure('from/to', (i) => { const r = first[(i * 2971) % first.length]!; return store.listDeliveries('acct', 'wh_bench', { to: r.createdAt, from: r.createdAt - 86400000 }, null, 51); });
await measure('stats 30d', () => store.deliveryStats('acct', 'wh_bench', { since: Date.now() - 30 * 86400000, until: Date.now(), bucketMs: 86400000 }), 3);
await store.close();
