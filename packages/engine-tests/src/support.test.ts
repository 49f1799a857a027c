/**
 * The support tools of issue 15 end to end, on every store (a real SQLite file, a PostgreSQL schema of its
 * own), with the real service, a delivery worker and the testing sink: replay and backfill send the same
 * messageIds and timestamps as new attempts of the same deliveries, the settings history never carries a
 * write key, exports stream every matching delivery, field coverage, and Test with a recent activity.
 */
import {
  createDeliveryWorker,
  createSegmentClient,
  createSegmentWebhookService,
  type DeliveryWorker,
  generateEncryptionKey,
  messageIdFor,
  type SegmentClient,
  type SegmentWebhookServiceInstance,
  type Store,
} from '@segment-webhook/core';
import { type DeliveryDetail, exportedDeliverySchema, type TrackMessage } from '@segment-webhook/core/contract';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { parse } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordLogs } from './logs';
import { STORE_KINDS, storeFixture } from './stores';

const WRITE_KEY = 'wk_support_SECRET_7Hq2ZpLx';
const NEW_KEY = 'wk_support_ROTATED_Vb81Ty';
const ENCRYPTION_KEY = generateEncryptionKey();
const HOUR = 3_600_000;
const FAST_POLICY = { baseDelayMs: 5, maxDelayMs: 20, factor: 2, maxAttempts: 2 };

let sink: SegmentSink;
beforeAll(async () => {
  sink = await startSegmentSink();
});
afterAll(async () => {
  await sink.close();
});

