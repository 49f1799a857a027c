/**
 * Alert hooks and structured logs on every store (a real SQLite file, a PostgreSQL schema of its own), with
 * the real testing sink: `onWebhookHealthChange` once per change — also with three worker processes on one
 * store —, `onDeliveriesFailed` summed up per webhook, callbacks that throw or never finish, and no log line
 * with a write key, driven through the failure paths.
 */
import {
  createDeliveryWorker,
  createSegmentClient,
  createSegmentWebhookService,
  type DeliveriesFailedSummary,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
  generateEncryptionKey,
  type SegmentClient,
  type SegmentWebhookServiceInstance,
  type Store,
  StoreFailure,
  type WebhookHealthChange,
} from '@segment-webhook/core';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordLogs } from './logs';
import { startWorkerProcess, type WorkerProcess, waitUntil } from './processes';
import { type OpenedStore, STORE_KINDS, storeFixture } from './stores';

/** Polls wait for the kit's asynchronous work (deliveries, retries with backoff, hooks), not a deadline. */
const WAIT = { timeout: 30_000, interval: 50 };

const WRITE_KEY = 'wk_alerts_SECRET_7f3Kq9';
const ENCRYPTION_KEY = generateEncryptionKey();
const FAST_POLICY = { baseDelayMs: 5, maxDelayMs: 20, factor: 2, maxAttempts: 4 };

let sink: SegmentSink;
beforeAll(async () => {
  sink = await startSegmentSink();
});
afterAll(async () => {
  await sink.close();
});

function event(id: string, activityId = 'order-placed') {
  return { id, activityId, occurredAt: '2026-11-27T10:00:00.000Z', person: { id: 'p_1' }, attributes: { eventId: id } };
}

