/**
 * The core service on every store (a real SQLite file, a PostgreSQL schema of its own) and the real
 * testing sink.
 */
import {
  createSegmentWebhookService,
  generateEncryptionKey,
  messageIdFor,
  type SegmentWebhookServiceInstance,
  type Store,
  StoreFailure,
} from '@segment-webhook/core';
import { type DeliveryChange, SegmentWebhookError } from '@segment-webhook/core/contract';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STORE_KINDS, storeFixture } from './stores';

const WRITE_KEY = 'wk_live_SECRET_abcdef123456';
const ENCRYPTION_KEY = generateEncryptionKey();
const T0 = Date.UTC(2026, 10, 27, 10, 30, 0);

let sink: SegmentSink;
beforeAll(async () => {
  sink = await startSegmentSink();
});
afterAll(async () => {
  await sink.close();
});

describe.each(STORE_KINDS)('the service on %s', (kind) => {
  const stores = storeFixture(kind, 'service');
  afterAll(() => stores.cleanup());

  let store: Store;
  let service: SegmentWebhookServiceInstance;
  let clock: number;
  let included: number;

  beforeEach(async () => {
    sink.reset();
    sink.clear();
    ({ store } = await stores.open());
    clock = T0;
    included = 3;
    service = createSegmentWebhookService({
      store,
      encryptionKey: ENCRYPTION_KEY,
      plan: () => included,
      endpoints: { us: sink.url, eu: sink.url },
      now: () => clock,
    });
  });

  afterEach(async () => {
    await service.close();
    await store.close();
  });

  const config = {
    name: 'Production',
    trackEventName: 'Activity performed',
    writeKey: WRITE_KEY,
    fields: [{ key: 'plan', from: 'person.plan' }],
  };

  function event(id: string, overrides: Record<string, unknown> = {}) {
    return {
      id,
      activityId: 'order-placed',
      occurredAt: new Date(T0 - 5000).toISOString(),
      person: { id: 'p_1', plan: 'pro' },
      attributes: { amount: 42 },
      ...overrides,
    };
  }

  async function codeOf(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof SegmentWebhookError) return error.code;
      throw error;
    }
    return 'resolved';
  }

  /** Fails every unfinished delivery of the store, as a worker would on a permanent refusal. */
  async function failAll(at: number): Promise<void> {
    const claimed = await store.claimDeliveries('test', at, 60_000, 1000);
    await store.completeAttempts(
      'test',
      claimed.map((d) => ({
        deliveryId: d.id,
        attempt: {
          number: d.attemptCount + 1,
          at,
          httpStatus: 400,
          latencyMs: 3,
          outcome: 'failed' as const,
          error: 'HTTP 400',
          responseBody: 'Exceed payload limit',
          configVersion: null,
        },
        counted: true,
        status: 'failed' as const,
        nextAttemptAt: null,
        lastError: 'HTTP 400',
      })),
      at,
    );
  }

  describe('webhooks', () => {
    it('creates with defaults, hides the write key and scopes reads to the account', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      expect(webhook).toMatchObject({
        name: 'Production',
        region: 'us',
        sendActivityPayload: true,
        status: 'active',
        health: { state: 'healthy', reason: null, since: null },
        writeKeyHint: '…3456',
        createdAt: new Date(T0).toISOString(),
      });
      expect(JSON.stringify(webhook)).not.toContain(WRITE_KEY);
      expect(await service.getWebhook('acct_a', webhook.id)).toEqual(webhook);
      expect(await codeOf(service.getWebhook('acct_b', webhook.id))).toBe('not_found');
      expect(await service.listWebhooks('acct_b')).toEqual([]);
      const stored = await store.getWebhook('acct_a', webhook.id);
      expect(JSON.stringify(stored)).not.toContain(WRITE_KEY);
    });

    it('validates input with the contract and changes nothing on error', async () => {
      const error = await service
        .createWebhook('acct_a', { ...config, writeKey: 'has space', fields: 'x' })
        .catch((e) => e);
      expect(error).toBeInstanceOf(SegmentWebhookError);
      expect(error.code).toBe('validation_error');
      expect(error.issues.map((i: { path: unknown[] }) => i.path[0]).sort()).toEqual(['fields', 'writeKey']);
      expect(String(error)).not.toContain('has space');
      expect(await service.listWebhooks('acct_a')).toEqual([]);
      expect(await codeOf(service.listWebhooks('acct_a', { status: 'nope' }))).toBe('validation_error');
    });

    it('updates partially; a new write key changes the hint; lists filter by status', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      clock += 1000;
      const updated = await service.updateWebhook('acct_a', webhook.id, { writeKey: 'another_key_9999', region: 'eu' });
      expect(updated).toMatchObject({ writeKeyHint: '…9999', region: 'eu', name: 'Production' });
      expect(updated.updatedAt).toBe(new Date(T0 + 1000).toISOString());
      expect(await codeOf(service.updateWebhook('acct_a', webhook.id, {}))).toBe('validation_error');
      expect(await codeOf(service.updateWebhook('acct_b', webhook.id, { name: 'x' }))).toBe('not_found');
      await service.disconnect('acct_a', webhook.id);
      const other = await service.createWebhook('acct_a', config);
      expect((await service.listWebhooks('acct_a', { status: 'active' })).map((w) => w.id)).toEqual([other.id]);
      expect((await service.listWebhooks('acct_a')).map((w) => w.id)).toEqual([webhook.id, other.id]);
    });

    it('refuses to start without an encryption key', () => {
      expect(() => createSegmentWebhookService({ store, plan: () => 1 })).toThrow(/encryptionKey/);
    });
  });

  describe('lifecycle', () => {
    it('goes active ⇄ disconnected ⇄ archived and deletes only when archived', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      expect(await codeOf(service.archive('acct_a', webhook.id))).toBe('invalid_state');
      expect(await codeOf(service.reconnect('acct_a', webhook.id))).toBe('invalid_state');
      expect(await codeOf(service.deleteWebhook('acct_a', webhook.id))).toBe('invalid_state');
      expect((await service.disconnect('acct_a', webhook.id)).status).toBe('disconnected');
      expect((await service.reconnect('acct_a', webhook.id)).status).toBe('active');
      await service.disconnect('acct_a', webhook.id);
      expect((await service.archive('acct_a', webhook.id)).status).toBe('archived');
      expect(await codeOf(service.disconnect('acct_a', webhook.id))).toBe('invalid_state');
      expect((await service.unarchive('acct_a', webhook.id)).status).toBe('disconnected');
      await service.archive('acct_a', webhook.id);
      expect(await codeOf(service.deleteWebhook('acct_b', webhook.id))).toBe('not_found');
      await service.deleteWebhook('acct_a', webhook.id);
      expect(await codeOf(service.getWebhook('acct_a', webhook.id))).toBe('not_found');
    });
  });

  describe('routing and usage', () => {
    it('checks the plan, does not count a re-route twice, and archiving releases streams', async () => {
      included = 2;
      const a = await service.createWebhook('acct_a', config);
      const b = await service.createWebhook('acct_a', config);
      expect(await service.setDestination('acct_a', 'one', a.id)).toEqual({ activityId: 'one', webhookId: a.id });
      await service.setDestination('acct_a', 'two', a.id);
      expect(await codeOf(service.setDestination('acct_a', 'three', a.id))).toBe('stream_limit_reached');
      expect(await service.setDestination('acct_a', 'two', b.id)).toEqual({ activityId: 'two', webhookId: b.id });
      expect(await service.usage('acct_a')).toEqual({ outboundActivityStreams: 2, includedStreams: 2 });
      expect(await codeOf(service.setDestination('acct_b', 'one', a.id))).toBe('not_found');
      expect(await service.setDestination('acct_a', 'one', null)).toBeNull();
      expect(await service.listRoutes('acct_a')).toEqual([{ activityId: 'two', webhookId: b.id }]);
      await service.disconnect('acct_a', b.id);
      await service.archive('acct_a', b.id);
      expect(await service.usage('acct_a')).toEqual({ outboundActivityStreams: 0, includedStreams: 2 });
      expect(await codeOf(service.setDestination('acct_a', 'two', b.id))).toBe('invalid_state');
    });
  });

  describe('ingest and send', () => {
    it('fans out by route, snapshots the payload, and ignores duplicate event ids', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      expect(
        await service.ingest('acct_a', { events: [event('e1'), event('e2'), event('e3', { activityId: 'unrouted' })] }),
      ).toEqual({ accepted: 3, deliveries: 2, skipped: 0 });
      expect(await service.ingest('acct_a', event('e1'))).toEqual({ accepted: 1, deliveries: 0, skipped: 0 });
      expect(await service.ingest('acct_a', [event('e2'), event('e4')])).toEqual({
        accepted: 2,
        deliveries: 1,
        skipped: 0,
      });
      expect(await service.ingest('acct_b', [event('e5')])).toEqual({ accepted: 1, deliveries: 0, skipped: 0 });

      // The payload is a snapshot: later edits do not change queued messages.
      await service.updateWebhook('acct_a', webhook.id, { trackEventName: 'Renamed' });
      const page = await service.listDeliveries('acct_a', webhook.id);
      expect(page.items.map((d) => d.eventId)).toHaveLength(3);
      const first = page.items.find((d) => d.eventId === 'e1')!;
      expect(first).toMatchObject({ status: 'pending', heldReason: null, source: 'activity', personId: 'p_1' });
      const detail = await service.getDelivery('acct_a', webhook.id, first.id);
      expect(detail.message).toMatchObject({
        event: 'Activity performed',
        userId: 'p_1',
        messageId: messageIdFor(webhook.id, 'e1'),
        properties: { amount: 42, plan: 'pro' },
      });
      expect(detail.messageId).toBe(detail.message.messageId);
    });

    it('rejects a whole batch with an oversized message, and invalid events, committing nothing', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      const huge = event('big', { attributes: { blob: 'x'.repeat(40_000) } });
      const error = await service.ingest('acct_a', [event('ok'), huge]).catch((e) => e);
      expect(error.code).toBe('message_too_large');
      expect(error.issues[0].path).toEqual(['events', 1]);
      expect(await codeOf(service.ingest('acct_a', [{ ...event('bad'), occurredAt: 'yesterday' }]))).toBe(
        'validation_error',
      );
      expect(await codeOf(service.ingest('acct_a', []))).toBe('validation_error');
      expect((await service.listDeliveries('acct_a', webhook.id)).items).toEqual([]);
    });

    it('reports the errors of the shape the caller sent: one event, or {events}', async () => {
      const paths = async (input: unknown) => {
        const error = await service.ingest('acct_a', input).catch((e) => e);
        expect(error).toBeInstanceOf(SegmentWebhookError);
        expect(error.code).toBe('validation_error');
        return error.issues.map((i: { path: unknown[] }) => i.path);
      };
      // One event: its own fields are named.
      expect(await paths({ ...event('one'), occurredAt: 'yesterday' })).toEqual([['occurredAt']]);
      expect(await paths({ ...event('one'), person: {} })).toEqual([['person', 'id']]);
      // A batch: the path goes through `events`.
      expect(await paths({ events: 'x' })).toEqual([['events']]);
      const batch = await paths({ events: [event('a'), { ...event('b'), activityId: '' }] });
      expect(batch.length).toBeGreaterThan(0);
      for (const path of batch) expect(path).toEqual(['events', 1, 'activityId']);
      // `events` beside an event's fields is neither shape.
      expect((await paths({ ...event('c'), events: [] })).length).toBeGreaterThan(0);
      expect(await codeOf(service.ingest('acct_a', null))).toBe('validation_error');
      expect(await codeOf(service.ingest('acct_a', 'x'))).toBe('validation_error');
    });

    it('records events routed to a disconnected webhook as skipped (never sent), and refuses sends to it', async () => {
      // Until issue 15 these created no delivery at all; now the logs show what the webhook missed.
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      await service.disconnect('acct_a', webhook.id);
      expect(await service.ingest('acct_a', [event('e1')])).toEqual({ accepted: 1, deliveries: 0, skipped: 1 });
      expect(await service.ingest('acct_a', [event('e1')])).toEqual({ accepted: 1, deliveries: 0, skipped: 0 });
      const page = await service.listDeliveries('acct_a', webhook.id);
      expect(page.items.map((d) => [d.eventId, d.status, d.heldReason, d.nextAttemptAt])).toEqual([
        ['e1', 'skipped', null, null],
      ]);
      expect((await service.getWebhook('acct_a', webhook.id)).skippedSinceDisconnect).toBe(1);
      expect((await service.overview('acct_a', webhook.id, '24h')).counts).toMatchObject({ skipped: 1, held: 0 });
      expect(await store.claimDeliveries('w', T0 + 60_000, 1000, 10)).toEqual([]);
      expect(await codeOf(service.sendToWebhook('acct_a', webhook.id, { person: { id: 'p' } }))).toBe('invalid_state');
    });

    it('sends to a webhook once per idempotency key', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      const request = {
        person: { id: 'p_9', plan: 'free' },
        activity: { activityId: 'journey-step', attributes: { step: 3 } },
        id: 'journey-1',
      };
      const first = await service.sendToWebhook('acct_a', webhook.id, request);
      const again = await service.sendToWebhook('acct_a', webhook.id, request);
      expect(again).toEqual(first);
      const other = await service.sendToWebhook('acct_a', webhook.id, { person: { id: 'p_9' } });
      expect(other.deliveryId).not.toBe(first.deliveryId);
      const detail = await service.getDelivery('acct_a', webhook.id, first.deliveryId);
      expect(detail).toMatchObject({
        source: 'send',
        eventId: 'journey-1',
        activityId: 'journey-step',
        personId: 'p_9',
      });
      expect(detail.message.properties).toEqual({ step: 3, plan: 'free' });
      expect(detail.messageId).not.toBe(messageIdFor(webhook.id, 'journey-1'));
      expect(await codeOf(service.sendToWebhook('acct_b', webhook.id, request))).toBe('not_found');
      expect(await codeOf(service.sendToWebhook('acct_a', webhook.id, { person: {} }))).toBe('validation_error');
    });
  });

  describe('deliveries', () => {
    it('pages newest first with an opaque cursor and filters', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      for (let i = 0; i < 7; i++) {
        clock = T0 + i * 1000;
        await service.ingest('acct_a', [event(`e${i}`, { person: { id: i % 2 ? 'odd' : 'even' } })]);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.listDeliveries('acct_a', webhook.id, { limit: 3, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((d) => d.eventId));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e0']);
      const odd = await service.listDeliveries('acct_a', webhook.id, { personId: 'odd' });
      expect(odd.items.map((d) => d.eventId)).toEqual(['e5', 'e3', 'e1']);
      expect(odd.nextCursor).toBeNull();
      const ranged = await service.listDeliveries('acct_a', webhook.id, {
        from: new Date(T0 + 2000).toISOString(),
        to: new Date(T0 + 4000).toISOString(),
      });
      expect(ranged.items.map((d) => d.eventId)).toEqual(['e3', 'e2']);
      expect((await service.listDeliveries('acct_a', webhook.id, { eventId: 'e4' })).items).toHaveLength(1);
      expect(await codeOf(service.listDeliveries('acct_a', webhook.id, { cursor: 'garbage' }))).toBe(
        'validation_error',
      );
      expect(await codeOf(service.listDeliveries('acct_a', webhook.id, { limit: 0 }))).toBe('validation_error');
      expect(await codeOf(service.listDeliveries('acct_b', webhook.id))).toBe('not_found');
    });

    it('retries failed deliveries only, keeping messageId and timestamp', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      await service.ingest('acct_a', [event('e1'), event('e2'), event('e3')]);
      const [pending] = (await service.listDeliveries('acct_a', webhook.id)).items;
      await failAll(T0 + 10);
      await service.ingest('acct_a', [event('e4')]);
      const before = await service.getDelivery('acct_a', webhook.id, pending!.id);
      expect(before.status).toBe('failed');
      clock = T0 + 60_000;
      const retried = await service.retryDelivery('acct_a', webhook.id, pending!.id);
      expect(retried).toMatchObject({ status: 'pending', messageId: before.messageId, attemptCount: 1 });
      expect(retried.message).toEqual(before.message);
      expect(await codeOf(service.retryDelivery('acct_a', webhook.id, pending!.id))).toBe('invalid_state');
      expect(await codeOf(service.retryDelivery('acct_a', webhook.id, 'missing'))).toBe('not_found');
      expect(await codeOf(service.retryDelivery('acct_b', webhook.id, pending!.id))).toBe('not_found');
      expect(await service.retryFailed('acct_a', webhook.id)).toEqual({ retried: 2 });
      expect(await service.retryFailed('acct_a', webhook.id)).toEqual({ retried: 0 });
      expect((await service.listDeliveries('acct_a', webhook.id, { status: 'failed' })).items).toEqual([]);
    });

    it('feeds live changes of one webhook to subscribers', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      const other = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      await service.setDestination('acct_a', 'other', other.id);
      const changes: DeliveryChange[] = [];
      const unsubscribe = await service.subscribe('acct_a', webhook.id, (change) => changes.push(change));
      expect(await codeOf(service.subscribe('acct_b', webhook.id, () => {}))).toBe('not_found');
      await service.ingest('acct_a', [event('e1'), event('x1', { activityId: 'other' })]);
      // The feed reads a delivery when it handles its notice: a change made before the previous notice was
      // read shows in both as the newer state (the feed converges on the latest). Let it read the first.
      await expect.poll(() => changes.length).toBe(1);
      await failAll(T0 + 5);
      await expect.poll(() => changes.length).toBe(2);
      expect(changes.map((c) => [c.webhookId, c.delivery.eventId, c.delivery.status])).toEqual([
        [webhook.id, 'e1', 'pending'],
        [webhook.id, 'e1', 'failed'],
      ]);
      unsubscribe();
      await service.retryFailed('acct_a', webhook.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(changes).toHaveLength(2);
    });

    it('marks held deliveries with the reason and counts them in the overview', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      await service.ingest('acct_a', [event('e1'), event('e2')]);
      await service.disconnect('acct_a', webhook.id);
      const page = await service.listDeliveries('acct_a', webhook.id);
      expect(page.items.map((d) => d.heldReason)).toEqual(['disconnected', 'disconnected']);
      const overview = await service.overview('acct_a', webhook.id, '24h');
      expect(overview.counts).toEqual({ pending: 2, retrying: 0, delivered: 0, failed: 0, skipped: 0, held: 2 });
      await store.updateWebhook('acct_a', webhook.id, { status: 'active', healthState: 'needs_attention' });
      expect((await service.listDeliveries('acct_a', webhook.id)).items[0]?.heldReason).toBe('needs_attention');
      const resumed = await service.resume('acct_a', webhook.id);
      expect(resumed.health.state).toBe('healthy');
      expect((await service.listDeliveries('acct_a', webhook.id)).items[0]?.heldReason).toBeNull();
    });

    it('summarises a range: counts, hourly series, success rate, last delivery and lag', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      await service.ingest('acct_a', [event('e1'), event('e2'), event('e3')]);
      const claimed = await store.claimDeliveries('w', T0, 60_000, 10);
      await store.completeAttempts(
        'w',
        claimed.map((d, i) => ({
          deliveryId: d.id,
          attempt: {
            number: 1,
            at: T0 + 1000,
            httpStatus: i < 2 ? 200 : 400,
            latencyMs: 5,
            outcome: i < 2 ? ('delivered' as const) : ('failed' as const),
            error: null,
            responseBody: null,
            configVersion: null,
          },
          counted: true,
          status: i < 2 ? ('delivered' as const) : ('failed' as const),
          nextAttemptAt: null,
          lastError: null,
        })),
        T0 + 1000,
      );
      clock = T0 + 2 * 3_600_000;
      const overview = await service.overview('acct_a', webhook.id);
      expect(overview.range).toBe('24h');
      expect(overview.series).toHaveLength(24);
      expect(overview.series.at(-1)?.start).toBe('2026-11-27T12:00:00.000Z');
      expect(overview.series.find((b) => b.start === '2026-11-27T10:00:00.000Z')).toEqual({
        start: '2026-11-27T10:00:00.000Z',
        delivered: 2,
        failed: 1,
      });
      expect(overview.counts).toEqual({ pending: 0, retrying: 0, delivered: 2, failed: 1, skipped: 0, held: 0 });
      expect(overview.successRate).toBeCloseTo(2 / 3);
      expect(overview.lastDeliveredAt).toBe(new Date(T0 + 1000).toISOString());
      // occurredAt is T0 − 5 s, accepted by Segment at T0 + 1 s.
      expect(overview.lagMs).toEqual({ p50: 6000, p95: 6000 });
      const month = await service.overview('acct_a', webhook.id, '30d');
      expect(month.series).toHaveLength(30);
      expect(month.series.at(-1)).toEqual({ start: '2026-11-27T00:00:00.000Z', delivered: 2, failed: 1 });
      expect(await codeOf(service.overview('acct_a', webhook.id, '1y' as never))).toBe('validation_error');
    });

    it('prunes finished deliveries past the retention in bounded batches', async () => {
      const pruning = createSegmentWebhookService({
        store,
        encryptionKey: ENCRYPTION_KEY,
        plan: () => 10,
        retentionMs: 3_600_000,
        pruneBatchSize: 2,
        now: () => clock,
      });
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      await service.ingest('acct_a', [event('e1'), event('e2'), event('e3'), event('e4'), event('e5')]);
      await failAll(T0 + 1);
      clock = T0 + 2 * 3_600_000;
      await service.ingest('acct_a', [event('e6')]);
      expect(await pruning.prune()).toBe(5);
      expect((await service.listDeliveries('acct_a', webhook.id)).items.map((d) => d.eventId)).toEqual(['e6']);
      await pruning.close();
    });
  });

  describe('a store that is unavailable', () => {
    it('makes calls fail with a retryable `unavailable` (503, Retry-After), logged, never an internal error', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      await service.setDestination('acct_a', 'order-placed', webhook.id);
      let down = true;
      const restarting = new Proxy(store, {
        get(target, property) {
          const value = Reflect.get(target, property, target);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) =>
            down && property !== 'migrate'
              ? Promise.reject(new StoreFailure('unavailable', 'connection refused', { retryAfterMs: 2500 }))
              : value.apply(target, args);
        },
      });
      const warnings: string[] = [];
      const onRestarting = createSegmentWebhookService({
        store: restarting,
        encryptionKey: ENCRYPTION_KEY,
        plan: () => 3,
        logger: { info() {}, warn: (_details, message) => warnings.push(message), error() {} },
      });
      for (const call of [
        () => onRestarting.ingest('acct_a', [event('e1')]),
        () => onRestarting.listWebhooks('acct_a'),
        () => onRestarting.getDelivery('acct_a', webhook.id, 'd1'),
        () => onRestarting.subscribe('acct_a', webhook.id, () => {}),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(SegmentWebhookError);
        expect(error).toMatchObject({ code: 'unavailable', status: 503, retryAfterSeconds: 3 });
        expect((error as SegmentWebhookError).toProblem()).toMatchObject({ status: 503, code: 'unavailable' });
      }
      expect(warnings).toHaveLength(4);
      // Back: the same call goes through.
      down = false;
      expect(await onRestarting.ingest('acct_a', [event('e1')])).toEqual({ accepted: 1, deliveries: 1, skipped: 0 });
      await onRestarting.close();
    });
  });

  describe('the Test button', () => {
    it('sends one sample message with the unsaved configuration and creates no delivery', async () => {
      const result = await service.testConfiguration('acct_a', { ...config, name: undefined });
      expect(result).toMatchObject({ ok: true, httpStatus: 200, responseBody: '{"success":true}' });
      expect(result.error).toBeUndefined();
      expect(result.payload).toMatchObject({
        type: 'track',
        event: 'Activity performed',
        integrations: { All: false },
      });
      expect(result.payload.properties.plan).toBe('pro');
      const received = await sink.waitFor(1);
      expect(received[0]?.writeKey).toBe(WRITE_KEY);
      expect(received[0]?.message.messageId).toBe(result.payload.messageId);
      expect(JSON.stringify(result)).not.toContain(WRITE_KEY);
    });

    it('reports a refusal with the status, body and error, for a saved webhook', async () => {
      const webhook = await service.createWebhook('acct_a', config);
      sink.failNext(1, 400, 'Exceed payload limit');
      const result = await service.testWebhook('acct_a', webhook.id);
      expect(result).toMatchObject({ ok: false, httpStatus: 400, responseBody: 'Exceed payload limit' });
      expect(result.error).toBeTruthy();
      expect(JSON.stringify(result)).not.toContain(WRITE_KEY);
      expect((await service.listDeliveries('acct_a', webhook.id)).items).toEqual([]);
      expect(await codeOf(service.testWebhook('acct_b', webhook.id))).toBe('not_found');
      expect(await codeOf(service.testConfiguration('acct_a', { trackEventName: 'x' }))).toBe('validation_error');
    });
  });
});
