import { messageIdFor } from '@segment-webhook/core/contract';
import { describe, expect, it } from 'vitest';
import { createManualClock } from './manual-clock';
import { createInMemoryBackend, type InMemoryBackend } from './memory-backend';
import { createSampleBackend, SAMPLE_NOW } from './sample-account';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const API = '/api/segment-webhooks';

async function backendWithWebhook(): Promise<InMemoryBackend> {
  const backend = await createInMemoryBackend({
    now: T0,
    catalog: { activities: [{ id: 'order-placed', name: 'Order placed' }], fields: { person: [], activity: [] } },
    seed: async (b) => {
      await b.createWebhook({ id: 'wh_1', name: 'Orders', trackEventName: 'Order placed', writeKey: 'wk_test_1234' });
      await b.route('order-placed', 'wh_1');
    },
  });
  return backend;
}

const event = (backend: InMemoryBackend, id: string) => ({
  id,
  activityId: 'order-placed',
  occurredAt: new Date(backend.clock.now()).toISOString(),
  person: { id: 'p_1', email: 'ada@example.com' },
});

async function json(backend: InMemoryBackend, path: string, init?: RequestInit): Promise<[number, unknown]> {
  const response = await backend.fetch(`${API}${path}`, init);
  return [response.status, await response.json()];
}

