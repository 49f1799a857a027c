import { createSegmentWebhookService, type SegmentWebhookService } from '@segment-webhook/core';
import { problemSchema, SegmentWebhookError } from '@segment-webhook/core/contract';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmentWebhookHandler, normalizeBasePath } from './handler';
import type { Catalog } from './handlers';

// The fetch handler called in-process with web Requests. The HTTP conformance suite (tests/http) covers every
// route on every host; this file pins what is specific to the handler itself.
const CATALOG: Catalog = {
  activities: [{ id: 'order-placed', name: 'Order placed' }],
  fields: { person: [], activity: [] },
};
const store = sqliteStore({ filename: ':memory:' });
const service = createSegmentWebhookService({
  store,
  encryptionKey: Buffer.alloc(32, 4).toString('base64'),
  plan: () => 2,
});
afterAll(async () => {
  await service.close();
  await store.close();
});

const handlerWith = (overrides: Partial<Parameters<typeof createSegmentWebhookHandler>[0]> = {}) =>
  createSegmentWebhookHandler({ service, catalog: CATALOG, resolveAccount: () => 'acct_h', ...overrides });

/** The real service, with one method replaced. */
function serviceWith(method: keyof SegmentWebhookService, replacement: (...args: never[]) => unknown) {
  return new Proxy(service, {
    get: (target, property, receiver) => (property === method ? replacement : Reflect.get(target, property, receiver)),
  });
}

describe('createSegmentWebhookHandler', () => {
  it('serves the API under /api/segment-webhooks by default, and 404 problems elsewhere', async () => {
    const handler = handlerWith();
    expect(handler.basePath).toBe('/api/segment-webhooks');
    const usage = await handler(new Request('http://host.test/api/segment-webhooks/usage'));
    expect(usage.status).toBe(200);
    expect(await usage.json()).toEqual({ outboundActivityStreams: 0, includedStreams: 2 });
    for (const url of ['http://host.test/usage', 'http://host.test/api/segment-webhooksusage', 'http://host.test/']) {
      const response = await handler(new Request(url));
      expect(response.status, url).toBe(404);
      expect(problemSchema.parse(await response.json()).code).toBe('not_found');
    }
  });

  it('takes any base path, normalised', async () => {
    expect(normalizeBasePath('kit/')).toBe('/kit');
    expect(normalizeBasePath('/')).toBe('');
    const root = handlerWith({ basePath: '' });
    expect((await root(new Request('http://host.test/usage'))).status).toBe(200);
    const nested = handlerWith({ basePath: '/a/b/' });
    expect((await nested(new Request('http://host.test/a/b/usage'))).status).toBe(200);
    const document = (await (await nested(new Request('http://host.test/a/b/openapi.json'))).json()) as {
      servers: { url: string }[];
    };
    expect(document.servers).toEqual([{ url: '/a/b', description: 'Where the host serves the API' }]);
  });

  it('passes the web Request to resolveAccount; no account is a 401 problem', async () => {
    const seen: string[] = [];
    const handler = handlerWith({
      resolveAccount: (request) => {
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('x-who')}`);
        return request.headers.get('x-who');
      },
    });
    const ok = await handler(new Request('http://h/api/segment-webhooks/usage', { headers: { 'x-who': 'acct_h' } }));
    expect(ok.status).toBe(200);
    const anonymous = await handler(new Request('http://h/api/segment-webhooks/usage'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(seen).toEqual(['GET /api/segment-webhooks/usage acct_h', 'GET /api/segment-webhooks/usage null']);
  });

  it('answers HEAD like GET without a body', async () => {
    const response = await handlerWith()(new Request('http://h/api/segment-webhooks/usage', { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.body).toBeNull();
  });

  it('copies a Retry-After an error carries onto its problem response, whatever its code', async () => {
    const unavailable = Object.assign(new SegmentWebhookError('internal_error', 'The store is restarting.'), {
      details: { retryAfterSeconds: 2.2 },
    });
    const limited = Object.assign(new SegmentWebhookError('validation_error', 'Slow down.'), { retryAfter: 7 });
    const plain = new SegmentWebhookError('validation_error', 'No hint.');
    const answers: Record<string, string | null> = {};
    for (const [name, error] of Object.entries({ unavailable, limited, plain })) {
      const handler = handlerWith({
        service: serviceWith('usage', async () => {
          throw error;
        }),
        logger: { error: () => {} },
      });
      const response = await handler(new Request('http://h/api/segment-webhooks/usage'));
      answers[name] = response.headers.get('retry-after');
    }
    expect(answers).toEqual({ unavailable: '3', limited: '7', plain: null });
  });
});