describe.each(STORE_KINDS)('alert hooks and logs on %s', (kind) => {
  const stores = storeFixture(kind, 'alerts', { synchronous: 'NORMAL' });
  afterAll(() => stores.cleanup());

  let opened: OpenedStore;
  let store: Store;
  let client: SegmentClient;
  let service: SegmentWebhookServiceInstance;
  const changes: WebhookHealthChange[] = [];
  const summaries: DeliveriesFailedSummary[] = [];
  const workers: DeliveryWorker[] = [];
  /** Every line logged by the service and the workers, as JSON. */
  const { logger, lines, clear: clearLogs } = recordLogs();

  beforeEach(async () => {
    sink.reset();
    sink.clear();
    changes.length = 0;
    summaries.length = 0;
    clearLogs();
    opened = await stores.open();
    store = opened.store;
    client = createSegmentClient({ endpoints: { us: sink.url, eu: sink.url }, timeoutMs: 2000 });
    service = createSegmentWebhookService({
      store,
      encryptionKey: ENCRYPTION_KEY,
      plan: () => 10,
      client,
      logger,
      onWebhookHealthChange: (change) => {
        changes.push(change);
      },
    });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    // Hooks are called on a later turn (a stop's last summaries among them): let them land in this test.
    await new Promise((resolve) => setTimeout(resolve, 20));
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
      onWebhookHealthChange: (change) => {
        changes.push(change);
      },
      onDeliveriesFailed: (summary) => {
        summaries.push(summary);
      },
      ...options,
    });
    workers.push(created);
    return created;
  }

  async function webhookRoutedTo(activityId: string, name = activityId) {
    const webhook = await service.createWebhook('acct', { name, trackEventName: 'Activity', writeKey: WRITE_KEY });
    await service.setDestination('acct', activityId, webhook.id);
    return webhook;
  }

  const statuses = async (webhookId: string) =>
    (await service.listDeliveries('acct', webhookId, { limit: 200 })).items.map((d) => d.status).sort();

  it('tells a change of health once: needs attention (with the reason), then healthy on resume or edit', async () => {
    const webhook = await webhookRoutedTo('order-placed', 'Orders');
    const w = worker({ needsAttentionAfter: 2 });
    sink.setBehavior(() => ({ status: 401, body: '{"error":"bad write key"}' }));
    for (const id of ['e1', 'e2', 'e3']) {
      await service.ingest('acct', [event(id)]);
      await w.runOnce();
    }
    await expect.poll(() => changes.length, WAIT).toBe(1);
    expect(changes[0]).toMatchObject({
      accountId: 'acct',
      webhookId: webhook.id,
      name: 'Orders',
      from: 'healthy',
      to: 'needs_attention',
      reason: expect.stringMatching(/HTTP 401/),
    });
    expect(new Date(changes[0]!.at).toISOString()).toBe(changes[0]!.at);
    // More refused batches while it needs attention change nothing (its new deliveries are held anyway).
    await service.ingest('acct', [event('e4')]);
    expect(await w.runOnce()).toBe(0);

    sink.setBehavior(null);
    await Promise.all([service.resume('acct', webhook.id), service.resume('acct', webhook.id)]);
    await expect.poll(() => changes.length, WAIT).toBe(2);
    expect(changes[1]).toMatchObject({
      webhookId: webhook.id,
      from: 'needs_attention',
      to: 'healthy',
      reason: 'Resumed.',
    });

    // Tipped again, then fixed by editing the settings: healthy once more, told once.
    sink.setBehavior(() => ({ status: 401 }));
    for (const id of ['e5', 'e6', 'e7']) {
      await service.ingest('acct', [event(id)]);
      await w.runOnce();
    }
    await expect.poll(() => changes.length, WAIT).toBe(3);
    await service.updateWebhook('acct', webhook.id, { writeKey: 'wk_alerts_FIXED_0000' });
    await service.updateWebhook('acct', webhook.id, { name: 'Orders (fixed)' });
    await expect.poll(() => changes.length, WAIT).toBe(4);
    expect(changes[3]).toMatchObject({ to: 'healthy', reason: 'The settings were edited.' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(changes).toHaveLength(4);
  });

  it('sums up failed deliveries per webhook: the first at once, the rest when the interval has passed (or on stop)', async () => {
    const webhook = await webhookRoutedTo('order-placed');
    const w = worker();
    sink.setBehavior(() => ({ status: 400, body: 'Bad request' }));
    await service.ingest('acct', [event('f1')]);
    await w.runOnce();
    await expect.poll(() => summaries.length, WAIT).toBe(1);
    expect(summaries[0]).toMatchObject({ accountId: 'acct', webhookId: webhook.id, failed: 1 });
    expect(summaries[0]!.sample).toEqual([
      expect.objectContaining({ eventId: 'f1', httpStatus: 400, error: expect.stringMatching(/HTTP 400/) }),
    ]);
    await service.ingest('acct', [event('f2'), event('f3')]);
    await w.runOnce();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Within the interval (60 s by default): gathered, not told.
    expect(summaries).toHaveLength(1);
    await w.stop();
    await expect.poll(() => summaries.length, WAIT).toBe(2);
    expect(summaries[1]).toMatchObject({ webhookId: webhook.id, failed: 2 });
    expect(summaries[1]!.sample.map((s) => s.eventId).sort()).toEqual(['f2', 'f3']);
  });

  it('never lets a callback that throws or never finishes block or lose a delivery', async () => {
    const webhook = await webhookRoutedTo('order-placed');
    const never = new Promise<void>(() => {});
    const w = worker({
      needsAttentionAfter: 1,
      onWebhookHealthChange: () => {
        throw new Error('the mailer is down');
      },
      onDeliveriesFailed: () => never,
    });
    w.start();
    sink.failNext(1, 400);
    await service.ingest('acct', [event('t1')]);
    await expect
      .poll(async () => (await service.getWebhook('acct', webhook.id)).health.state, WAIT)
      .toBe('needs_attention');
    await expect
      .poll(() => lines.some((l) => l.message === 'The onWebhookHealthChange callback failed'), WAIT)
      .toBe(true);
    await service.resume('acct', webhook.id);
    await service.ingest('acct', [event('t2'), event('t3'), event('t4')]);
    await expect.poll(() => statuses(webhook.id), WAIT).toEqual(['delivered', 'delivered', 'delivered', 'failed']);
    // The stop does not wait for the callback that never finishes.
    await w.stop();
    expect(lines.find((l) => l.message === 'The onWebhookHealthChange callback failed')?.details).toMatchObject({
      accountId: 'acct',
      webhookId: webhook.id,
      error: 'the mailer is down',
    });
  });

  it('never logs a write key, through refusals, retries, 429, a bad key, a failing store, needs attention and Test', async () => {
    const webhook = await webhookRoutedTo('order-placed');
    const other = await webhookRoutedTo('email-opened');
    const w = worker({ needsAttentionAfter: 2 });
    // Retries (503), a rate limit (429), refusals (400) until the webhook needs attention.
    sink.failNext(1, 503, `{"error":"busy","key":"${WRITE_KEY}"}`);
    sink.rateLimitNext(1, 0);
    await service.ingest('acct', [event('k1')]);
    await expect
      .poll(async () => (await w.runOnce()) === 0 && (await statuses(webhook.id)).includes('delivered'), WAIT)
      .toBe(true);
    sink.setBehavior(() => ({ status: 400, body: `{"error":"invalid","echo":"${WRITE_KEY}"}` }));
    for (const id of ['k2', 'k3']) {
      await service.ingest('acct', [event(id)]);
      await w.runOnce();
    }
    expect((await service.getWebhook('acct', webhook.id)).health.state).toBe('needs_attention');
    // The Test button failing: Segment refuses, then cannot be reached at all.
    await service.testWebhook('acct', other.id);
    await service.testConfiguration('acct', { name: 'T', trackEventName: 'T', writeKey: WRITE_KEY, fields: [] });
    sink.setBehavior(null);
    // A write key that cannot be decrypted (the ciphertext damaged in the store).
    await store.updateWebhook('acct', other.id, { writeKeyCiphertext: 'v1:garbage' });
    await service.ingest('acct', [event('k4', 'email-opened')]);
    await w.runOnce();
    // The store failing a call.
    const failing = new Proxy(store, {
      get(target, property) {
        if (property === 'insertDeliveries') {
          return () =>
            Promise.reject(new StoreFailure('unavailable', `connection refused (${WRITE_KEY.length} chars)`));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const flaky = createSegmentWebhookService({
      store: failing,
      encryptionKey: ENCRYPTION_KEY,
      plan: () => 10,
      client,
      logger,
    });
    await expect(flaky.ingest('acct', [event('k5', 'email-opened')])).rejects.toMatchObject({ code: 'unavailable' });
    await flaky.close();
    await w.stop();

    const messages = lines.map((l) => l.message);
    for (const expected of [
      'Segment rate-limited a write key; its deliveries are paused',
      'Segment webhook needs attention: its new deliveries are held',
      'Segment webhook deliveries failed',
      'A webhook’s write key could not be decrypted; its deliveries failed',
      'The store failed; the call was answered as retryable',
    ]) {
      expect(messages).toContain(expected);
    }
    const basic = Buffer.from(`${WRITE_KEY}:`).toString('base64');
    for (const line of lines) {
      const text = JSON.stringify(line);
      expect(text).not.toContain(WRITE_KEY);
      expect(text).not.toContain(basic);
      // Every line about a webhook names its account too.
      if ('webhookId' in line.details) expect(line.details.accountId, text).toBe('acct');
    }
  });

  it('with three worker processes on one store, tells a change of health once, not once per process', async () => {
    const webhook = await webhookRoutedTo('order-placed');
    sink.setBehavior(() => ({ status: 400, body: 'refused' }));
    const processes: WorkerProcess[] = [1, 2, 3].map((n) =>
      startWorkerProcess({
        ...opened.processEnv,
        SINK_URL: sink.url,
        ENCRYPTION_KEY,
        WORKER_ID: `alerts-${n}`,
        BATCH_SIZE: '1',
        CONCURRENCY: '2',
        POLL_MS: '20',
        NEEDS_ATTENTION_AFTER: '3',
        PRUNE: '0',
      }),
    );
    try {
      await Promise.all(processes.map((p) => p.ready));
      for (let i = 0; i < 30; i += 1) await service.ingest('acct', [event(`p${i}`)]);
      await waitUntil(
        async () => (await service.getWebhook('acct', webhook.id)).health.state === 'needs_attention',
        'the webhook to need attention',
      );
      // Every batch in flight finishes (their refusals are recorded) before the processes stop.
      await Promise.all(processes.map((p) => p.terminate()));
      const told = processes.flatMap((p) => p.healthChanges());
      expect(told).toEqual([expect.objectContaining({ webhookId: webhook.id, to: 'needs_attention' })]);
      expect(sink.requests.length).toBeGreaterThanOrEqual(3);
    } finally {
      await Promise.all(processes.map((p) => p.kill()));
    }
    // The resume happens in one process (this one, serving the API): told once.
    changes.length = 0;
    await service.resume('acct', webhook.id);
    await expect.poll(() => changes.map((c) => c.to), WAIT).toEqual(['healthy']);
  });
});
