import {
  activityListSchema,
  activitySchema,
  deliveryDetailSchema,
  deliveryPageSchema,
  fieldCatalogSchema,
  ingestResponseSchema,
  overviewSchema,
  problemSchema,
  problemType,
  retryFailedResponseSchema,
  sendToWebhookResponseSchema,
  testResultSchema,
  usageSchema,
  webhookListSchema,
  webhookSchema,
} from '@segment-webhook/core/contract';
import { routes } from '@segment-webhook/server';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  INCLUDED_STREAMS,
  type StackOverrides,
  type StoreName,
  startTestApi,
  type TargetName,
  type TestApi,
  type TestResponse,
} from './harness';

const WRITE_KEY_A = 'wk_A_live_secret_7Hq2ZpLx9';
const WRITE_KEY_A2 = 'wk_A_rotated_secret_Vb81Ty';
const WRITE_KEY_B = 'wk_B_live_secret_Jm40Rd';
const WRITE_KEYS = [WRITE_KEY_A, WRITE_KEY_A2, WRITE_KEY_B];

/**
 * Every route of the REST API, account isolation, errors, the live tail and secrets, over `target` on
 * `storeName` (see harness.ts). Called once per host and store by the *.test.ts files beside it.
 */
export function describeRouterConformance(target: TargetName, storeName: StoreName): void {
  const start = (overrides: StackOverrides) => startTestApi(target, storeName, overrides);
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
    const problem = problemSchema.parse(response.body);
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
    expect(problem.type).toBe(problemType(problem.code));
    expect(problem.detail.length).toBeGreaterThan(0);
    expect(response.text).not.toMatch(/\bat .+\.(ts|js):\d+/);
  }

  async function createWebhook(account: string, overrides: Record<string, unknown> = {}) {
    const response = await api.request('POST', '/webhooks', {
      account,
      json: {
        name: `Segment ${account}`,
        trackEventName: 'Activity',
        writeKey: account === 'acct_b' ? WRITE_KEY_B : WRITE_KEY_A,
        ...overrides,
      },
    });
    expect(response.status, response.text).toBe(201);
    return webhookSchema.parse(response.body);
  }

  const event = (id: string, overrides: Record<string, unknown> = {}) => ({
    id,
    activityId: 'order-placed',
    occurredAt: new Date().toISOString(),
    person: { id: 'p_1', email: 'ada@example.com', plan: 'pro' },
    attributes: { amount: 42 },
    ...overrides,
  });

  async function deliveriesOf(account: string, webhookId: string, query = '') {
    const response = await api.request('GET', `/webhooks/${webhookId}/deliveries${query}`, { account });
    expect(response.status, response.text).toBe(200);
    return deliveryPageSchema.parse(response.body);
  }

  describe('authentication', () => {
    it('answers 401 on every route but the OpenAPI document when no account is resolved', async () => {
      for (const route of routes) {
        const path = route.path
          .replace(':id', 'wh_x')
          .replace(':deliveryId', 'd_x')
          .replace(':activityId', 'order-placed');
        const response = await api.request(route.method.toUpperCase(), path, {
          account: null,
          ...(route.body ? { json: {} } : {}),
        });
        if (route.public) expect(response.status).toBe(200);
        else expectProblem(response, 401, 'unauthorized');
      }
    });

    it('answers 401 when resolveAccount returns an empty string, and 500 (logged) when it throws', async () => {
      const empty = await start({ resolveAccount: () => '' });
      const throwing = await start({
        resolveAccount: () => {
          throw new Error('session store down');
        },
      });
      try {
        expectProblem(await empty.request('GET', '/webhooks'), 401, 'unauthorized');
        const response = await throwing.request('GET', '/webhooks');
        expectProblem(response, 500, 'internal_error');
        expect(response.text).not.toContain('session store down');
        expect(throwing.logs.some((line) => line.includes('session store down'))).toBe(true);
      } finally {
        await empty.close();
        await throwing.close();
      }
    });
  });

  describe('webhooks', () => {
    it('creates, lists, reads and updates webhooks; never returns the write key', async () => {
      const created = await createWebhook('acct_a', { region: 'eu', fields: [{ key: 'email', from: 'person.email' }] });
      expect(created).toMatchObject({
        status: 'active',
        region: 'eu',
        sendActivityPayload: true,
        health: { state: 'healthy' },
      });
      expect(created.writeKeyHint).toContain(WRITE_KEY_A.slice(-4));

      const list = await api.request('GET', '/webhooks');
      expect(list.status).toBe(200);
      expect(webhookListSchema.parse(list.body).items.map((w) => w.id)).toContain(created.id);
      const active = await api.request('GET', '/webhooks?status=active');
      expect(webhookListSchema.parse(active.body).items.every((w) => w.status === 'active')).toBe(true);
      const archived = await api.request('GET', '/webhooks?status=archived');
      expect(webhookListSchema.parse(archived.body).items.map((w) => w.id)).not.toContain(created.id);

      const read = await api.request('GET', `/webhooks/${created.id}`);
      expect(webhookSchema.parse(read.body)).toEqual(created);

      const patched = await api.request('PATCH', `/webhooks/${created.id}`, {
        json: { name: 'Renamed', writeKey: WRITE_KEY_A2, sendActivityPayload: false },
      });
      expect(patched.status, patched.text).toBe(200);
      expect(webhookSchema.parse(patched.body)).toMatchObject({
        name: 'Renamed',
        sendActivityPayload: false,
        writeKeyHint: expect.stringContaining(WRITE_KEY_A2.slice(-4)),
      });
    });

    it('answers 400 validation_error with field paths for an invalid body', async () => {
      const response = await api.request('POST', '/webhooks', {
        json: { name: '', trackEventName: 'x', writeKey: 'has spaces in it', fields: [{ key: '1bad', from: 'x' }] },
      });
      expectProblem(response, 400, 'validation_error');
      const paths = (problemSchema.parse(response.body).errors ?? []).map((issue) => issue.path.join('.'));
      expect(paths).toEqual(expect.arrayContaining(['name', 'writeKey', 'fields.0.key']));

      const patch = await api.request('PATCH', `/webhooks/${(await createWebhook('acct_a')).id}`, { json: {} });
      expectProblem(patch, 400, 'validation_error');
      const unknownKey = await api.request('POST', '/webhooks', {
        json: { name: 'n', trackEventName: 't', writeKey: WRITE_KEY_A, status: 'archived' },
      });
      expectProblem(unknownKey, 400, 'validation_error');
      const array = await api.request('POST', '/webhooks', { json: [1, 2] });
      expectProblem(array, 400, 'validation_error');
      const missing = await api.request('POST', '/webhooks');
      expectProblem(missing, 400, 'validation_error');
    });

    it('answers 400 invalid_json for malformed JSON, invalid UTF-8 and a non-JSON content type', async () => {
      const malformed = await api.request('POST', '/webhooks', {
        raw: `{"name":"x","writeKey":"${WRITE_KEY_A}",`,
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(malformed, 400, 'invalid_json');
      const invalidUtf8 = await api.request('POST', '/events', {
        raw: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
        headers: { 'content-type': 'application/json' },
      });
      expectProblem(invalidUtf8, 400, 'invalid_json');
      const form = await api.request('POST', '/webhooks', {
        raw: 'name=x&writeKey=y',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expectProblem(form, 400, 'invalid_json');
      const text = await api.request('POST', '/events', { raw: '{}', headers: { 'content-type': 'text/plain' } });
      expectProblem(text, 400, 'invalid_json');
    });

    it('answers 413 for a body over the limit', async () => {
      const response = await api.request('POST', '/events', {
        json: { events: [event('big', { attributes: { blob: 'x'.repeat(1024 * 1024) } })] },
      });
      expectProblem(response, 413, 'payload_too_large');
      const small = await start({ bodyLimit: 100 });
      try {
        const tooBig = await small.request('POST', '/webhooks', {
          json: { name: 'n'.repeat(80), trackEventName: 't', writeKey: WRITE_KEY_A },
        });
        expectProblem(tooBig, 413, 'payload_too_large');
      } finally {
        await small.close();
      }
    });

    it('answers 400 for unknown or repeated query parameters and 404 for unknown ids and routes', async () => {
      expectProblem(await api.request('GET', '/webhooks?status=paused'), 400, 'validation_error');
      expectProblem(await api.request('GET', '/webhooks?status=active&status=archived'), 400, 'validation_error');
      expectProblem(await api.request('GET', '/webhooks?limit=5'), 400, 'validation_error');
      expectProblem(await api.request('GET', '/usage?x=1'), 400, 'validation_error');
      expectProblem(await api.request('GET', '/webhooks?status=%ZZ'), 400, 'validation_error');
      expectProblem(await api.request('GET', '/webhooks/wh_missing'), 404, 'not_found');
      expectProblem(await api.request('PATCH', '/webhooks/wh_missing', { json: { name: 'x' } }), 404, 'not_found');
      expectProblem(await api.request('GET', `/webhooks/${'x'.repeat(300)}`), 404, 'not_found');
      expectProblem(await api.request('GET', '/nothing-here'), 404, 'not_found');
      expectProblem(await api.request('PUT', '/webhooks'), 404, 'not_found');
    });

    it('answers a problem for a path that is not valid percent-encoding', async () => {
      // Sent as is: URL parsers keep a broken escape, and the handler must not pass it to decodeURIComponent unchecked.
      const response = await api.fetch('/webhooks/%E0%A4%A', { headers: { 'x-test-account': 'acct_a' } });
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(problemSchema.parse(JSON.parse(text)).code).toBe('validation_error');
    });

    it('tests an unsaved and a saved configuration against Segment (the sink)', async () => {
      const unsaved = await api.request('POST', '/webhooks/test', {
        json: { trackEventName: 'Activity', writeKey: WRITE_KEY_A },
      });
      expect(unsaved.status, unsaved.text).toBe(200);
      const result = testResultSchema.parse(unsaved.body);
      expect(result).toMatchObject({ ok: true, httpStatus: 200, payload: { type: 'track', event: 'Activity' } });
      expect(api.sink.count(WRITE_KEY_A)).toBeGreaterThan(0);
      expectProblem(
        await api.request('POST', '/webhooks/test', { json: { trackEventName: 'x' } }),
        400,
        'validation_error',
      );

      const webhook = await createWebhook('acct_a', { trackEventName: 'Saved event' });
      const saved = await api.request('POST', `/webhooks/${webhook.id}/test`);
      expect(saved.status, saved.text).toBe(200);
      expect(testResultSchema.parse(saved.body).payload.event).toBe('Saved event');
      expectProblem(await api.request('POST', '/webhooks/wh_missing/test'), 404, 'not_found');
    });
  });

  describe('lifecycle', () => {
    it('moves through active → disconnected → archived → disconnected → active and deletes only archived', async () => {
      const webhook = await createWebhook('acct_a');
      const path = `/webhooks/${webhook.id}`;
      expectProblem(await api.request('POST', `${path}/reconnect`), 409, 'invalid_state');
      expectProblem(await api.request('POST', `${path}/archive`), 409, 'invalid_state');
      expectProblem(await api.request('POST', `${path}/unarchive`), 409, 'invalid_state');
      expectProblem(await api.request('DELETE', path), 409, 'invalid_state');

      const disconnected = await api.request('POST', `${path}/disconnect`);
      expect(disconnected.status).toBe(200);
      expect(webhookSchema.parse(disconnected.body).status).toBe('disconnected');
      expectProblem(await api.request('POST', `${path}/disconnect`), 409, 'invalid_state');

      const archived = await api.request('POST', `${path}/archive`);
      expect(webhookSchema.parse(archived.body).status).toBe('archived');
      const unarchived = await api.request('POST', `${path}/unarchive`);
      expect(webhookSchema.parse(unarchived.body).status).toBe('disconnected');
      const reconnected = await api.request('POST', `${path}/reconnect`);
      expect(webhookSchema.parse(reconnected.body).status).toBe('active');

      await api.request('POST', `${path}/disconnect`);
      await api.request('POST', `${path}/archive`);
      const deleted = await api.request('DELETE', path);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expectProblem(await api.request('GET', path), 404, 'not_found');
      expectProblem(await api.request('DELETE', path), 404, 'not_found');
      for (const action of ['disconnect', 'reconnect', 'archive', 'unarchive', 'resume']) {
        expectProblem(await api.request('POST', `${path}/${action}`), 404, 'not_found');
      }
    });

    it('resumes a webhook that needs attention: its held deliveries go out', async () => {
      const webhook = await createWebhook('acct_a', { trackEventName: 'Held' });
      const unchanged = await api.request('POST', `/webhooks/${webhook.id}/resume`);
      expect(unchanged.status).toBe(200);
      expect(webhookSchema.parse(unchanged.body).health.state).toBe('healthy');

      await api.store.updateWebhook('acct_a', webhook.id, {
        healthState: 'needs_attention',
        healthReason: 'Segment refused the last 5 batches',
        healthSince: Date.now(),
      });
      await api.request('PUT', '/activities/meeting-booked/destination', { json: { webhookId: webhook.id } });
      await api.request('POST', '/events', { json: event('evt_held', { activityId: 'meeting-booked' }) });
      const held = await deliveriesOf('acct_a', webhook.id);
      expect(held.items.map((d) => [d.status, d.heldReason])).toEqual([['pending', 'needs_attention']]);
      const needing = webhookSchema.parse((await api.request('GET', `/webhooks/${webhook.id}`)).body);
      expect(needing.health).toMatchObject({ state: 'needs_attention', reason: 'Segment refused the last 5 batches' });

      const resumed = await api.request('POST', `/webhooks/${webhook.id}/resume`);
      expect(resumed.status, resumed.text).toBe(200);
      expect(webhookSchema.parse(resumed.body).health.state).toBe('healthy');
      await eventually(async () => {
        const page = await deliveriesOf('acct_a', webhook.id);
        return page.items[0]?.status === 'delivered' ? page : undefined;
      });
      await api.request('DELETE', '/activities/meeting-booked/destination');
    });
  });

  describe('activities, fields and usage', () => {
    it('routes and unroutes activities, enforces the plan with stream_limit_reached', async () => {
      const routing = await start({});
      try {
        const request = routing.request;
        const created = await request('POST', '/webhooks', {
          json: { name: 'Routing', trackEventName: 'Activity', writeKey: WRITE_KEY_A },
        });
        const webhook = webhookSchema.parse(created.body);
        const initial = activityListSchema.parse((await request('GET', '/activities')).body);
        expect(initial.items).toEqual([
          { id: 'order-placed', name: 'Order placed', destinationWebhookId: null },
          { id: 'trial-started', name: 'Trial started', destinationWebhookId: null },
          { id: 'form-submitted', name: 'Form submitted', destinationWebhookId: null },
          { id: 'meeting-booked', name: 'Meeting booked', destinationWebhookId: null },
        ]);

        const ids = ['order-placed', 'trial-started', 'form-submitted'];
        for (const id of ids) {
          const routed = await request('PUT', `/activities/${id}/destination`, { json: { webhookId: webhook.id } });
          expect(routed.status, routed.text).toBe(200);
          expect(activitySchema.parse(routed.body).destinationWebhookId).toBe(webhook.id);
        }
        const usage = usageSchema.parse((await request('GET', '/usage')).body);
        expect(usage).toEqual({ outboundActivityStreams: INCLUDED_STREAMS, includedStreams: INCLUDED_STREAMS });

        const overLimit = await request('PUT', '/activities/meeting-booked/destination', {
          json: { webhookId: webhook.id },
        });
        expectProblem(overLimit, 409, 'stream_limit_reached');
        expect(problemSchema.parse(overLimit.body).type).toBe(problemType('stream_limit_reached'));
        // Re-routing an activity that already counts is not one more stream.
        const again = await request('PUT', '/activities/order-placed/destination', { json: { webhookId: webhook.id } });
        expect(again.status).toBe(200);

        expectProblem(
          await request('PUT', '/activities/unknown-activity/destination', { json: { webhookId: webhook.id } }),
          404,
          'not_found',
        );
        expectProblem(await request('DELETE', '/activities/unknown-activity/destination'), 404, 'not_found');
        expectProblem(
          await request('PUT', '/activities/meeting-booked/destination', { json: { webhookId: 'wh_missing' } }),
          404,
          'not_found',
        );
        expectProblem(
          await request('PUT', '/activities/meeting-booked/destination', { json: { webhookId: 42 } }),
          400,
          'validation_error',
        );

        const cleared = await request('DELETE', '/activities/trial-started/destination');
        expect(cleared.status).toBe(200);
        expect(activitySchema.parse(cleared.body)).toEqual({
          id: 'trial-started',
          name: 'Trial started',
          destinationWebhookId: null,
        });
        const after = activityListSchema.parse((await request('GET', '/activities')).body);
        expect(after.items.find((a) => a.id === 'order-placed')?.destinationWebhookId).toBe(webhook.id);
        expect(after.items.find((a) => a.id === 'trial-started')?.destinationWebhookId).toBeNull();
        expect(usageSchema.parse((await request('GET', '/usage')).body).outboundActivityStreams).toBe(2);
      } finally {
        await routing.close();
      }
    });

    it("lists the host's fields, from a function of the account too", async () => {
      const fields = await api.request('GET', '/fields');
      expect(fields.status).toBe(200);
      expect(fieldCatalogSchema.parse(fields.body).person.map((f) => f.key)).toEqual(['email', 'plan']);

      const perAccount = await start({
        catalog: async (accountId) => ({
          activities: [{ id: `only-${accountId}`, name: 'Only' }],
          fields: { person: [{ key: accountId, label: accountId }], activity: [] },
        }),
      });
      try {
        const body = fieldCatalogSchema.parse((await perAccount.request('GET', '/fields', { account: 'acct_z' })).body);
        expect(body.person).toEqual([{ key: 'acct_z', label: 'acct_z' }]);
        const activities = activityListSchema.parse(
          (await perAccount.request('GET', '/activities', { account: 'acct_z' })).body,
        );
        expect(activities.items.map((a) => a.id)).toEqual(['only-acct_z']);
      } finally {
        await perAccount.close();
      }
    });
  });

  describe('ingest, deliveries and Send to webhook', () => {
    it('ingests one event or a batch, delivers them, and lists, filters, paginates and reads deliveries', async () => {
      const webhook = await createWebhook('acct_a', { trackEventName: 'Ingested' });
      const routed = await api.request('PUT', '/activities/order-placed/destination', {
        json: { webhookId: webhook.id },
      });
      expect(routed.status, routed.text).toBe(200);

      const single = await api.request('POST', '/events', { json: event('evt_single') });
      expect(single.status, single.text).toBe(202);
      expect(ingestResponseSchema.parse(single.body)).toEqual({ accepted: 1, deliveries: 1, skipped: 0 });
      const batch = await api.request('POST', '/events', {
        json: {
          events: [
            event('evt_b1', { person: { id: 'p_2' } }),
            event('evt_b2'),
            event('evt_unrouted', { activityId: 'meeting-booked' }),
          ],
        },
      });
      expect(batch.status, batch.text).toBe(202);
      expect(ingestResponseSchema.parse(batch.body)).toEqual({ accepted: 3, deliveries: 2, skipped: 0 });
      expectProblem(await api.request('POST', '/events', { json: { events: [] } }), 400, 'validation_error');
      const badBatch = await api.request('POST', '/events', { json: { events: [event('evt_ok'), event('')] } });
      expectProblem(badBatch, 400, 'validation_error');
      const pathsOf = (r: TestResponse) => (problemSchema.parse(r.body).errors ?? []).map((i) => i.path.join('.'));
      expect(pathsOf(badBatch)).toContain('events.1.id');
      const badSingle = await api.request('POST', '/events', { json: event('evt_bad', { occurredAt: 'yesterday' }) });
      expectProblem(badSingle, 400, 'validation_error');
      expect(pathsOf(badSingle)).toContain('occurredAt');
      expectProblem(
        await api.request('POST', '/events', {
          json: { events: Array.from({ length: 1001 }, (_, i) => event(`e${i}`)) },
        }),
        400,
        'validation_error',
      );

      const delivered = await eventually(async () => {
        const page = await deliveriesOf('acct_a', webhook.id);
        return page.items.length === 3 && page.items.every((d) => d.status === 'delivered') ? page : undefined;
      });
      expect(delivered.items.map((d) => d.eventId).sort()).toEqual(['evt_b1', 'evt_b2', 'evt_single']);

      expect((await deliveriesOf('acct_a', webhook.id, '?personId=p_2')).items.map((d) => d.eventId)).toEqual([
        'evt_b1',
      ]);
      expect((await deliveriesOf('acct_a', webhook.id, '?eventId=evt_b2')).items).toHaveLength(1);
      expect((await deliveriesOf('acct_a', webhook.id, '?status=failed')).items).toHaveLength(0);
      const from = new Date(Date.now() - 60_000).toISOString();
      expect(
        (await deliveriesOf('acct_a', webhook.id, `?from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}`))
          .items,
      ).toHaveLength(3);

      const first = await deliveriesOf('acct_a', webhook.id, '?limit=2');
      expect(first.items).toHaveLength(2);
      expect(first.nextCursor).not.toBeNull();
      const second = await deliveriesOf(
        'acct_a',
        webhook.id,
        `?limit=2&cursor=${encodeURIComponent(first.nextCursor!)}`,
      );
      expect(second.items).toHaveLength(1);
      expect(second.nextCursor).toBeNull();
      expect(new Set([...first.items, ...second.items].map((d) => d.id)).size).toBe(3);

      expectProblem(await api.request('GET', `/webhooks/${webhook.id}/deliveries?limit=0`), 400, 'validation_error');
      expectProblem(
        await api.request('GET', `/webhooks/${webhook.id}/deliveries?status=lost`),
        400,
        'validation_error',
      );
      expectProblem(
        await api.request('GET', `/webhooks/${webhook.id}/deliveries?from=yesterday`),
        400,
        'validation_error',
      );

      const id = first.items[0]!.id;
      const detail = await api.request('GET', `/webhooks/${webhook.id}/deliveries/${id}`);
      expect(detail.status).toBe(200);
      const parsed = deliveryDetailSchema.parse(detail.body);
      expect(parsed.message.event).toBe('Ingested');
      expect(parsed.attempts[0]).toMatchObject({ number: 1, httpStatus: 200, outcome: 'delivered' });
      expectProblem(await api.request('GET', `/webhooks/${webhook.id}/deliveries/dlv_missing`), 404, 'not_found');
      expectProblem(await api.request('POST', `/webhooks/${webhook.id}/deliveries/${id}/retry`), 409, 'invalid_state');

      const overview = await api.request('GET', `/webhooks/${webhook.id}/overview?range=7d`);
      expect(overview.status, overview.text).toBe(200);
      const stats = overviewSchema.parse(overview.body);
      expect(stats.range).toBe('7d');
      expect(stats.counts.delivered).toBe(3);
      expect(overviewSchema.parse((await api.request('GET', `/webhooks/${webhook.id}/overview`)).body).range).toBe(
        '24h',
      );
      expectProblem(await api.request('GET', `/webhooks/${webhook.id}/overview?range=1y`), 400, 'validation_error');
      expectProblem(await api.request('GET', '/webhooks/wh_missing/overview'), 404, 'not_found');
      expectProblem(await api.request('GET', '/webhooks/wh_missing/deliveries'), 404, 'not_found');
    });

    it('retries one failed delivery and every failed delivery', async () => {
      const webhook = await createWebhook('acct_a', { writeKey: 'wk_A_failing_key_Rr55' });
      await api.request('PUT', '/activities/trial-started/destination', { json: { webhookId: webhook.id } });
      api.sink.setBehavior(({ writeKey }) =>
        writeKey === 'wk_A_failing_key_Rr55' ? { status: 400, body: '{"success":false}' } : undefined,
      );
      try {
        const ingested = await api.request('POST', '/events', {
          json: {
            events: [
              event('evt_f1', { activityId: 'trial-started' }),
              event('evt_f2', { activityId: 'trial-started' }),
            ],
          },
        });
        expect(ingested.status, ingested.text).toBe(202);
        const failed = await eventually(async () => {
          const page = await deliveriesOf('acct_a', webhook.id, '?status=failed');
          return page.items.length === 2 ? page : undefined;
        });
        api.sink.setBehavior(null);

        const one = await api.request('POST', `/webhooks/${webhook.id}/deliveries/${failed.items[0]!.id}/retry`);
        expect(one.status, one.text).toBe(200);
        const retried = deliveryDetailSchema.parse(one.body);
        expect(['pending', 'retrying', 'delivered']).toContain(retried.status);
        expect(retried.messageId).toBe(failed.items[0]!.messageId);

        const all = await api.request('POST', `/webhooks/${webhook.id}/deliveries/retry-failed`);
        expect(all.status, all.text).toBe(200);
        expect(retryFailedResponseSchema.parse(all.body).retried).toBe(1);
        await eventually(async () => {
          const page = await deliveriesOf('acct_a', webhook.id);
          return page.items.every((d) => d.status === 'delivered') ? page : undefined;
        });
        expectProblem(await api.request('POST', '/webhooks/wh_missing/deliveries/retry-failed'), 404, 'not_found');
        expectProblem(
          await api.request('POST', `/webhooks/${webhook.id}/deliveries/dlv_missing/retry`),
          404,
          'not_found',
        );
      } finally {
        api.sink.setBehavior(null);
      }
    });

    it('answers 422 message_too_large for an event whose Segment message exceeds 32 KB, and commits nothing', async () => {
      const webhook = await createWebhook('acct_a');
      await api.request('PUT', '/activities/order-placed/destination', { json: { webhookId: webhook.id } });
      const before = (await deliveriesOf('acct_a', webhook.id)).items.length;
      const response = await api.request('POST', '/events', {
        json: { events: [event('evt_ok'), event('evt_huge', { attributes: { blob: 'x'.repeat(40 * 1024) } })] },
      });
      expectProblem(response, 422, 'message_too_large');
      expect((await deliveriesOf('acct_a', webhook.id)).items.length).toBe(before);
    });

    it('sends a person to a webhook (202), idempotently with an id', async () => {
      const webhook = await createWebhook('acct_a', { trackEventName: 'Sent' });
      const body = {
        person: { id: 'p_send', email: 'grace@example.com' },
        activity: { activityId: 'order-placed' },
        id: 'send_1',
      };
      const sent = await api.request('POST', `/webhooks/${webhook.id}/send`, { json: body });
      expect(sent.status, sent.text).toBe(202);
      const first = sendToWebhookResponseSchema.parse(sent.body);
      const again = sendToWebhookResponseSchema.parse(
        (await api.request('POST', `/webhooks/${webhook.id}/send`, { json: body })).body,
      );
      expect(again).toEqual(first);
      expectProblem(
        await api.request('POST', `/webhooks/${webhook.id}/send`, { json: { person: {} } }),
        400,
        'validation_error',
      );
      expectProblem(await api.request('POST', '/webhooks/wh_missing/send', { json: body }), 404, 'not_found');
      const message = await eventually(async () =>
        api.sink.messages(WRITE_KEY_A).find((m) => m.messageId === first.messageId),
      );
      expect(message).toMatchObject({ event: 'Sent', userId: 'p_send' });
    });
  });

  describe('the deliveries stream (Server-Sent Events)', () => {
    it('streams changes of one webhook, sends heartbeats, and unsubscribes when the client leaves', async () => {
      let subscribed = 0;
      let unsubscribed = 0;
      const live = await start({
        heartbeatMs: 25,
        wrapService: (service) =>
          new Proxy(service, {
            get(target, property, receiver) {
              if (property !== 'subscribe') return Reflect.get(target, property, receiver);
              return async (...args: Parameters<typeof service.subscribe>) => {
                const unsubscribe = await target.subscribe(...args);
                subscribed++;
                return () => {
                  unsubscribed++;
                  unsubscribe();
                };
              };
            },
          }),
      });
      try {
        const created = await live.request('POST', '/webhooks', {
          json: { name: 'Live', trackEventName: 'Activity', writeKey: WRITE_KEY_A },
        });
        const webhook = webhookSchema.parse(created.body);
        await live.request('PUT', '/activities/order-placed/destination', { json: { webhookId: webhook.id } });

        expectProblem(await live.request('GET', '/webhooks/wh_missing/deliveries/stream'), 404, 'not_found');
        expectProblem(
          await live.request('GET', `/webhooks/${webhook.id}/deliveries/stream?since=1`),
          400,
          'validation_error',
        );

        const head = await live.fetch(`/webhooks/${webhook.id}/deliveries/stream`, {
          method: 'HEAD',
          headers: { 'x-test-account': 'acct_a' },
        });
        expect(head.status).toBe(200);
        expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
        expect(unsubscribed).toBe(1);

        const controller = new AbortController();
        const response = await live.fetch(`/webhooks/${webhook.id}/deliveries/stream`, {
          headers: { 'x-test-account': 'acct_a' },
          signal: controller.signal,
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        expect(response.headers.get('cache-control')).toBe('no-store');
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        let text = '';
        const readUntil = async (predicate: (t: string) => boolean) => {
          while (!predicate(text)) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`stream ended: ${text}`);
            text += decoder.decode(value, { stream: true });
          }
        };
        await readUntil((t) => t.includes(': connected'));
        await live.request('POST', '/events', { json: event('evt_live') });
        await readUntil((t) => /event: delivery\ndata: .*"delivered"/.test(t));
        await readUntil((t) => t.includes(': heartbeat'));
        // `retry:` first, then one `id:` (increasing), `event:` and `data:` per change.
        expect(text.startsWith('retry: 3000\n: connected\n\n')).toBe(true);
        const blocks = text.split('\n\n').filter((block) => block.includes('event: delivery'));
        expect(blocks.length).toBeGreaterThan(0);
        const ids = blocks.map((block) => Number(/^id: (\d+)\nevent: delivery\ndata: /.exec(block)?.[1]));
        expect(ids).toEqual(ids.map((_, index) => index + 1));
        const changes = blocks.map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)));
        expect(
          changes.every((change) => change.webhookId === webhook.id && change.delivery.eventId === 'evt_live'),
        ).toBe(true);
        live.captured.push({
          method: 'GET',
          path: 'stream',
          status: 200,
          headers: Object.fromEntries(response.headers),
          text,
        });
        expect(subscribed).toBe(2);

        controller.abort();
        await eventually(async () => (unsubscribed === 2 ? true : undefined));

        // A client that cancels its reading (rather than aborting the request) is gone too.
        const second = await live.fetch(`/webhooks/${webhook.id}/deliveries/stream`, {
          headers: { 'x-test-account': 'acct_a' },
        });
        const secondReader = second.body!.getReader();
        await secondReader.read();
        expect(subscribed).toBe(3);
        await secondReader.cancel();
        await eventually(async () => (unsubscribed === 3 ? true : undefined));
        expect(live.captured.every((c) => WRITE_KEYS.every((key) => !c.text.includes(key)))).toBe(true);
      } finally {
        await live.close();
      }
    });
  });

  describe('account isolation', () => {
    it("gives account B a 404 for every one of A's ids and none of A's rows", async () => {
      const webhook = await createWebhook('acct_a', { trackEventName: 'Isolated' });
      await api.request('PUT', '/activities/form-submitted/destination', { json: { webhookId: webhook.id } });
      await api.request('POST', '/events', { json: event('evt_iso', { activityId: 'form-submitted' }) });
      // Delivered, so the worker writes nothing more of it: the snapshot then only moves by B's requests.
      const delivery = await eventually(async () => {
        const first = (await deliveriesOf('acct_a', webhook.id)).items[0];
        return first?.status === 'delivered' ? first : undefined;
      });
      const before = await api.snapshot();

      const as = { account: 'acct_b' };
      const id = webhook.id;
      const d = delivery.id;
      const attempts: [string, string, unknown?][] = [
        ['GET', `/webhooks/${id}`],
        ['PATCH', `/webhooks/${id}`, { name: 'Stolen' }],
        ['POST', `/webhooks/${id}/test`],
        ['POST', `/webhooks/${id}/disconnect`],
        ['POST', `/webhooks/${id}/reconnect`],
        ['POST', `/webhooks/${id}/archive`],
        ['POST', `/webhooks/${id}/unarchive`],
        ['DELETE', `/webhooks/${id}`],
        ['POST', `/webhooks/${id}/resume`],
        ['GET', `/webhooks/${id}/overview`],
        ['GET', `/webhooks/${id}/deliveries`],
        ['GET', `/webhooks/${id}/deliveries/stream`],
        ['GET', `/webhooks/${id}/deliveries/${d}`],
        ['POST', `/webhooks/${id}/deliveries/${d}/retry`],
        ['POST', `/webhooks/${id}/deliveries/retry-failed`],
        ['POST', `/webhooks/${id}/send`, { person: { id: 'p_x' } }],
        ['PUT', '/activities/order-placed/destination', { webhookId: id }],
      ];
      for (const [method, path, json] of attempts) {
        expectProblem(await api.request(method, path, { ...as, ...(json ? { json } : {}) }), 404, 'not_found');
      }
      // A's delivery id under B's own webhook is not found either.
      const own = await createWebhook('acct_b');
      expectProblem(await api.request('GET', `/webhooks/${own.id}/deliveries/${d}`, as), 404, 'not_found');
      expect((await deliveriesOf('acct_b', own.id)).items).toEqual([]);

      const list = webhookListSchema.parse((await api.request('GET', '/webhooks', as)).body);
      expect(list.items.map((w) => w.id)).toEqual([own.id]);
      const activities = activityListSchema.parse((await api.request('GET', '/activities', as)).body);
      expect(activities.items.every((a) => a.destinationWebhookId === null)).toBe(true);
      expect(usageSchema.parse((await api.request('GET', '/usage', as)).body).outboundActivityStreams).toBe(0);
      // B's ingest of the same activity creates no delivery for A's webhook.
      const ingested = await api.request('POST', '/events', {
        ...as,
        json: event('evt_iso', { activityId: 'form-submitted' }),
      });
      expect(ingestResponseSchema.parse(ingested.body)).toEqual({ accepted: 1, deliveries: 0, skipped: 0 });
      expect((await deliveriesOf('acct_a', webhook.id)).items).toHaveLength(1);
      // Only B's own webhook row was added.
      const after = JSON.parse(await api.snapshot()) as [string, unknown[]][];
      const beforeTables = JSON.parse(before) as [string, unknown[]][];
      for (const [table, rows] of after) {
        const previous = beforeTables.find(([name]) => name === table)![1];
        // B's webhook and its first settings version.
        expect(rows.length - previous.length, table).toBe(table === 'webhooks' || table === 'webhook_history' ? 1 : 0);
      }
    });
  });

  describe('unexpected errors', () => {
    it('logs them and answers a generic 500 problem without a stack or message', async () => {
      const broken = await start({
        wrapService: (service) =>
          new Proxy(service, {
            get(target, property, receiver) {
              if (property === 'usage') {
                return async () => {
                  throw new TypeError(`db exploded near ${WRITE_KEY_A.slice(0, 3)}`);
                };
              }
              return Reflect.get(target, property, receiver);
            },
          }),
      });
      try {
        const response = await broken.request('GET', '/usage');
        expectProblem(response, 500, 'internal_error');
        expect(response.text).not.toContain('db exploded');
        expect(response.text).not.toContain('TypeError');
        expect(broken.logs.some((line) => line.startsWith('error') && line.includes('db exploded'))).toBe(true);
      } finally {
        await broken.close();
      }
    });
  });

  describe('a host that creates its service', () => {
    it('builds the service from the store, the encryption key and the plan', async () => {
      const own = await start({ ownService: { plan: (accountId) => (accountId === 'acct_big' ? 25 : 1) } });
      try {
        const usage = await own.request('GET', '/usage', { account: 'acct_big' });
        expect(usageSchema.parse(usage.body)).toEqual({ outboundActivityStreams: 0, includedStreams: 25 });
        const created = await own.request('POST', '/webhooks', {
          account: 'acct_big',
          json: { name: 'Own service', trackEventName: 'Activity', writeKey: WRITE_KEY_A },
        });
        expect(created.status, created.text).toBe(201);
        const webhook = webhookSchema.parse(created.body);
        await expect(own.service.getWebhook('acct_big', webhook.id)).resolves.toEqual(webhook);
        expect(own.logs.join('\n')).not.toContain(WRITE_KEY_A);
      } finally {
        await own.close();
      }
    });
  });

  describe('GET /openapi.json', () => {
    it('serves a valid OpenAPI 3.1 document without an account', async () => {
      const response = await api.request('GET', '/openapi.json', { account: null });
      expect(response.status).toBe(200);
      const document = response.body as { paths: Record<string, unknown> };
      const result = await new Validator().validate(document);
      expect(result.valid).toBe(true);
      expect(Object.keys(document.paths)).toContain('/webhooks/{id}/deliveries/stream');
    });
  });

  describe('secrets', () => {
    it('never puts a write key in a response body, a header or a log line', () => {
      expect(api.captured.length).toBeGreaterThan(100);
      for (const key of WRITE_KEYS) {
        for (const response of api.captured) {
          expect(response.text, `${response.method} ${response.path}`).not.toContain(key);
          expect(JSON.stringify(response.headers)).not.toContain(key);
        }
        for (const line of api.logs) expect(line).not.toContain(key);
      }
    });
  });
}
