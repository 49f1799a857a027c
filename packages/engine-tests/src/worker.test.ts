/**
 * The delivery worker against the real testing sink, on every store (a real SQLite file, a PostgreSQL
 * schema of its own). Time-dependent behaviour uses tiny policy delays and waits for outcomes; nothing
 * asserts on durations.
 */
import {
  createDeliveryWorker,
  createSegmentClient,
  createSegmentWebhookService,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
  generateEncryptionKey,
  messageIdFor,
  type SegmentClient,
  type SegmentWebhookServiceInstance,
  type Store,
  StoreFailure,
} from '@segment-webhook/core';
import type { DeliveryDetail } from '@segment-webhook/core/contract';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordLogs } from './logs';
import { countingClaims, type OpenedStore, STORE_KINDS, storeFixture } from './stores';

const WRITE_KEY = 'wk_worker_SECRET_0001';
const OTHER_KEY = 'wk_worker_SECRET_0002';
const ENCRYPTION_KEY = generateEncryptionKey();
const FAST_POLICY = { baseDelayMs: 5, maxDelayMs: 20, factor: 2, maxAttempts: 6 };

let sink: SegmentSink;
beforeAll(async () => {
  sink = await startSegmentSink();
});
afterAll(async () => {
  await sink.close();
});

describe.each(STORE_KINDS)('the worker on %s', (kind) => {
  const stores = storeFixture(kind, 'worker', { synchronous: 'NORMAL' });
  afterAll(() => stores.cleanup());

  let opened: OpenedStore;
  let store: Store;
  let service: SegmentWebhookServiceInstance;
  let client: SegmentClient;
  const workers: DeliveryWorker[] = [];
  const { logger, text: logs, clear: clearLogs } = recordLogs();

  beforeEach(async () => {
    sink.reset();
    sink.clear();
    clearLogs();
    opened = await stores.open();
    store = opened.store;
    client = createSegmentClient({ endpoints: { us: sink.url, eu: sink.url }, timeoutMs: 2000 });
    service = createSegmentWebhookService({ store, encryptionKey: ENCRYPTION_KEY, plan: () => 10, client, logger });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await service.close();
    await client.close();
    await store.close();
  });

  function worker(options: Partial<DeliveryWorkerOptions> = {}): DeliveryWorker {
    const created = createDeliveryWorker({
      store,
      client,
      encryptionKey: ENCRYPTION_KEY,
      retryPolicy: FAST_POLICY,
      pollIntervalMs: 50,
      logger,
      ...options,
    });
    workers.push(created);
    return created;
  }

  async function webhookRoutedTo(activityId: string, writeKey = WRITE_KEY) {
    const webhook = await service.createWebhook('acct', {
      name: activityId,
      trackEventName: 'Activity',
      writeKey,
      fields: [],
    });
    await service.setDestination('acct', activityId, webhook.id);
    return webhook;
  }

  function event(id: string, activityId = 'order-placed', attributes: Record<string, unknown> = {}) {
    return { id, activityId, occurredAt: '2026-11-27T10:00:00.000Z', person: { id: 'p_1' }, attributes };
  }

  async function deliveries(webhookId: string): Promise<DeliveryDetail[]> {
    const page = await service.listDeliveries('acct', webhookId, { limit: 200 });
    return Promise.all(page.items.map((d) => service.getDelivery('acct', webhookId, d.id)));
  }

  async function statusesOf(webhookId: string): Promise<string[]> {
    return (await service.listDeliveries('acct', webhookId, { limit: 200 })).items.map((d) => d.status).sort();
  }

  describe('createDeliveryWorker', () => {
    it('delivers a lone event at once (woken by the ingest) with its messageId and write key', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      // A long poll interval: only the wake-up can make this pass before the test times out.
      worker({ pollIntervalMs: 60_000 }).start();
      await service.ingest('acct', [event('e1')]);
      const [received] = await sink.waitFor(1);
      expect(received?.writeKey).toBe(WRITE_KEY);
      expect(received?.message).toMatchObject({ messageId: messageIdFor(webhook.id, 'e1'), type: 'track' });
      await expect.poll(() => statusesOf(webhook.id)).toEqual(['delivered']);
      const [detail] = await deliveries(webhook.id);
      expect(detail?.attempts).toMatchObject([{ number: 1, httpStatus: 200, outcome: 'delivered', error: null }]);
      expect(detail?.deliveredAt).not.toBeNull();
      expect(logs.join('\n')).not.toContain(WRITE_KEY);
    });

    it('batches what accumulated into one request per write key and region', async () => {
      const a = await webhookRoutedTo('a');
      const b = await webhookRoutedTo('b');
      const c = await webhookRoutedTo('c', OTHER_KEY);
      await service.ingest('acct', [
        ...Array.from({ length: 20 }, (_, i) => event(`a${i}`, 'a')),
        ...Array.from({ length: 10 }, (_, i) => event(`b${i}`, 'b')),
        ...Array.from({ length: 5 }, (_, i) => event(`c${i}`, 'c')),
      ]);
      expect(await worker().runOnce()).toBe(35);
      expect(sink.count()).toBe(35);
      const requests = sink.requests;
      expect(requests.map((r) => r.messageCount).sort((x, y) => x - y)).toEqual([5, 30]);
      expect(sink.count(OTHER_KEY)).toBe(5);
      for (const webhook of [a, b, c]) expect(new Set(await statusesOf(webhook.id))).toEqual(new Set(['delivered']));
    });

    it('retries 5xx and dropped connections to success, keeping the messageId', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      sink.failNext(2, 503);
      sink.dropNext(1);
      await service.ingest('acct', [event('e1')]);
      worker().start();
      await expect.poll(() => statusesOf(webhook.id), { timeout: 10_000 }).toEqual(['delivered']);
      const [detail] = await deliveries(webhook.id);
      expect(detail?.attempts.map((a) => [a.number, a.httpStatus, a.outcome])).toEqual([
        [1, 503, 'retry'],
        [2, 503, 'retry'],
        [3, null, 'retry'],
        [4, 200, 'delivered'],
      ]);
      const ids = sink.requests.map((r) => r.id);
      expect(ids).toHaveLength(4);
      expect(sink.messages().map((m) => m.messageId)).toEqual([messageIdFor(webhook.id, 'e1')]);
      expect(sink.requests.at(-1)?.headers['x-retry-count']).toBe('3');
    });

    it('retries a timeout', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      const slowClient = createSegmentClient({ endpoints: { us: sink.url }, timeoutMs: 100 });
      // The first request is answered too late for the client; the ones after it at once.
      sink.latency(1000);
      // (After the sink has read the latency for this request.)
      sink.events.once('arrival', () => setTimeout(() => sink.latency(0), 0));
      await service.ingest('acct', [event('e1')]);
      worker({ client: slowClient }).start();
      await expect.poll(() => statusesOf(webhook.id), { timeout: 10_000 }).toEqual(['delivered']);
      const [detail] = await deliveries(webhook.id);
      expect(detail?.attempts[0]).toMatchObject({ httpStatus: null, outcome: 'retry' });
      expect(detail?.attempts.at(-1)).toMatchObject({ httpStatus: 200, outcome: 'delivered' });
      await workers.pop()?.stop();
      await slowClient.close();
    });

    it('fails a 400 without retrying, and only the bad message of a batch', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      sink.setBehavior(({ body }) =>
        body.includes('"poison":true') ? { status: 400, body: 'Bad message' } : undefined,
      );
      await service.ingest('acct', [
        event('e1'),
        event('e2'),
        event('bad', 'order-placed', { poison: true }),
        event('e3'),
        event('e4'),
      ]);
      expect(await worker().runOnce()).toBe(5);
      const all = await deliveries(webhook.id);
      const bad = all.find((d) => d.eventId === 'bad')!;
      expect(bad).toMatchObject({ status: 'failed', attemptCount: 1, lastHttpStatus: 400, nextAttemptAt: null });
      expect(bad.attempts).toHaveLength(1);
      expect(all.filter((d) => d.status === 'delivered')).toHaveLength(4);
      expect(sink.count()).toBe(4);
      // A mixed batch is not a refusal: the webhook stays healthy.
      expect((await service.getWebhook('acct', webhook.id)).health.state).toBe('healthy');
      // And it is final: another round sends nothing.
      expect(await workers[0]!.runOnce()).toBe(0);
    });

    it('gives up after maxAttempts', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      sink.failNext(10, 500);
      await service.ingest('acct', [event('e1')]);
      worker({ retryPolicy: { ...FAST_POLICY, maxAttempts: 3 } }).start();
      await expect.poll(() => statusesOf(webhook.id), { timeout: 10_000 }).toEqual(['failed']);
      const [detail] = await deliveries(webhook.id);
      expect(detail?.attempts).toHaveLength(3);
      expect(detail?.lastError).toMatch(/Gave up after 3 attempts/);
    });

    it('honours Retry-After per write key: pauses every webhook with that key, not others, without counting', async () => {
      const a = await webhookRoutedTo('a');
      const sibling = await webhookRoutedTo('sibling');
      const other = await webhookRoutedTo('other', OTHER_KEY);
      sink.setBehavior(({ writeKey }) =>
        writeKey === WRITE_KEY ? { status: 429, body: 'slow down', headers: { 'retry-after': '30' } } : undefined,
      );
      await service.ingest('acct', [event('a1', 'a')]);
      const w = worker({ requestsPerSecondPerKey: 1000 });
      expect(await w.runOnce()).toBe(1);
      const fingerprint = (await store.getWebhook('acct', a.id))!.writeKeyFingerprint;
      const pausedUntil = await store.writeKeyPausedUntil(fingerprint, Date.now());
      expect(pausedUntil).not.toBeNull();
      expect(pausedUntil! - Date.now()).toBeGreaterThan(20_000);
      const [rateLimited] = await deliveries(a.id);
      expect(rateLimited).toMatchObject({ status: 'retrying', attemptCount: 1, lastHttpStatus: 429 });
      expect((await store.getDelivery('acct', a.id, rateLimited!.id))?.countedAttempts).toBe(0);

      // The sibling shares the key: held by the pause. The other key goes out.
      await service.ingest('acct', [event('s1', 'sibling'), event('o1', 'other')]);
      expect(await w.runOnce()).toBe(1);
      expect(await statusesOf(other.id)).toEqual(['delivered']);
      expect(await statusesOf(sibling.id)).toEqual(['pending']);
      // Another worker (think: another process) respects the pause too.
      expect(await worker().runOnce()).toBe(0);
      expect(sink.requests.filter((r) => r.writeKey === WRITE_KEY)).toHaveLength(1);
    });

    it('resumes a rate-limited key after Retry-After', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      let limited = 1;
      sink.setBehavior(() =>
        limited-- > 0 ? { status: 429, body: '', headers: { 'retry-after': '0.05' } } : undefined,
      );
      await service.ingest('acct', [event('e1'), event('e2')]);
      worker().start();
      await expect.poll(() => statusesOf(webhook.id), { timeout: 10_000 }).toEqual(['delivered', 'delivered']);
      const details = await deliveries(webhook.id);
      for (const d of details) {
        expect(d.attempts.map((a) => a.httpStatus)).toEqual([429, 200]);
        expect((await store.getDelivery('acct', webhook.id, d.id))?.countedAttempts).toBe(1);
      }
    });

    it('holds the deliveries of a webhook that keeps being refused, then releases them on resume', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      const w = worker({ needsAttentionAfter: 2 });
      sink.failNext(2, 400, 'Exceed payload limit');
      await service.ingest('acct', [event('e1')]);
      await w.runOnce();
      expect((await service.getWebhook('acct', webhook.id)).health.state).toBe('healthy');
      await service.ingest('acct', [event('e2')]);
      await w.runOnce();
      const attention = await service.getWebhook('acct', webhook.id);
      expect(attention.health).toMatchObject({ state: 'needs_attention' });
      expect(attention.health.reason).toMatch(/HTTP 400/);
      expect(logs.some((l) => l.startsWith('warn Segment webhook needs attention'))).toBe(true);

      await service.ingest('acct', [event('e3'), event('e4')]);
      expect(await w.runOnce()).toBe(0);
      const held = (await service.listDeliveries('acct', webhook.id, { status: 'pending' })).items;
      expect(held.map((d) => d.heldReason)).toEqual(['needs_attention', 'needs_attention']);
      expect((await service.overview('acct', webhook.id)).counts.held).toBe(2);

      w.start();
      await service.resume('acct', webhook.id);
      await expect
        .poll(() => statusesOf(webhook.id), { timeout: 10_000 })
        .toEqual(['delivered', 'delivered', 'failed', 'failed']);
    });

    it('releases held deliveries when the settings are edited', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      await store.updateWebhook('acct', webhook.id, {
        healthState: 'needs_attention',
        healthReason: 'x',
        healthSince: 1,
      });
      await service.ingest('acct', [event('e1')]);
      worker().start();
      await service.updateWebhook('acct', webhook.id, { trackEventName: 'Fixed' });
      await expect.poll(() => statusesOf(webhook.id), { timeout: 10_000 }).toEqual(['delivered']);
    });

    it('holds deliveries while disconnected and sends them after reconnecting', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      await service.ingest('acct', [event('e1')]);
      await service.disconnect('acct', webhook.id);
      const w = worker({ pollIntervalMs: 60_000 });
      expect(await w.runOnce()).toBe(0);
      expect((await service.listDeliveries('acct', webhook.id)).items[0]?.heldReason).toBe('disconnected');
      w.start();
      await service.reconnect('acct', webhook.id);
      await sink.waitFor(1);
      await expect.poll(() => statusesOf(webhook.id)).toEqual(['delivered']);
    });

    it('rescues failures by fixing the write key and retrying, with the same messageId and timestamp', async () => {
      const webhook = await webhookRoutedTo('order-placed', 'wk_wrong_key_0000');
      sink.setBehavior(({ writeKey }) =>
        writeKey === 'wk_wrong_key_0000' ? { status: 401, body: 'bad key' } : undefined,
      );
      await service.ingest('acct', [event('e1')]);
      const w = worker();
      await w.runOnce();
      const [failed] = await deliveries(webhook.id);
      expect(failed).toMatchObject({ status: 'failed', lastHttpStatus: 401 });
      await service.updateWebhook('acct', webhook.id, { writeKey: WRITE_KEY });
      expect(await service.retryFailed('acct', webhook.id)).toEqual({ retried: 1 });
      await w.runOnce();
      const [delivered] = await deliveries(webhook.id);
      expect(delivered).toMatchObject({ status: 'delivered', attemptCount: 2, messageId: failed!.messageId });
      const [received] = sink.received(WRITE_KEY);
      expect(received?.message.messageId).toBe(failed!.messageId);
      expect(received?.message.timestamp).toBe(failed!.message.timestamp);
    });

    it('claims an expired lease again after a crash, reusing the messageId', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      await service.ingest('acct', [event('e1')]);
      // A worker that crashed right after claiming.
      expect(await store.claimDeliveries('crashed', Date.now(), 60_000, 10)).toHaveLength(1);
      const w = worker({ now: () => Date.now() + 61_000 });
      expect(await w.runOnce()).toBe(1);
      const [detail] = await deliveries(webhook.id);
      expect(detail).toMatchObject({ status: 'delivered', messageId: messageIdFor(webhook.id, 'e1') });
    });

    it('stops gracefully: the request in flight finishes and is recorded, nothing stays leased', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      sink.latency(300);
      let arrived = 0;
      const onArrival = () => {
        arrived += 1;
      };
      sink.events.on('arrival', onArrival);
      const w = worker();
      w.start();
      await service.ingest('acct', [event('e1')]);
      await expect.poll(() => arrived).toBe(1);
      sink.events.off('arrival', onArrival);
      await w.stop();
      expect(await statusesOf(webhook.id)).toEqual(['delivered']);
      await service.ingest('acct', [event('e2')]);
      // Stopped: e2 stays pending and claimable by the next worker.
      const [pending] = (await service.listDeliveries('acct', webhook.id, { status: 'pending' })).items;
      expect(pending?.eventId).toBe('e2');
      sink.latency(0);
      expect(await worker().runOnce()).toBe(1);
    });

    it('releases leases it still holds when stopped', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      await service.ingest('acct', [event('e1')]);
      const w = worker({ workerId: 'w-release' });
      await store.claimDeliveries('w-release', Date.now(), 600_000, 10);
      w.start();
      await w.stop();
      expect(await store.claimDeliveries('next', Date.now(), 1000, 10)).toHaveLength(1);
      expect(await statusesOf(webhook.id)).toEqual(['pending']);
    });

    it('prunes finished deliveries past its retention when it starts', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      await service.ingest('acct', [event('old1'), event('old2')]);
      await worker().runOnce();
      await service.ingest('acct', [event('pending')]);
      await service.disconnect('acct', webhook.id);
      const later = worker({ now: () => Date.now() + 2 * 3_600_000, retentionMs: 3_600_000 });
      later.start();
      await expect
        .poll(async () => (await service.listDeliveries('acct', webhook.id)).items.map((d) => d.eventId))
        .toEqual(['pending']);
      expect(logs.some((l) => l.includes('Old deliveries pruned') && l.includes('"count":2'))).toBe(true);
    });

    it('shares the work between workers on separate connections to the same data, each event sent once', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      const otherStore = await opened.another();
      const first = worker({ batchSize: 20, workerId: 'first' });
      const second = worker({ store: otherStore, batchSize: 20, workerId: 'second' });
      first.start();
      second.start();
      for (let i = 0; i < 10; i++) {
        await service.ingest(
          'acct',
          Array.from({ length: 30 }, (_, j) => event(`e${i}-${j}`)),
        );
      }
      await sink.waitFor(300, { timeoutMs: 20_000 });
      await expect.poll(async () => (await service.overview('acct', webhook.id)).counts.delivered).toBe(300);
      const ids = sink.messages().map((m) => m.messageId);
      expect(new Set(ids).size).toBe(300);
      expect(ids).toHaveLength(300);
      workers.splice(0);
      await first.stop();
      await second.stop();
      await otherStore.close();
    });

    /** `store` whose `method` fails `times` times as a store that is unavailable (PostgreSQL restarting). */
    function failing(
      method: 'claimDeliveries' | 'completeAttempts',
      times: number,
    ): { store: Store; failed: () => number } {
      let failed = 0;
      const proxy = new Proxy(store, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (typeof value !== 'function') return value;
          if (property !== method) return value.bind(target);
          return (...args: unknown[]) => {
            if (failed < times) {
              failed += 1;
              return Promise.reject(new StoreFailure('unavailable', 'The database is restarting'));
            }
            return value.apply(target, args);
          };
        },
      });
      return { store: proxy, failed: () => failed };
    }

    it('claims again soon after a failed claim (a store that is restarting), not a poll interval later', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      await service.ingest('acct', [event('e1')]);
      const flaky = failing('claimDeliveries', 3);
      // No poll and no wake-up for a minute: only the retries after the failures can send e1.
      worker({ store: flaky.store, pollIntervalMs: 60_000 }).start();
      await sink.waitFor(1);
      expect(flaky.failed()).toBe(3);
      await expect.poll(() => statusesOf(webhook.id)).toEqual(['delivered']);
      expect(logs.filter((l) => l.startsWith('error Claiming deliveries failed'))).toHaveLength(3);
    });

    it('keeps the outcome of a request it sent while the store is unavailable, and records it once it is back', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      await service.ingest('acct', [event('e1')]);
      const flaky = failing('completeAttempts', 2);
      expect(await worker({ store: flaky.store }).runOnce()).toBe(1);
      expect(flaky.failed()).toBe(2);
      // Recorded once the store answered: delivered, one attempt, sent once (not again after the lease).
      const [detail] = await deliveries(webhook.id);
      expect(detail).toMatchObject({ status: 'delivered', attemptCount: 1 });
      expect(sink.count()).toBe(1);
    });

    it('sends to the region of the webhook, read at send time', async () => {
      const euSink = await startSegmentSink();
      const regional = createSegmentClient({ endpoints: { us: sink.url, eu: euSink.url } });
      try {
        const webhook = await webhookRoutedTo('order-placed');
        await service.updateWebhook('acct', webhook.id, { region: 'eu' });
        await service.ingest('acct', [event('e1')]);
        await worker({ client: regional }).runOnce();
        expect(euSink.count()).toBe(1);
        expect(sink.count()).toBe(0);
      } finally {
        await regional.close();
        await euSink.close();
      }
    });
  });

  describe('claim at insert (the service’s `worker` option)', () => {
    function embedded(options: Partial<DeliveryWorkerOptions> = {}) {
      const { store: counting, claims } = countingClaims(store);
      const handing = worker({ store: counting, pollIntervalMs: 60_000, ...options });
      const withWorker = createSegmentWebhookService({
        store,
        encryptionKey: ENCRYPTION_KEY,
        plan: () => 10,
        client,
        logger,
        worker: handing,
      });
      return { handing, withWorker, claims };
    }

    it('hands new deliveries to the in-process worker without a claim, and records them as usual', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      const { handing, withWorker, claims } = embedded();
      // (PostgreSQL: its LISTEN connection's first connect wakes the worker once; let that happen first.)
      await opened.listening();
      handing.start();
      await expect.poll(() => claims.count).toBe(1); // The start-up claim.
      await withWorker.ingest('acct', [event('e1'), event('e2')]);
      await withWorker.ingest('acct', [event('e3')]);
      await sink.waitFor(3);
      await expect.poll(() => statusesOf(webhook.id)).toEqual(['delivered', 'delivered', 'delivered']);
      expect(claims.count).toBe(1);
      expect(
        sink
          .messages()
          .map((m) => m.messageId)
          .sort(),
      ).toEqual(['e1', 'e2', 'e3'].map((id) => messageIdFor(webhook.id, id)).sort());
      const [detail] = await deliveries(webhook.id);
      expect(detail?.attempts).toMatchObject([{ number: 1, httpStatus: 200, outcome: 'delivered' }]);
      await withWorker.close();
    });

    it('takes only what it has room for; the rest is claimed from the store', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      const { handing, withWorker } = embedded({ maxHandoff: 2 });
      handing.start();
      await withWorker.ingest(
        'acct',
        Array.from({ length: 7 }, (_, i) => event(`e${i}`)),
      );
      await sink.waitFor(7);
      await expect.poll(() => statusesOf(webhook.id)).toEqual(Array(7).fill('delivered'));
      expect(new Set(sink.messages().map((m) => m.messageId)).size).toBe(7);
      await withWorker.close();
    });

    it('fills one request with what arrives while a write key waits for its rate budget', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      // Two requests at once, then one every 500 ms.
      const { handing, withWorker } = embedded({ requestsPerSecondPerKey: 2 });
      handing.start();
      await withWorker.ingest('acct', [event('e1')]);
      await sink.waitFor(1);
      await withWorker.ingest('acct', [event('e2')]);
      await sink.waitFor(2);
      // Out of budget: e3 waits for the next token, and e4…e10, reported one by one meanwhile, join it.
      for (let i = 3; i <= 10; i += 1) await withWorker.ingest('acct', [event(`e${i}`)]);
      await sink.waitFor(10);
      expect(sink.requests.map((r) => r.messageCount)).toEqual([1, 1, 8]);
      await expect.poll(() => statusesOf(webhook.id)).toEqual(Array(10).fill('delivered'));
      const attempts = (await deliveries(webhook.id)).map((d) => d.attempts.length);
      expect(attempts).toEqual(Array(10).fill(1));
      await withWorker.close();
    });

    it('inserts due deliveries when the worker is stopped, and a stopped worker gives leases back', async () => {
      const webhook = await webhookRoutedTo('order-placed');
      const { handing, withWorker } = embedded();
      await withWorker.ingest('acct', [event('e1')]);
      expect(handing.reserve(1)).toBe(0);
      const other = worker();
      expect(await other.runOnce()).toBe(1);
      await expect.poll(() => statusesOf(webhook.id)).toEqual(['delivered']);
      await withWorker.close();
    });
  });
});
