import {
  deliveryDetailSchema,
  deliveryPageSchema,
  exportedDeliverySchema,
  overviewSchema,
  problemSchema,
  recentActivityEventsSchema,
  reconnectResponseSchema,
  replayResponseSchema,
  testResultSchema,
  webhookHistorySchema,
  webhookSchema,
} from '@segment-webhook/core/contract';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTOR_HEADER,
  eventually,
  type StoreName,
  startTestApi,
  type TargetName,
  type TestApi,
  type TestResponse,
} from './harness';

const WRITE_KEY = 'wk_support_http_SECRET_91xQ';
const ROTATED_KEY = 'wk_support_http_ROTATED_Zp3';

/**
 * The support tools of issue 15 over HTTP: the search box and time range of the logs, the export, replay,
 * reconnect with backfill, the settings history (with the host's actor), field coverage and Test with a
 * recent activity — each route with bad input (400) and another account's ids (404). Called once per host
 * and store by the *.test.ts files beside it.
 */
export function describeSupportTools(target: TargetName, storeName: StoreName): void {
  let api: TestApi;

  beforeAll(async () => {
    api = await startTestApi(target, storeName);
  });
  afterAll(async () => {
    await api?.close();
  });

  function expectProblem(response: TestResponse, status: number, code: string): void {
    expect(response.status, response.text).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problemSchema.parse(response.body).code).toBe(code);
  }

  /** A webhook of acct_a routed from `activityId`, with an email field. */
  async function routedWebhook(activityId: string, actor?: string) {
    const created = await api.request('POST', '/webhooks', {
      json: {
        name: `Support ${activityId}`,
        trackEventName: 'Activity',
        writeKey: WRITE_KEY,
        fields: [{ key: 'email', from: 'person.email' }],
      },
      headers: actor ? { [ACTOR_HEADER]: actor } : {},
    });
    expect(created.status, created.text).toBe(201);
    const webhook = webhookSchema.parse(created.body);
    const routed = await api.request('PUT', `/activities/${activityId}/destination`, {
      json: { webhookId: webhook.id },
    });
    expect(routed.status, routed.text).toBe(200);
    return webhook;
  }

  const event = (id: string, activityId: string, person: Record<string, unknown>, occurredAt = Date.now() - 1000) => ({
    id,
    activityId,
    occurredAt: new Date(occurredAt).toISOString(),
    person,
    attributes: { amount: 1 },
  });

  async function page(webhookId: string, query = '', account = 'acct_a') {
    const response = await api.request('GET', `/webhooks/${webhookId}/deliveries${query}`, { account });
    expect(response.status, response.text).toBe(200);
    return deliveryPageSchema.parse(response.body);
  }

  async function settled(webhookId: string, count: number) {
    return eventually(async () => {
      const items = (await page(webhookId, '?limit=200')).items;
      return items.length === count && items.every((d) => d.status === 'delivered' || d.status === 'failed')
        ? items
        : undefined;
    });
  }

  describe('the search box and the time range (q, from, to)', () => {
    it('finds a delivery by event id, messageId or person id, within a time range', async () => {
      const webhook = await routedWebhook('order-placed');
      await api.request('POST', '/events', {
        json: {
          events: [
            event('needle', 'order-placed', { id: 'p_a' }),
            event('e_2', 'order-placed', { id: 'needle' }),
            event('e_3', 'order-placed', { id: 'p_c' }),
          ],
        },
      });
      const all = await settled(webhook.id, 3);
      const byEvent = new Map(all.map((d) => [d.eventId, d]));
      const ids = async (query: string) => (await page(webhook.id, query)).items.map((d) => d.eventId);
      expect((await ids('?q=needle')).sort()).toEqual(['e_2', 'needle']);
      expect(await ids(`?q=${encodeURIComponent(byEvent.get('e_3')!.messageId)}`)).toEqual(['e_3']);
      expect(await ids('?q=%20p_c%20')).toEqual(['e_3']);
      expect(await ids('?q=nothing')).toEqual([]);
      const created = Date.parse(byEvent.get('e_3')!.createdAt);
      expect(await ids(`?q=p_c&from=${new Date(created + 1).toISOString()}`)).toEqual([]);
      expect(
        await ids(`?q=p_c&from=${new Date(created).toISOString()}&to=${new Date(created + 1).toISOString()}`),
      ).toEqual(['e_3']);
      expectProblem(await api.request('GET', `/webhooks/${webhook.id}/deliveries?q=`), 400, 'validation_error');
      expectProblem(
        await api.request('GET', `/webhooks/${webhook.id}/deliveries?q=${'x'.repeat(201)}`),
        400,
        'validation_error',
      );
      expectProblem(
        await api.request(
          'GET',
          `/webhooks/${webhook.id}/deliveries?from=2026-11-28T00:00:00Z&to=2026-11-27T00:00:00Z`,
        ),
        400,
        'validation_error',
      );
      expectProblem(await api.request('GET', `/webhooks/${webhook.id}/deliveries?q=x&q=y`), 400, 'validation_error');
      // Another account finds nothing, not even with the right ids.
      expectProblem(
        await api.request('GET', `/webhooks/${webhook.id}/deliveries?q=needle`, { account: 'acct_b' }),
        404,
        'not_found',
      );
      await api.request('DELETE', '/activities/order-placed/destination');
    });
  });

  describe('GET /webhooks/:id/deliveries/export', () => {
    it('streams every matching delivery as an NDJSON or CSV attachment; refuses bad queries and other accounts', async () => {
      const webhook = await routedWebhook('trial-started');
      await api.request('POST', '/events', {
        json: {
          events: Array.from({ length: 7 }, (_, i) =>
            event(`x${i}`, 'trial-started', { id: i % 2 ? 'p_odd' : '@SUM(A1)', email: `${i}@x.test` }),
          ),
        },
      });
      await settled(webhook.id, 7);
      const ndjson = await api.request('GET', `/webhooks/${webhook.id}/deliveries/export?format=ndjson`);
      expect(ndjson.status, ndjson.text).toBe(200);
      expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(ndjson.headers.get('content-disposition')).toMatch(
        /^attachment; filename="segment-deliveries-[A-Za-z0-9_-]+-\d{8}T\d{6}Z\.ndjson"$/,
      );
      expect(ndjson.headers.get('cache-control')).toBe('no-store');
      const lines = ndjson.text
        .trimEnd()
        .split('\n')
        .map((line) => exportedDeliverySchema.parse(JSON.parse(line)));
      expect(lines.map((l) => l.eventId)).toEqual(['x6', 'x5', 'x4', 'x3', 'x2', 'x1', 'x0']);
      expect(lines.every((l) => l.status === 'delivered' && l.attempts === 1 && l.lastHttpStatus === 200)).toBe(true);
      expect(lines[0]!.message).toMatchObject({ messageId: lines[0]!.messageId, properties: { email: '6@x.test' } });

      const csv = await api.request('GET', `/webhooks/${webhook.id}/deliveries/export?format=csv&personId=%40SUM(A1)`);
      expect(csv.status, csv.text).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toMatch(/\.csv"$/);
      const rows = parse(csv.text, { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => [r.eventId, r.personId, r.attempts, r.lastHttpStatus])).toEqual([
        ['x6', "'@SUM(A1)", '1', '200'],
        ['x4', "'@SUM(A1)", '1', '200'],
        ['x2', "'@SUM(A1)", '1', '200'],
        ['x0', "'@SUM(A1)", '1', '200'],
      ]);
      // The default format is NDJSON; an empty selection is an empty file.
      const none = await api.request('GET', `/webhooks/${webhook.id}/deliveries/export?q=nobody`);
      expect([none.status, none.text, none.headers.get('content-disposition')]).toEqual([
        200,
        '',
        expect.stringMatching(/\.ndjson"$/),
      ]);

      const path = `/webhooks/${webhook.id}/deliveries/export`;
      for (const query of ['?format=xml', '?format=csv&cursor=abc', '?limit=5', '?status=lost', '?q=']) {
        expectProblem(await api.request('GET', `${path}${query}`), 400, 'validation_error');
      }
      expectProblem(await api.request('GET', path, { account: 'acct_b' }), 404, 'not_found');
      expectProblem(await api.request('GET', '/webhooks/wh_missing/deliveries/export'), 404, 'not_found');
      await api.request('DELETE', '/activities/trial-started/destination');
    });
  });

  describe('POST /webhooks/:id/replay', () => {
    it('sends a time range again as new attempts with the same messageIds (202); refuses bad input and other accounts', async () => {
      const webhook = await routedWebhook('form-submitted');
      api.sink.failNext(1, 400, 'Exceed payload limit');
      await api.request('POST', '/events', { json: event('r1', 'form-submitted', { id: 'p_r' }) });
      await settled(webhook.id, 1);
      await api.request('POST', '/events', { json: event('r2', 'form-submitted', { id: 'p_r' }) });
      const before = await settled(webhook.id, 2);
      expect(before.map((d) => d.status).sort()).toEqual(['delivered', 'failed']);
      const path = `/webhooks/${webhook.id}/replay`;
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const sentBefore = api.sink.messages().length;

      const replayed = await api.request('POST', path, { json: { from, to, statuses: ['failed', 'delivered'] } });
      expect(replayed.status, replayed.text).toBe(202);
      expect(replayResponseSchema.parse(replayed.body)).toEqual({ queued: 2, withinDedupWindow: 1 });
      const after = await eventually(async () => {
        const items = (await page(webhook.id)).items;
        return items.every((d) => d.status === 'delivered' && d.attemptCount === 2) ? items : undefined;
      });
      expect(after.map((d) => [d.id, d.messageId]).sort()).toEqual(before.map((d) => [d.id, d.messageId]).sort());
      const resent = api.sink.messages().slice(sentBefore);
      expect(resent.map((m) => m.messageId).sort()).toEqual(before.map((d) => d.messageId).sort());
      const defaults = await api.request('POST', path, { json: { from, to } });
      expect(replayResponseSchema.parse(defaults.body)).toEqual({ queued: 0, withinDedupWindow: 0 });

      for (const json of [
        {},
        { from },
        { from: to, to: from },
        { from, to: from },
        { from, to, statuses: [] },
        { from, to, statuses: ['pending'] },
        { from, to, statuses: ['skipped'] },
        { from: 'yesterday', to },
        { from, to, extra: true },
      ]) {
        expectProblem(await api.request('POST', path, { json }), 400, 'validation_error');
      }
      expectProblem(await api.request('POST', path), 400, 'validation_error');
      expectProblem(await api.request('POST', path, { json: { from, to }, account: 'acct_b' }), 404, 'not_found');
      await api.request('DELETE', '/activities/form-submitted/destination');
    });
  });

  describe('reconnect with backfill', () => {
    it('records events as skipped while disconnected, counts them, and queues them on reconnect with backfill', async () => {
      const webhook = await routedWebhook('meeting-booked');
      const path = `/webhooks/${webhook.id}`;
      expect((await api.request('POST', `${path}/disconnect`)).status).toBe(200);
      const occurredAt = Date.now() - 7_200_000;
      const ingested = await api.request('POST', '/events', {
        json: {
          events: [
            event('k1', 'meeting-booked', { id: 'p_k' }, occurredAt),
            event('k2', 'meeting-booked', { id: 'p_k' }),
          ],
        },
      });
      expect(ingested.body).toEqual({ accepted: 2, deliveries: 0, skipped: 2 });
      const read = webhookSchema.parse((await api.request('GET', path)).body);
      expect(read).toMatchObject({ status: 'disconnected', skippedSinceDisconnect: 2 });
      const skipped = (await page(webhook.id, '?status=skipped')).items;
      expect(skipped.map((d) => [d.eventId, d.heldReason]).sort()).toEqual([
        ['k1', null],
        ['k2', null],
      ]);
      const overview = overviewSchema.parse((await api.request('GET', `${path}/overview`)).body);
      expect(overview.counts.skipped).toBe(2);

      for (const json of [{ backfill: 'yes' }, { backfill: true, extra: 1 }, [true]]) {
        expectProblem(await api.request('POST', `${path}/reconnect`, { json }), 400, 'validation_error');
      }
      expectProblem(
        await api.request('POST', `${path}/reconnect`, { json: { backfill: true }, account: 'acct_b' }),
        404,
        'not_found',
      );
      const sentBefore = api.sink.messages().length;
      const reconnected = await api.request('POST', `${path}/reconnect`, { json: { backfill: true } });
      expect(reconnected.status, reconnected.text).toBe(200);
      expect(reconnectResponseSchema.parse(reconnected.body)).toMatchObject({ status: 'active', backfilled: 2 });
      await settled(webhook.id, 2);
      const sent = api.sink.messages().slice(sentBefore);
      expect(sent.map((m) => m.messageId).sort()).toEqual(skipped.map((d) => d.messageId).sort());
      const first = sent.find((m) => m.messageId === skipped.find((d) => d.eventId === 'k1')!.messageId)!;
      expect(first.timestamp).toBe(new Date(occurredAt).toISOString());
      expectProblem(await api.request('POST', `${path}/reconnect`, { json: { backfill: true } }), 409, 'invalid_state');
      await api.request('DELETE', '/activities/meeting-booked/destination');
    });
  });

  describe('GET /webhooks/:id/history', () => {
    it('lists every settings version with the actor the host named, never a write key; refuses bad input and other accounts', async () => {
      const created = await api.request('POST', '/webhooks', {
        json: { name: 'History', trackEventName: 'Activity', writeKey: WRITE_KEY },
        headers: { [ACTOR_HEADER]: 'Ada Lovelace' },
      });
      const webhook = webhookSchema.parse(created.body);
      expect(webhook.version).toBe(1);
      const patched = await api.request('PATCH', `/webhooks/${webhook.id}`, {
        json: { writeKey: ROTATED_KEY, region: 'eu' },
        headers: { [ACTOR_HEADER]: 'Grace Hopper' },
      });
      expect(webhookSchema.parse(patched.body).version).toBe(2);
      await api.request('PATCH', `/webhooks/${webhook.id}`, { json: { name: 'History 2' } });
      const path = `/webhooks/${webhook.id}/history`;
      const history = webhookHistorySchema.parse((await api.request('GET', path)).body);
      expect(history.items.map((e) => [e.version, e.actor])).toEqual([
        [3, null],
        [2, 'Grace Hopper'],
        [1, 'Ada Lovelace'],
      ]);
      expect(history.items[1]!.changes).toEqual([
        { field: 'region', from: 'us', to: 'eu' },
        { field: 'writeKey', changed: true },
      ]);
      const first = webhookHistorySchema.parse((await api.request('GET', `${path}?limit=1`)).body);
      expect(first.items.map((e) => e.version)).toEqual([3]);
      const next = await api.request('GET', `${path}?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`);
      expect(webhookHistorySchema.parse(next.body).items.map((e) => e.version)).toEqual([2, 1]);
      for (const query of ['?limit=0', '?limit=201', '?cursor=bogus', '?before=2']) {
        expectProblem(await api.request('GET', `${path}${query}`), 400, 'validation_error');
      }
      expectProblem(await api.request('GET', path, { account: 'acct_b' }), 404, 'not_found');
      expectProblem(await api.request('GET', '/webhooks/wh_missing/history'), 404, 'not_found');
      for (const key of [WRITE_KEY, ROTATED_KEY]) {
        expect(JSON.stringify(history)).not.toContain(key);
        expect(JSON.stringify(history)).not.toContain(key.slice(-4));
      }
    });

    it('records the settings version a delivery was built and sent with (the log detail)', async () => {
      const webhook = await routedWebhook('order-placed');
      await api.request('PATCH', `/webhooks/${webhook.id}`, { json: { trackEventName: 'Renamed' } });
      await api.request('POST', '/events', { json: event('cv1', 'order-placed', { id: 'p_v' }) });
      const [delivery] = await settled(webhook.id, 1);
      const detail = deliveryDetailSchema.parse(
        (await api.request('GET', `/webhooks/${webhook.id}/deliveries/${delivery!.id}`)).body,
      );
      expect(detail).toMatchObject({ configVersion: 2, attempts: [{ configVersion: 2 }] });
      expect(detail.firstDeliveredAt).toBe(detail.deliveredAt);
      await api.request('DELETE', '/activities/order-placed/destination');
    });
  });

  describe('field coverage and Test with a recent activity', () => {
    it('reports how often each configured field had a value in the overview', async () => {
      const webhook = await routedWebhook('trial-started');
      await api.request('POST', '/events', {
        json: {
          events: [
            event('c1', 'trial-started', { id: 'p_1', email: 'a@x.test' }),
            event('c2', 'trial-started', { id: 'p_2', email: '' }),
            event('c3', 'trial-started', { id: 'p_3' }),
          ],
        },
      });
      const overview = overviewSchema.parse(
        (await api.request('GET', `/webhooks/${webhook.id}/overview?range=7d`)).body,
      );
      expect(overview.fieldCoverage).toEqual([{ key: 'email', present: 1, total: 3 }]);
      expect(overview.fieldCoverageSampled).toBe(false);
      expectProblem(await api.request('GET', `/webhooks/${webhook.id}/overview?range=1y`), 400, 'validation_error');
      await api.request('DELETE', '/activities/trial-started/destination');
    });

    it('lists the host’s recent activity events and sends one as the test message; refuses an unknown one', async () => {
      const listed = await api.request('GET', '/activities/recent-events');
      expect(recentActivityEventsSchema.parse(listed.body).items.map((e) => e.id)).toEqual(['evt_recent_1']);
      const other = await api.request('GET', '/activities/recent-events', { account: 'acct_b' });
      expect(other.body).toEqual({ items: [] });
      expectProblem(await api.request('GET', '/activities/recent-events?limit=1'), 400, 'validation_error');

      const webhook = await routedWebhook('form-submitted');
      const tested = await api.request('POST', `/webhooks/${webhook.id}/test`, {
        json: { activityEventId: 'evt_recent_1' },
      });
      expect(tested.status, tested.text).toBe(200);
      expect(testResultSchema.parse(tested.body).payload).toMatchObject({
        userId: 'p_recent',
        properties: { amount: 99, email: 'grace@example.com' },
        integrations: { All: false },
      });
      const unsaved = await api.request('POST', '/webhooks/test', {
        json: { trackEventName: 'Preview', writeKey: WRITE_KEY, activityEventId: 'evt_recent_1' },
      });
      expect(testResultSchema.parse(unsaved.body).payload).toMatchObject({ userId: 'p_recent', event: 'Preview' });
      const sample = await api.request('POST', `/webhooks/${webhook.id}/test`);
      expect(testResultSchema.parse(sample.body).payload.userId).toBe('sample-person-1');
      for (const json of [{ activityEventId: 'nope' }, { activityEventId: '' }, { extra: 1 }]) {
        expectProblem(await api.request('POST', `/webhooks/${webhook.id}/test`, { json }), 400, 'validation_error');
      }
      // acct_b's host offers no such event, and A's webhook is not B's.
      expectProblem(
        await api.request('POST', '/webhooks/test', {
          account: 'acct_b',
          json: { trackEventName: 'x', writeKey: WRITE_KEY, activityEventId: 'evt_recent_1' },
        }),
        400,
        'validation_error',
      );
      expectProblem(
        await api.request('POST', `/webhooks/${webhook.id}/test`, {
          account: 'acct_b',
          json: { activityEventId: 'evt_recent_1' },
        }),
        404,
        'not_found',
      );
      await api.request('DELETE', '/activities/form-submitted/destination');
    });
  });

  describe('secrets', () => {
    it('never puts a write key in a response, a header or a log line', () => {
      expect(api.captured.length).toBeGreaterThan(50);
      for (const key of [WRITE_KEY, ROTATED_KEY]) {
        for (const response of api.captured) {
          expect(response.text, `${response.method} ${response.path}`).not.toContain(key);
          expect(JSON.stringify(response.headers)).not.toContain(key);
        }
        for (const line of api.logs) expect(line).not.toContain(key);
      }
    });
  });
}