describe.each(STORE_KINDS)('support tools on %s', (kind) => {
  const stores = storeFixture(kind, 'support', { synchronous: 'NORMAL' });
  afterAll(() => stores.cleanup());

  let store: Store;
  let service: SegmentWebhookServiceInstance;
  let client: SegmentClient;
  let worker: DeliveryWorker;
  let clock: number;
  const { logger, text: logs, clear: clearLogs } = recordLogs();
  const recent = [
    {
      id: 'evt_recent_1',
      activityId: 'order-placed',
      occurredAt: '2026-11-27T09:00:00.000Z',
      person: { id: 'p_real', email: 'grace@example.com', plan: 'team' },
      attributes: { amount: 99 },
    },
    { id: 'broken', activityId: '', occurredAt: 'yesterday', person: { id: 'x' } },
  ];

  beforeEach(async () => {
    sink.reset();
    sink.clear();
    clearLogs();
    ({ store } = await stores.open());
    clock = Date.now();
    client = createSegmentClient({ endpoints: { us: sink.url, eu: sink.url }, timeoutMs: 2000 });
    service = createSegmentWebhookService({
      store,
      encryptionKey: ENCRYPTION_KEY,
      plan: () => 10,
      client,
      logger,
      now: () => clock,
      recentActivities: (accountId) => (accountId === 'acct' ? recent : []),
    });
    worker = createDeliveryWorker({
      store,
      client,
      encryptionKey: ENCRYPTION_KEY,
      retryPolicy: FAST_POLICY,
      pollIntervalMs: 50,
      logger,
      now: () => clock,
    });
    worker.start();
  });

  afterEach(async () => {
    await worker.stop();
    await service.close();
    await client.close();
    await store.close();
  });

  async function routed(fields: { key: string; from: string }[] = []) {
    const webhook = await service.createWebhook(
      'acct',
      { name: 'Support', trackEventName: 'Activity', writeKey: WRITE_KEY, fields },
      { actor: 'Ada Lovelace' },
    );
    await service.setDestination('acct', 'order-placed', webhook.id);
    return webhook;
  }

  const event = (id: string, person: Record<string, unknown> = { id: 'p_1' }, occurredAt = clock - 5000) => ({
    id,
    activityId: 'order-placed',
    occurredAt: new Date(occurredAt).toISOString(),
    person,
    attributes: { amount: 42 },
  });

  async function settled(webhookId: string, count: number): Promise<DeliveryDetail[]> {
    for (;;) {
      const page = await service.listDeliveries('acct', webhookId, { limit: 200 });
      if (page.items.length === count && page.items.every((d) => d.status === 'delivered' || d.status === 'failed')) {
        return Promise.all(page.items.map((d) => service.getDelivery('acct', webhookId, d.id)));
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('replays a time range: same messageIds and timestamps, a new attempt of each delivery, no new row', async () => {
    const webhook = await routed();
    const at = clock;
    await service.ingest('acct', [event('old', { id: 'p_1' }, at - 3 * HOUR)]);
    await settled(webhook.id, 1);
    sink.failNext(1, 400, 'Exceed payload limit');
    await service.ingest('acct', [event('bad', { id: 'p_1' }, at - 2 * HOUR)]);
    await sink.waitFor(1);
    await settled(webhook.id, 2);
    const before = await settled(webhook.id, 2);
    const original = new Map(before.map((d) => [d.eventId, d]));
    expect(original.get('bad')?.status).toBe('failed');
    expect(original.get('old')?.status).toBe('delivered');
    sink.clear();

    // Default: only failed ones; a range that excludes them queues nothing.
    const none = await service.replay('acct', webhook.id, {
      from: new Date(at - 10 * HOUR).toISOString(),
      to: new Date(at - 5 * HOUR).toISOString(),
    });
    expect(none).toEqual({ queued: 0, withinDedupWindow: 0 });
    const window = { from: new Date(at - HOUR).toISOString(), to: new Date(at + HOUR).toISOString() };
    const failedOnly = await service.replay('acct', webhook.id, window);
    expect(failedOnly).toEqual({ queued: 1, withinDedupWindow: 0 });
    await sink.waitFor(1);
    // Both, and the delivered one was first accepted minutes ago: Segment would drop it as a duplicate.
    await settled(webhook.id, 2);
    const both = await service.replay('acct', webhook.id, { ...window, statuses: ['failed', 'delivered'] });
    expect(both).toEqual({ queued: 2, withinDedupWindow: 2 });
    await sink.waitFor(3);
    const after = await settled(webhook.id, 2);
    for (const delivery of after) {
      const first = original.get(delivery.eventId)!;
      expect(delivery.id).toBe(first.id);
      expect(delivery.messageId).toBe(first.messageId);
      expect(delivery.message).toEqual(first.message);
      expect(delivery.createdAt).toBe(first.createdAt);
      expect(delivery.attemptCount).toBeGreaterThan(first.attemptCount);
      expect(delivery.attempts.map((a) => a.number)).toEqual(
        Array.from({ length: delivery.attemptCount }, (_, i) => i + 1),
      );
    }
    const sent = sink.messages();
    expect(sent.length).toBe(3);
    for (const message of sent) {
      const delivery = after.find((d) => d.messageId === message.messageId)!;
      expect(message.timestamp).toBe(delivery.message.timestamp);
      expect(message.timestamp).toBe(original.get(delivery.eventId)!.message.timestamp);
    }
    expect(after.find((d) => d.eventId === 'old')?.firstDeliveredAt).toBe(original.get('old')?.firstDeliveredAt);
  });

  it('queues each delivery of the range once, even when one is delivered again between two statuses’ passes', async () => {
    const webhook = await routed();
    await service.ingest('acct', [event('ok', { id: 'p_1' }, clock - HOUR)]);
    await settled(webhook.id, 1);
    sink.failNext(1, 400, 'Exceed payload limit');
    await service.ingest('acct', [event('refused', { id: 'p_1' }, clock - HOUR)]);
    await settled(webhook.id, 2);
    await worker.stop();
    // A worker elsewhere delivers what the first pass (failed) queued before the second (delivered) reads.
    let raced = false;
    const racing = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'requeueDeliveries') {
          return async (...args: Parameters<Store['requeueDeliveries']>) => {
            const requeued = await target.requeueDeliveries(...args);
            if (!raced && requeued.length > 0) {
              raced = true;
              const claimed = await target.claimDeliveries('racer', clock, 60_000, 10);
              expect(claimed.map((d) => d.eventId)).toEqual(['refused']);
              await target.completeAttempts(
                'racer',
                claimed.map((d) => ({
                  deliveryId: d.id,
                  attempt: {
                    number: d.attemptCount + 1,
                    at: clock,
                    httpStatus: 200,
                    latencyMs: 1,
                    outcome: 'delivered' as const,
                    error: null,
                    responseBody: null,
                    configVersion: null,
                  },
                  counted: true,
                  status: 'delivered' as const,
                  nextAttemptAt: null,
                  lastError: null,
                })),
                clock,
              );
            }
            return requeued;
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const replaying = createSegmentWebhookService({
      store: racing,
      encryptionKey: ENCRYPTION_KEY,
      plan: () => 10,
      client,
      now: () => clock,
    });
    const window = { from: new Date(clock - 2 * HOUR).toISOString(), to: new Date(clock + HOUR).toISOString() };
    // The refused one (never delivered before) and the delivered one (first accepted just now): two, once each.
    expect(await replaying.replay('acct', webhook.id, { ...window, statuses: ['failed', 'delivered'] })).toEqual({
      queued: 2,
      withinDedupWindow: 1,
    });
    expect(raced).toBe(true);
    await replaying.close();
  });

  it('records events as skipped while disconnected, backfills them on reconnect with their messageIds and timestamps, and archiving drops them', async () => {
    const webhook = await routed();
    await service.disconnect('acct', webhook.id);
    clock += 1000;
    const ingested = await service.ingest('acct', [
      event('s1', { id: 'p_1' }, clock - HOUR),
      event('s2', { id: 'p_2' }, clock - 2 * HOUR),
    ]);
    expect(ingested).toEqual({ accepted: 2, deliveries: 0, skipped: 2 });
    expect((await service.getWebhook('acct', webhook.id)).skippedSinceDisconnect).toBe(2);
    const skipped = (await service.listDeliveries('acct', webhook.id, { status: 'skipped' })).items;
    expect(skipped).toHaveLength(2);
    // Nothing is sent while disconnected.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(sink.messages()).toEqual([]);

    const reconnected = await service.reconnect('acct', webhook.id, { backfill: true });
    expect(reconnected).toMatchObject({ status: 'active', backfilled: 2, skippedSinceDisconnect: 0 });
    const received = await sink.waitFor(2);
    const delivered = await settled(webhook.id, 2);
    for (const d of delivered) {
      expect(skipped.map((s) => s.id)).toContain(d.id);
      expect(d.messageId).toBe(messageIdFor(webhook.id, d.eventId));
      const sent = received.find((r) => r.message.messageId === d.messageId)!.message as TrackMessage;
      expect(sent.timestamp).toBe(d.message.timestamp);
      expect(sent.timestamp).toBe(new Date((d.eventId === 's1' ? clock - HOUR : clock - 2 * HOUR) - 0).toISOString());
    }

    // Without backfill they stay skipped; archiving drops them; the count starts again at a new disconnect.
    await service.disconnect('acct', webhook.id);
    clock += 1000;
    await service.ingest('acct', [event('s3')]);
    const plain = await service.reconnect('acct', webhook.id);
    expect(plain.backfilled).toBe(0);
    clock += 1000;
    expect(
      (await service.listDeliveries('acct', webhook.id, { status: 'skipped' })).items.map((d) => d.eventId),
    ).toEqual(['s3']);
    await service.disconnect('acct', webhook.id);
    expect((await service.getWebhook('acct', webhook.id)).skippedSinceDisconnect).toBe(0);
    await service.archive('acct', webhook.id);
    expect((await service.listDeliveries('acct', webhook.id, { status: 'skipped' })).items).toEqual([]);
    expect((await service.listDeliveries('acct', webhook.id)).items).toHaveLength(2);
  });

  it('keeps a settings history with versions and the actor, never a write key; attempts record the version they were sent with', async () => {
    const webhook = await routed([{ key: 'email', from: 'person.email' }]);
    expect(webhook.version).toBe(1);
    await service.ingest('acct', [event('v1', { id: 'p_1', email: 'a@example.com' })]);
    await settled(webhook.id, 1);
    const v2 = await service.updateWebhook(
      'acct',
      webhook.id,
      { writeKey: NEW_KEY, name: 'Renamed', region: 'us' },
      { actor: 'Grace Hopper' },
    );
    expect(v2.version).toBe(2);
    // The same values again change nothing: no version, no entry.
    expect((await service.updateWebhook('acct', webhook.id, { writeKey: NEW_KEY, name: 'Renamed' })).version).toBe(2);
    const v3 = await service.updateWebhook('acct', webhook.id, { trackEventName: 'Order placed' });
    expect(v3.version).toBe(3);
    await service.ingest('acct', [event('v3', { id: 'p_1', email: 'b@example.com' })]);
    const details = await settled(webhook.id, 2);
    const byEvent = new Map(details.map((d) => [d.eventId, d]));
    expect(byEvent.get('v1')).toMatchObject({ configVersion: 1, attempts: [{ configVersion: 1 }] });
    expect(byEvent.get('v3')).toMatchObject({ configVersion: 3, attempts: [{ configVersion: 3 }] });

    const history = await service.history('acct', webhook.id);
    expect(history.items.map((e) => [e.version, e.actor])).toEqual([
      [3, null],
      [2, 'Grace Hopper'],
      [1, 'Ada Lovelace'],
    ]);
    expect(history.items[0]!.changes).toEqual([{ field: 'trackEventName', from: 'Activity', to: 'Order placed' }]);
    expect(history.items[1]!.changes).toEqual([
      { field: 'name', from: 'Support', to: 'Renamed' },
      { field: 'writeKey', changed: true },
    ]);
    expect(history.items[2]!.changes).toContainEqual({ field: 'writeKey', changed: true });
    expect(history.items[2]!.changes).toContainEqual({ field: 'name', from: null, to: 'Support' });
    const paged = await service.history('acct', webhook.id, { limit: 2 });
    expect(paged.items.map((e) => e.version)).toEqual([3, 2]);
    const rest = await service.history('acct', webhook.id, { limit: 2, cursor: paged.nextCursor! });
    expect(rest).toEqual({ items: [history.items[2]], nextCursor: null });
    // Never the key, nor its last characters (the hint), in the history or the logs.
    const text = JSON.stringify(history);
    for (const key of [WRITE_KEY, NEW_KEY]) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(key.slice(-4));
      expect(logs.join('\n')).not.toContain(key);
    }
    await expect(service.history('acct', webhook.id, { cursor: 'nope' })).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(service.history('other', webhook.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('exports every matching delivery as NDJSON and CSV, page after page', async () => {
    const webhook = await routed();
    await worker.stop();
    const events = Array.from({ length: 1234 }, (_, i) =>
      event(`x${String(i).padStart(4, '0')}`, { id: i % 2 ? 'p_odd' : '=cmd|evil,"p"' }),
    );
    await service.ingest('acct', events.slice(0, 1000));
    await service.ingest('acct', events.slice(1000));
    const read = async (query: Record<string, unknown>) => {
      const exported = await service.exportDeliveries('acct', webhook.id, query);
      let text = '';
      let chunks = 0;
      for await (const chunk of exported.body) {
        text += chunk;
        chunks += 1;
      }
      return { exported, text, chunks };
    };
    const ndjson = await read({ format: 'ndjson' });
    expect(ndjson.exported).toMatchObject({ format: 'ndjson', contentType: 'application/x-ndjson; charset=utf-8' });
    expect(ndjson.exported.filename).toMatch(/^segment-deliveries-[A-Za-z0-9_-]+-\d{8}T\d{6}Z\.ndjson$/);
    const lines = ndjson.text
      .trimEnd()
      .split('\n')
      .map((line) => exportedDeliverySchema.parse(JSON.parse(line)));
    expect(lines).toHaveLength(1234);
    // Several store pages, newest first, every delivery once.
    expect(ndjson.chunks).toBeGreaterThan(2);
    expect(new Set(lines.map((l) => l.id)).size).toBe(1234);
    expect(lines[0]).toMatchObject({ eventId: 'x1233', status: 'pending', attempts: 0, deliveredAt: null });
    expect(lines[0]!.message.messageId).toBe(lines[0]!.messageId);

    const csv = await read({ format: 'csv', q: 'p_odd' });
    expect(csv.exported.contentType).toBe('text/csv; charset=utf-8');
    const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(617);
    expect(Object.keys(rows[0]!)).toEqual([
      'id',
      'status',
      'eventId',
      'personId',
      'messageId',
      'createdAt',
      'deliveredAt',
      'attempts',
      'lastHttpStatus',
    ]);
    expect(rows.every((r) => r.personId === 'p_odd' && r.deliveredAt === '' && r.attempts === '0')).toBe(true);
    // A cell a spreadsheet would run as a formula is escaped; quotes and commas are quoted.
    const evil = parse((await read({ format: 'csv', eventId: 'x0000' })).text, { columns: true }) as Record<
      string,
      string
    >[];
    expect(evil.map((r) => r.personId)).toEqual([`'=cmd|evil,"p"`]);
    expect(csv.text).toContain('\r\n');
    await expect(service.exportDeliveries('acct', webhook.id, { format: 'xml' })).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(service.exportDeliveries('other', webhook.id, {})).rejects.toMatchObject({ code: 'not_found' });
  });

  it('reports how often each configured field had a value, over a sample of a large range', async () => {
    const webhook = await routed([
      { key: 'email', from: 'person.email' },
      { key: 'plan', from: 'person.plan' },
    ]);
    await worker.stop();
    const people = (i: number) => ({ id: `p_${i}`, ...(i % 4 === 0 ? {} : { email: i % 4 === 1 ? ' ' : `${i}@x` }) });
    await service.ingest(
      'acct',
      Array.from({ length: 8 }, (_, i) => event(`f${i}`, { ...people(i), plan: 'pro' })),
    );
    const overview = await service.overview('acct', webhook.id, '24h');
    expect(overview.fieldCoverageSampled).toBe(false);
    expect(overview.fieldCoverage).toEqual([
      { key: 'email', present: 4, total: 8 },
      { key: 'plan', present: 8, total: 8 },
    ]);
    // More messages than the sample: the latest 2,000 are read, and it says so.
    for (let batch = 0; batch < 3; batch++) {
      await service.ingest(
        'acct',
        Array.from({ length: 1000 }, (_, i) => event(`b${batch}_${i}`, { id: `q_${i}`, plan: 'pro' })),
      );
    }
    const large = await service.overview('acct', webhook.id, '24h');
    expect(large.fieldCoverageSampled).toBe(true);
    expect(large.fieldCoverage).toEqual([
      { key: 'email', present: 0, total: 2000 },
      { key: 'plan', present: 2000, total: 2000 },
    ]);
  });

  it('tests with a recent activity of the host instead of the sample, still with integrations All: false', async () => {
    const webhook = await routed([{ key: 'email', from: 'person.email' }]);
    const listed = await service.recentActivityEvents('acct');
    expect(listed.items.map((e) => e.id)).toEqual(['evt_recent_1']);
    expect(logs.some((line) => line.startsWith('warn Recent activity events'))).toBe(true);
    expect(await service.recentActivityEvents('other')).toEqual({ items: [] });

    const result = await service.testWebhook('acct', webhook.id, { activityEventId: 'evt_recent_1' });
    expect(result.ok).toBe(true);
    expect(result.payload).toMatchObject({
      userId: 'p_real',
      timestamp: '2026-11-27T09:00:00.000Z',
      properties: { amount: 99, email: 'grace@example.com' },
      integrations: { All: false },
    });
    // Not the messageId the event's own delivery has: Segment must not drop one as the other's duplicate.
    expect(result.payload.messageId).not.toBe(messageIdFor(webhook.id, 'evt_recent_1'));
    const [sent] = await sink.waitFor(1);
    expect(sent?.message).toMatchObject({ userId: 'p_real', integrations: { All: false } });

    const unsaved = await service.testConfiguration('acct', {
      trackEventName: 'Preview',
      writeKey: WRITE_KEY,
      activityEventId: 'evt_recent_1',
    });
    expect(unsaved.payload).toMatchObject({ event: 'Preview', userId: 'p_real', integrations: { All: false } });
    await expect(service.testWebhook('acct', webhook.id, { activityEventId: 'nope' })).rejects.toMatchObject({
      code: 'validation_error',
      issues: [{ path: ['activityEventId'] }],
    });
    // Another account's events are not offered, so not sendable.
    await expect(
      service.testConfiguration('other', { trackEventName: 'x', writeKey: WRITE_KEY, activityEventId: 'evt_recent_1' }),
    ).rejects.toMatchObject({ code: 'validation_error' });
    const sample = await service.testWebhook('acct', webhook.id);
    expect(sample.payload.userId).toBe('sample-person-1');
  });
});