describe('createInMemoryBackend', () => {
  it('serves the REST API through its fetch: relative URLs, JSON bodies, problems and unknown routes', async () => {
    const backend = await backendWithWebhook();
    backend.clock.advance(60_000);
    const [status, created] = await json(backend, '/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Second', trackEventName: 'Signed up', writeKey: 'wk_second_9876' }),
    });
    expect(status).toBe(201);
    expect(created).toMatchObject({ name: 'Second', status: 'active', writeKeyHint: '…9876' });
    expect(JSON.stringify(created)).not.toContain('wk_second_9876');
    const [, list] = await json(backend, '/webhooks');
    expect((list as { items: { id: string }[] }).items.map((w) => w.id)).toEqual([
      'wh_1',
      (created as { id: string }).id,
    ]);
    expect(await json(backend, '/webhooks?status=paused')).toEqual([
      400,
      expect.objectContaining({ code: 'validation_error' }),
    ]);
    expect((await backend.fetch(`${API}/nowhere`)).status).toBe(404);
    expect((await backend.fetch(`${API}/activities`, { method: 'GET' })).status).toBe(200);
  });

  it('delivers only when asked, at the clock’s time, to the Segment stand-in', async () => {
    const backend = await backendWithWebhook();
    backend.clock.advance(5_000);
    expect(await backend.ingest(event(backend, 'evt_1'))).toEqual({ accepted: 1, deliveries: 1, skipped: 0 });
    const [, before] = await json(backend, '/webhooks/wh_1/deliveries');
    const [queued] = (before as { items: { status: string; createdAt: string; messageId: string }[] }).items;
    expect(queued).toMatchObject({ status: 'pending', createdAt: new Date(T0 + 5_000).toISOString() });
    expect(queued!.messageId).toBe(messageIdFor('wh_1', 'evt_1'));
    expect(backend.sink.count()).toBe(0);

    expect(await backend.deliver()).toBe(1);
    expect(backend.sink.messages('wk_test_1234').map((message) => message.messageId)).toEqual([
      messageIdFor('wh_1', 'evt_1'),
    ]);
    const [, after] = await json(backend, '/webhooks/wh_1/deliveries');
    expect((after as { items: unknown[] }).items[0]).toMatchObject({
      status: 'delivered',
      deliveredAt: new Date(T0 + 5_000).toISOString(),
    });
    expect(await backend.deliver()).toBe(0);
  });

  it('retries only once the clock reaches the retry', async () => {
    const backend = await backendWithWebhook();
    await backend.ingest(event(backend, 'evt_retry'));
    backend.sink.failNext(1, 503);
    expect(await backend.deliver()).toBe(1);
    const [retrying] = (await backend.service.listDeliveries(backend.accountId, 'wh_1')).items;
    expect(retrying).toMatchObject({ status: 'retrying', attemptCount: 1 });
    // Core's backoff with the jitter fixed in the middle: 500 ms × 1.5.
    expect(Date.parse(retrying!.nextAttemptAt!)).toBe(T0 + 750);
    expect(await backend.deliver()).toBe(0);
    backend.clock.advance(749);
    expect(await backend.deliver()).toBe(0);
    backend.clock.advance(1);
    expect(await backend.deliver()).toBe(1);
    expect((await backend.service.listDeliveries(backend.accountId, 'wh_1')).items[0]).toMatchObject({
      status: 'delivered',
      attemptCount: 2,
    });
  });

  it('names webhooks, and draws every other id from the clock and a counter (time-ordered)', async () => {
    const backend = await backendWithWebhook();
    const unnamed = await backend.createWebhook({ name: 'Unnamed', trackEventName: 'E', writeKey: 'wk_unnamed_1' });
    expect(unnamed.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    const ids: string[] = [];
    for (const id of ['evt_a', 'evt_b', 'evt_c']) {
      await backend.ingest(event(backend, id));
      backend.clock.advance(id === 'evt_a' ? 0 : 1_000);
    }
    for (const delivery of (await backend.service.listDeliveries(backend.accountId, 'wh_1')).items) {
      ids.push(delivery.id);
    }
    expect(ids).toEqual([...ids].sort().reverse());
    expect(new Set(ids).size).toBe(3);
  });

  it('logs every request by the server’s route names, and refuses an unknown route name', async () => {
    const backend = await backendWithWebhook();
    await backend.fetch(`${API}/webhooks/wh_1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Renamed' }),
    });
    await backend.fetch(`${API}/webhooks?status=active`);
    await backend.fetch(`${API}/elsewhere`);
    expect(backend.requests).toEqual([
      { route: 'PATCH /webhooks/:id', method: 'PATCH', path: '/webhooks/wh_1', query: {}, body: { name: 'Renamed' } },
      { route: 'GET /webhooks', method: 'GET', path: '/webhooks', query: { status: 'active' }, body: undefined },
      { route: null, method: 'GET', path: '/elsewhere', query: {}, body: undefined },
    ]);
    expect(backend.requestsTo('PATCH /webhooks/:id')).toHaveLength(1);
    expect(() => backend.requestsTo('PATCH /webhook/:id')).toThrow(/No route "PATCH \/webhook\/:id"/);
    expect(() => backend.fail('GET /hooks', 'network')).toThrow(/No route/);
  });

  it('fails or hangs a route before the handler, as a network or a host could, and answers again after', async () => {
    const backend = await backendWithWebhook();
    backend.fail('PATCH /webhooks/:id', {
      code: 'validation_error',
      detail: 'Taken.',
      errors: [{ path: ['name'], message: 'Taken' }],
    });
    const patch = () =>
      backend.fetch(`${API}/webhooks/wh_1`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Renamed' }),
      });
    const refused = await patch();
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({
      code: 'validation_error',
      detail: 'Taken.',
      errors: [{ path: ['name'] }],
    });
    expect((await backend.service.getWebhook(backend.accountId, 'wh_1')).name).toBe('Orders');

    // An internal error says what the server says: nothing more.
    backend.fail('GET /usage', { code: 'internal_error', detail: 'secret details' });
    expect(await json(backend, '/usage')).toEqual([500, expect.not.objectContaining({ detail: 'secret details' })]);
    backend.fail('GET /usage', 'network');
    await expect(backend.fetch(`${API}/usage`)).rejects.toThrow(TypeError);
    backend.fail('GET /usage', null);
    backend.fail('PATCH /webhooks/:id', null);
    expect((await patch()).status).toBe(200);
    expect(await json(backend, '/usage')).toEqual([200, { outboundActivityStreams: 1, includedStreams: 5 }]);

    backend.hang('GET /fields');
    const controller = new AbortController();
    const hung = backend.fetch(`${API}/fields`, { signal: controller.signal });
    await expect.poll(() => backend.requestsTo('GET /fields')).toHaveLength(1);
    controller.abort();
    await expect(hung).rejects.toMatchObject({ name: 'AbortError' });
    backend.hang('GET /fields', false);
    expect((await backend.fetch(`${API}/fields`)).status).toBe(200);
  });

  it('streams the live feed, and aborting the request errors its body and stops the feed', async () => {
    const backend = await backendWithWebhook();
    const controller = new AbortController();
    const response = await backend.fetch(`${API}/webhooks/wh_1/deliveries/stream`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`The stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await readUntil(/: connected/);
    await backend.ingest(event(backend, 'evt_live'));
    await readUntil(/"status":"pending"/);
    await backend.deliver();
    await readUntil(/"status":"delivered"/);
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('keeps the clock still until told, and never moves it back', () => {
    const clock = createManualClock(T0);
    expect(clock.now()).toBe(T0);
    expect(clock.advance(250)).toBe(T0 + 250);
    expect(clock.set(T0 + 1_000)).toBe(T0 + 1_000);
    expect(() => clock.set(T0)).toThrow(/only moves forward/);
    expect(() => clock.advance(-1)).toThrow(/only moves forward/);
    expect(() => clock.advance(0.5)).toThrow(TypeError);
    expect(clock.now()).toBe(T0 + 1_000);
  });
});

describe('createSampleBackend', () => {
  it('builds the sample account through the API: every lifecycle and health state, with its deliveries', async () => {
    const backend = await createSampleBackend();
    expect(backend.clock.now()).toBe(SAMPLE_NOW);
    const webhooks = await backend.service.listWebhooks(backend.accountId);
    expect(webhooks.map((w) => [w.id, w.status, w.health.state])).toEqual([
      ['wh_orders', 'active', 'healthy'],
      ['wh_email', 'active', 'needs_attention'],
      ['wh_survey', 'disconnected', 'healthy'],
      ['wh_legacy', 'archived', 'healthy'],
    ]);
    expect(webhooks[1]!.health.reason).toMatch(/refused every message of the last 5 batches.*Exceed payload limit/);
    expect(await backend.service.usage(backend.accountId)).toEqual({ outboundActivityStreams: 3, includedStreams: 5 });

    const orders = (await backend.service.listDeliveries(backend.accountId, 'wh_orders', { limit: 200 })).items;
    expect(orders).toHaveLength(48);
    expect(orders.slice(0, 2).map((d) => d.status)).toEqual(['pending', 'retrying']);
    expect(new Set(orders.map((d) => d.status))).toEqual(new Set(['pending', 'retrying', 'delivered', 'failed']));
    expect(orders.some((d) => d.source === 'send')).toBe(true);
    for (const d of orders)
      expect(d.messageId).toBe(messageIdFor('wh_orders', d.source === 'send' ? `send:${d.eventId}` : d.eventId));
    const failed = orders.filter((d) => d.status === 'failed');
    expect(failed.every((d) => d.attemptCount === 3)).toBe(true);
    expect(backend.sample.recentFailedDeliveryId).toBe(
      failed.find((d) => Date.parse(d.createdAt) >= SAMPLE_NOW - 86_400_000)?.id,
    );
    expect(backend.sample.staleFailedDeliveryId).toBe(
      failed.find((d) => Date.parse(d.createdAt) < SAMPLE_NOW - 86_400_000)?.id,
    );
    expect(backend.sample.staleFailedDeliveryId).not.toBeNull();
    expect(Date.parse(orders.at(-1)!.createdAt)).toBeGreaterThan(SAMPLE_NOW - 3 * 86_400_000);

    const held = async (id: string) =>
      (await backend.service.listDeliveries(backend.accountId, id, { status: 'pending' })).items.map(
        (d) => d.heldReason,
      );
    expect(await held('wh_email')).toEqual(['needs_attention', 'needs_attention', 'needs_attention']);
    expect(await held('wh_survey')).toEqual(['disconnected', 'disconnected', 'disconnected']);
    // Nothing more is due: seeding left no work behind but the retry it meant to leave.
    expect(await backend.deliver()).toBe(2);
  });

  it('comes out the same on every run: ids, times and outcomes', async () => {
    const snapshot = async () => {
      const backend = await createSampleBackend({ orders: { events: 30, days: 2 } });
      const response = await backend.fetch(`${API}/webhooks/wh_orders/deliveries?limit=200`);
      return response.text();
    };
    const first = await snapshot();
    expect(await snapshot()).toBe(first);
  });

  it('seeds any history length and span without a round sending more than the step it belongs to', async () => {
    for (const [events, days] of [
      [1, 1],
      [2, 1],
      [3, 1],
      [7, 2],
      [30, 2],
      [160, 30],
      [301, 45],
    ] as const) {
      const backend = await createSampleBackend({ orders: { events, days } });
      const orders = [];
      let cursor: string | null | undefined;
      do {
        const page = await backend.service.listDeliveries(backend.accountId, 'wh_orders', {
          limit: 200,
          ...(cursor ? { cursor } : {}),
        });
        orders.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      expect(orders, `${events} events over ${days} days`).toHaveLength(events);
      expect(Date.parse(orders.at(-1)!.createdAt)).toBeGreaterThan(SAMPLE_NOW - days * 86_400_000);
      expect(orders[0]!.status).toBe('pending');
    }
  });

  it('leaves out the webhooks, activities and history it is told to', async () => {
    const backend = await createSampleBackend({
      webhooks: ['wh_orders', 'wh_legacy'],
      activities: [{ id: 'order-placed', name: 'Order placed' }],
      includedStreams: 2,
      orders: { events: 0 },
    });
    expect((await backend.service.listWebhooks(backend.accountId)).map((w) => w.id)).toEqual([
      'wh_orders',
      'wh_legacy',
    ]);
    expect(await backend.service.listRoutes(backend.accountId)).toEqual([
      { activityId: 'order-placed', webhookId: 'wh_orders' },
    ]);
    expect(await backend.service.usage(backend.accountId)).toEqual({ outboundActivityStreams: 1, includedStreams: 2 });
    expect((await backend.service.listDeliveries(backend.accountId, 'wh_orders')).items).toEqual([]);
    const [, activities] = await json(backend, '/activities');
    expect(activities).toEqual({
      items: [{ id: 'order-placed', name: 'Order placed', destinationWebhookId: 'wh_orders' }],
    });
  });
});
