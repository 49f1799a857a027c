import { describe, expect, it } from 'vitest';
import { createKitBackend, type KitBackendParameters, LONG_HISTORY, SAMPLE_NOW } from '../test/backend';
import { createSegmentWebhookApi, readServerSentEvents } from './client';
import { ApiError } from './errors';

/** The client over the in-memory backend (the real server with the sample account). */
async function setup(parameters?: KitBackendParameters) {
  const backend = await createKitBackend(parameters);
  const api = createSegmentWebhookApi({
    baseUrl: '/api/segment-webhooks/',
    fetch: backend.fetch,
    headers: { authorization: 'Bearer t' },
  });
  return { backend, api };
}

describe('createSegmentWebhookApi', () => {
  it('finds deliveries by q (event id, message id or person id) and by time range', async () => {
    const { api } = await setup();
    const all = (await api.listDeliveries('wh_orders', { limit: 200 })).items;
    const target = all[3]!;
    expect((await api.listDeliveries('wh_orders', { q: target.eventId })).items.map((d) => d.id)).toEqual([target.id]);
    expect((await api.listDeliveries('wh_orders', { q: target.messageId })).items.map((d) => d.id)).toEqual([
      target.id,
    ]);
    const byPerson = (await api.listDeliveries('wh_orders', { q: target.personId })).items;
    expect(byPerson.length).toBeGreaterThan(0);
    for (const d of byPerson) expect(d.personId).toBe(target.personId);
    const from = new Date(SAMPLE_NOW - 6 * 3_600_000).toISOString();
    const to = new Date(SAMPLE_NOW - 3_600_000).toISOString();
    const windowed = (await api.listDeliveries('wh_orders', { from, to, limit: 200 })).items;
    expect(windowed.length).toBeGreaterThan(0);
    expect(windowed.length).toBeLessThan(all.length);
    for (const d of windowed) {
      expect(Date.parse(d.createdAt)).toBeGreaterThanOrEqual(Date.parse(from));
      expect(Date.parse(d.createdAt)).toBeLessThan(Date.parse(to));
    }
  });

  it('exports the filtered deliveries as CSV or NDJSON with the server’s file name, through the configured fetch', async () => {
    const { api, backend } = await setup();
    const target = (await api.listDeliveries('wh_orders')).items[0]!;
    expect(api.exportDeliveriesUrl('wh_orders', { q: target.eventId, status: 'failed' }, 'csv')).toBe(
      `/api/segment-webhooks/webhooks/wh_orders/deliveries/export?q=${target.eventId}&status=failed&format=csv`,
    );
    const csv = await api.exportDeliveries('wh_orders', { q: target.eventId }, 'csv');
    expect(csv.filename).toMatch(/\.csv$/);
    const lines = (await csv.blob.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe('id,status,eventId,personId,messageId,createdAt,deliveredAt,attempts,lastHttpStatus');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(target.id);
    const ndjson = await api.exportDeliveries('wh_orders', undefined, 'ndjson');
    expect(ndjson.filename).toMatch(/\.ndjson$/);
    const first = JSON.parse((await ndjson.blob.text()).split('\n')[0]!);
    expect(first).toMatchObject({ id: target.id, message: { messageId: target.messageId } });
    const [request] = backend.requestsTo('GET /webhooks/:id/deliveries/export');
    expect(request).toBeDefined();
    backend.fail('GET /webhooks/:id/deliveries/export', { code: 'internal_error' });
    await expect(api.exportDeliveries('wh_orders', {}, 'csv')).rejects.toBeInstanceOf(ApiError);
  });

  it('replays a time range and says how many Segment may drop as duplicates; bad input is a validation error', async () => {
    const { api } = await setup();
    const from = new Date(SAMPLE_NOW - 7 * 86_400_000).toISOString();
    const to = new Date(SAMPLE_NOW).toISOString();
    const failed = (await api.listDeliveries('wh_orders', { status: 'failed', from, to, limit: 200 })).items;
    const result = await api.replayDeliveries('wh_orders', { from, to });
    expect(result.queued).toBe(failed.length);
    expect(result.withinDedupWindow).toBeGreaterThanOrEqual(0);
    await expect(api.replayDeliveries('wh_orders', { from: to, to: from })).rejects.toMatchObject({
      code: 'validation_error',
      status: 400,
    });
  });

  it('lists, creates and reads webhooks, parsed with the contract', async () => {
    const { api } = await setup();
    const before = await api.listWebhooks();
    expect(before.map((w) => w.status)).toEqual(['active', 'active', 'disconnected', 'archived']);
    const created = await api.createWebhook({ name: 'Orders', trackEventName: 'Order placed', writeKey: 'abcd1234' });
    expect(created).toMatchObject({ status: 'active', region: 'us', sendActivityPayload: true, writeKeyHint: '…1234' });
    expect(JSON.stringify(created)).not.toContain('abcd1234');
    expect(await api.getWebhook(created.id)).toEqual(created);
    expect(await api.listWebhooks({ status: 'archived' })).toHaveLength(1);
  });

  it('sends the headers and JSON body through the given fetch', async () => {
    const calls: Request[] = [];
    const api = createSegmentWebhookApi({
      baseUrl: 'https://host.test/api',
      headers: async () => ({ authorization: 'Bearer fresh' }),
      fetch: async (input, init) => {
        calls.push(new Request(input, init));
        return new Response(JSON.stringify({ outboundActivityStreams: 1, includedStreams: 3 }), { status: 200 });
      },
    });
    await expect(api.getUsage()).resolves.toEqual({ outboundActivityStreams: 1, includedStreams: 3 });
    expect(calls[0]!.url).toBe('https://host.test/api/usage');
    expect(calls[0]!.headers.get('authorization')).toBe('Bearer fresh');
  });

  it('throws an ApiError carrying the problem and its field errors', async () => {
    const { api } = await setup();
    const error = await api.createWebhook({ name: '', trackEventName: 'x', writeKey: 'has space' }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('validation_error');
    expect(error.status).toBe(400);
    expect(error.errors.map((e: { path: unknown[] }) => e.path)).toEqual(
      expect.arrayContaining([['name'], ['writeKey']]),
    );
  });

  it('maps lifecycle conflicts, unknown ids, and network failures', async () => {
    const { api, backend } = await setup();
    await expect(api.deleteWebhook('wh_orders')).rejects.toMatchObject({ code: 'invalid_state', status: 409 });
    await expect(api.getWebhook('nope')).rejects.toMatchObject({ code: 'not_found', status: 404 });
    backend.fail('GET /usage', 'network');
    await expect(api.getUsage()).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });

  it('lets a hung request be aborted (React Query cancels through the signal)', async () => {
    const { api, backend } = await setup({ setup: (b) => b.hang('GET /usage') });
    const controller = new AbortController();
    const pending = api.getUsage({ signal: controller.signal });
    await expect.poll(() => backend.requestsTo('GET /usage')).toHaveLength(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects a response that does not match the contract', async () => {
    const api = createSegmentWebhookApi({
      baseUrl: '/x',
      fetch: async () => new Response(JSON.stringify({ items: [{ id: 1 }] }), { status: 200 }),
    });
    await expect(api.listWebhooks()).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('walks the lifecycle to delete, and reports the stream limit', async () => {
    const { api } = await setup({ includedStreams: 3 });
    await api.disconnectWebhook('wh_orders');
    await api.archiveWebhook('wh_orders');
    await api.deleteWebhook('wh_orders');
    await expect(api.getWebhook('wh_orders')).rejects.toMatchObject({ code: 'not_found' });
    // wh_email and wh_survey still count (2 of 3): one more fits, the next one does not.
    await api.setActivityDestination('email-clicked', 'wh_email');
    await expect(api.setActivityDestination('form-submitted', 'wh_email')).rejects.toMatchObject({
      code: 'stream_limit_reached',
      status: 409,
    });
    expect(await api.getUsage()).toEqual({ outboundActivityStreams: 3, includedStreams: 3 });
  });

  it('pages a month of deliveries by cursor and filters them', async () => {
    const { api } = await setup({ orders: LONG_HISTORY });
    const first = await api.listDeliveries('wh_orders', { limit: 100 });
    expect(first.items).toHaveLength(100);
    const second = await api.listDeliveries('wh_orders', { limit: 100, cursor: first.nextCursor! });
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items[0]!.createdAt <= first.items[99]!.createdAt).toBe(true);
    expect(second.items.some((d) => first.items.some((f) => f.id === d.id))).toBe(false);
    const failed = await api.listDeliveries('wh_orders', { status: 'failed', limit: 20 });
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((d) => d.status === 'failed')).toBe(true);
    const detail = await api.getDelivery('wh_orders', failed.items[0]!.id);
    expect(detail.attempts.at(-1)?.outcome).toBe('failed');
    const retried = await api.retryDelivery('wh_orders', detail.id);
    expect(retried.status).toBe('pending');
    const overview = await api.getOverview('wh_orders', '7d');
    expect(overview.series).toHaveLength(7);
  });

  it('streams delivery changes over SSE until stopped', async () => {
    const { api, backend } = await setup();
    const changes: string[] = [];
    const opened = new Promise<void>((resolve) => {
      const stop = api.streamDeliveries('wh_orders', {
        onOpen: () => resolve(),
        onChange: (change) => {
          changes.push(`${change.delivery.eventId}:${change.delivery.status}`);
          if (changes.length === 2) stop();
        },
      });
    });
    await opened;
    const event = (id: string) => ({
      id,
      activityId: 'order-placed',
      occurredAt: new Date(backend.clock.now()).toISOString(),
      person: { id: 'p_1' },
    });
    await backend.ingest(event('evt_a'));
    await backend.ingest(event('evt_b'));
    await expect.poll(() => changes).toEqual(['evt_a:pending', 'evt_b:pending']);
    // Stopped: the delivery of both reaches no listener.
    await backend.deliver();
    await backend.ingest(event('evt_c'));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(changes).toEqual(['evt_a:pending', 'evt_b:pending']);
  });
});

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      for (const chunk of chunks) c.enqueue(new TextEncoder().encode(chunk));
      c.close();
    },
  });
}

