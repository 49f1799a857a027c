import { createSegmentWebhookService } from '@segment-webhook/core';
import { type DeliveryChange, SegmentWebhookError, webhookSchema } from '@segment-webhook/core/contract';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, createHandlers, type HandlerResult, type JsonResult, type StreamResult } from './handlers';

const CATALOG: Catalog = {
  activities: [{ id: 'order-placed', name: 'Order placed' }],
  fields: { person: [{ key: 'email', label: 'Email' }], activity: [] },
};

// The handlers called directly, without Express: plain functions of {params, query, body, accountId}.
const store = sqliteStore({ filename: ':memory:' });
const service = createSegmentWebhookService({
  store,
  encryptionKey: Buffer.alloc(32, 5).toString('base64'),
  plan: () => 2,
  endpoints: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
});
const handlers = createHandlers({ service, catalog: CATALOG, openApiDocument: () => ({ openapi: '3.1.0' }) });
const base = { accountId: 'acct_h', params: {}, query: {}, body: undefined };
let webhookId: string;

const sampleSummary: DeliveryChange['delivery'] = {
  id: 'dlv_1',
  webhookId: 'wh_1',
  eventId: 'evt',
  personId: 'p',
  activityId: 'order-placed',
  source: 'activity',
  status: 'pending',
  heldReason: null,
  messageId: 'm',
  attemptCount: 0,
  occurredAt: '2026-11-27T10:00:00.000Z',
  createdAt: '2026-11-27T10:00:00.000Z',
  updatedAt: '2026-11-27T10:00:00.000Z',
  nextAttemptAt: null,
  deliveredAt: null,
  lastError: null,
  lastHttpStatus: null,
};

const json = (result: HandlerResult): JsonResult => {
  if ('stream' in result) throw new Error('expected a JSON result');
  return result;
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof SegmentWebhookError ? error.code : String(error);
  }
}

beforeAll(async () => {
  const created = json(
    await handlers.createWebhook({
      ...base,
      body: { name: 'Direct', trackEventName: 'Activity', writeKey: 'wk_direct_1234' },
    }),
  );
  expect(created.status).toBe(201);
  webhookId = webhookSchema.parse(created.body).id;
});
afterAll(async () => {
  await service.close();
  await store.close();
});

describe('handlers', () => {
  it('answer with a status and a body', async () => {
    const list = json(await handlers.listWebhooks({ ...base, query: { status: 'active' } }));
    expect(list.status).toBe(200);
    expect((list.body as { items: unknown[] }).items).toHaveLength(1);
    const read = json(await handlers.getWebhook({ ...base, params: { id: webhookId } }));
    expect(read.status).toBe(200);
    expect(webhookSchema.parse(read.body).name).toBe('Direct');
    expect(await codeOf(handlers.deleteWebhook({ ...base, params: { id: webhookId } }))).toBe('invalid_state');
  });

  it('validate their own query and body', async () => {
    expect(await codeOf(handlers.listWebhooks({ ...base, query: { status: ['active', 'archived'] } }))).toBe(
      'validation_error',
    );
    expect(await codeOf(handlers.usage({ ...base, query: { extra: '1' } }))).toBe('validation_error');
    expect(await codeOf(handlers.createWebhook({ ...base, body: 'name' }))).toBe('validation_error');
    expect(await codeOf(handlers.ingest({ ...base, body: { events: [], extra: true } }))).toBe('validation_error');
    expect(await codeOf(handlers.updateWebhook({ ...base, params: { id: webhookId }, body: { writeKey: 7 } }))).toBe(
      'validation_error',
    );
  });

  it('treat impossible path ids and unknown activities as not found', async () => {
    expect(await codeOf(handlers.getWebhook({ ...base, params: { id: 'has space' } }))).toBe('not_found');
    expect(await codeOf(handlers.getWebhook({ ...base, params: {} }))).toBe('not_found');
    expect(
      await codeOf(handlers.getDelivery({ ...base, params: { id: webhookId, deliveryId: 'x'.repeat(201) } })),
    ).toBe('not_found');
    expect(
      await codeOf(handlers.setActivityDestination({ ...base, params: { activityId: 'nope' }, body: { webhookId } })),
    ).toBe('not_found');
  });

  it('refuse a broken host catalog as an unexpected error, not a client error', async () => {
    const broken = createHandlers({
      service,
      catalog: () => ({ activities: [{ id: 1 }] }) as never,
      openApiDocument: () => ({}),
    });
    const error = await broken.listFields(base).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(SegmentWebhookError);
    expect(() =>
      createHandlers({ service, catalog: { activities: 'all' } as never, openApiDocument: () => ({}) }),
    ).toThrow(/catalog/);
  });

  it('stream deliveries: changes before start are emitted first, stop unsubscribes once', async () => {
    // The real service, with its listener captured so the test can deliver changes at chosen moments.
    let listener: ((change: DeliveryChange) => void) | null = null;
    let unsubscribed = 0;
    const observed = createHandlers({
      service: new Proxy(service, {
        get(target, property, receiver) {
          if (property !== 'subscribe') return Reflect.get(target, property, receiver);
          return async (...args: Parameters<typeof service.subscribe>) => {
            const stop = await target.subscribe(...args);
            listener = args[2];
            return () => {
              unsubscribed++;
              stop();
            };
          };
        },
      }),
      catalog: CATALOG,
      openApiDocument: () => ({}),
    });
    const result = (await observed.streamDeliveries({ ...base, params: { id: webhookId } })) as StreamResult;
    expect(result.status).toBe(200);
    const page = await service.listDeliveries('acct_h', webhookId);
    const change = (eventId: string): DeliveryChange => ({
      webhookId,
      delivery: { ...(page.items[0] ?? sampleSummary), eventId },
    });
    listener!(change('evt_early'));
    const emitted: [string, string][] = [];
    result.stream.start((event, data) => emitted.push([event, (data as DeliveryChange).delivery.eventId]));
    listener!(change('evt_live'));
    expect(emitted).toEqual([
      ['delivery', 'evt_early'],
      ['delivery', 'evt_live'],
    ]);
    result.stream.stop();
    result.stream.stop();
    expect(unsubscribed).toBe(1);
    listener!(change('evt_after_stop'));
    expect(emitted).toHaveLength(2);
    expect(
      await codeOf(observed.streamDeliveries({ ...base, accountId: 'acct_other', params: { id: webhookId } })),
    ).toBe('not_found');
  });
});