describe('readServerSentEvents', () => {
  it('joins data lines, skips comments and handles split chunks', async () => {
    const body = streamOf([': hi\n\ndata: {"a"', ':1}\r\n\r\ndata: x\ndata: y\n', '\n']);
    const out: string[] = [];
    for await (const event of readServerSentEvents(body)) out.push(event.data);
    expect(out).toEqual(['{"a":1}', 'x\ny']);
  });

  it('keeps one event whole when its CR and LF arrive in two chunks', async () => {
    const body = streamOf(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
    const out: string[] = [];
    for await (const event of readServerSentEvents(body)) out.push(event.data);
    expect(out).toEqual(['a\nb']);
  });

  it('remembers the last event id across events and reports the server’s retry delay', async () => {
    const body = streamOf(['retry: 2500\nid: 7\ndata: one\n\n', 'data: two\n\nid: 9\ndata: three\n\n']);
    const retries: number[] = [];
    const out: [string, string | undefined][] = [];
    for await (const event of readServerSentEvents(body, { onRetry: (ms) => retries.push(ms) })) {
      out.push([event.data, event.lastEventId]);
    }
    expect(out).toEqual([
      ['one', '7'],
      ['two', '7'],
      ['three', '9'],
    ]);
    expect(retries).toEqual([2500]);
  });
});

describe('streamDeliveries', () => {
  it('resumes with Last-Event-ID and passes on the ids and the retry delay it reads', async () => {
    const seen: Request[] = [];
    const { api: sampleApi } = await setup();
    const [delivery] = (await sampleApi.listDeliveries('wh_orders', { limit: 1 })).items;
    const change = JSON.stringify({ webhookId: 'wh_orders', delivery });
    const api = createSegmentWebhookApi({
      baseUrl: '/api',
      fetch: async (input, init) => {
        seen.push(new Request(new URL(String(input), 'http://host.test'), init));
        return new Response(streamOf([`retry: 4000\nid: 41\ndata: ${change}\n\n`]), {
          status: 200,
          headers: { 'content-type': 'text/event-stream' },
        });
      },
    });
    const received: (string | undefined)[] = [];
    const retries: number[] = [];
    const ended = new Promise<void>((resolve) => {
      api.streamDeliveries(
        'wh_orders',
        { onChange: (_, id) => received.push(id), onRetry: (ms) => retries.push(ms), onError: () => resolve() },
        { lastEventId: '40' },
      );
    });
    await ended;
    expect(seen[0]!.headers.get('last-event-id')).toBe('40');
    expect(received).toEqual(['41']);
    expect(retries).toEqual([4000]);
  });
});

describe('support tools (issue 15)', () => {
  it('reconnects with or without the skipped deliveries, and says how many were queued', async () => {
    const { api, backend } = await setup({ surveySkipped: 4 });
    expect((await api.getWebhook('wh_survey')).skippedSinceDisconnect).toBe(4);
    const reconnected = await api.reconnectWebhook('wh_survey', { backfill: true });
    expect(reconnected).toMatchObject({ status: 'active', backfilled: 4, skippedSinceDisconnect: 0 });
    expect(backend.requestsTo('POST /webhooks/:id/reconnect').at(-1)?.body).toEqual({ backfill: true });

    const other = await setup({ surveySkipped: 2 });
    const plain = await other.api.reconnectWebhook('wh_survey');
    expect(plain).toMatchObject({ status: 'active', backfilled: 0 });
    expect(other.backend.requestsTo('POST /webhooks/:id/reconnect').at(-1)?.body).toBeUndefined();
  });

  it('reads the settings history, newest first, with the write key only as changed', async () => {
    const { api } = await setup({ history: true });
    const history = await api.getWebhookHistory('wh_orders');
    expect(history.items.map((entry) => [entry.version, entry.actor])).toEqual([
      [4, null],
      [3, 'Grace Hopper'],
      [2, 'Ada Lovelace'],
      [1, null],
    ]);
    expect(history.items[1]!.changes).toEqual([{ field: 'writeKey', changed: true }]);
    expect(JSON.stringify(history)).not.toMatch(/wk_sample/);
    expect((await api.getWebhookHistory('wh_orders', { limit: 1 })).nextCursor).not.toBeNull();
    await expect(api.getWebhookHistory('nope')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lists recent activity events and tests with one of them', async () => {
    const none = await setup();
    expect(await none.api.listRecentActivityEvents()).toEqual([]);
    const { api, backend } = await setup({ recentActivities: true });
    const events = await api.listRecentActivityEvents();
    expect(events.map((event) => event.id)).toEqual(['evt_recent_1', 'evt_recent_2', 'evt_recent_3']);
    const result = await api.testWebhook('wh_orders', { activityEventId: 'evt_recent_3' });
    expect(result.payload.userId).toBe('person_0311');
    expect(result.payload.integrations).toEqual({ All: false });
    expect(backend.requestsTo('POST /webhooks/:id/test').at(-1)?.body).toEqual({ activityEventId: 'evt_recent_3' });
    const sample = await api.testWebhook('wh_orders');
    expect(sample.payload.userId).not.toBe('person_0311');
  });
});
