import type { SegmentWebhookService } from '@segment-webhook/core';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { segmentWebhookFrameworkErrors, segmentWebhookPlugin } from './index';

// What is specific to the Fastify plugin. Every route, error, isolation, hostile input and the live tail run
// in the HTTP conformance suite (tests/http/fastify.test.ts) on SQLite and PostgreSQL.
const store = sqliteStore({ filename: ':memory:' });
const catalog = { activities: [], fields: { person: [], activity: [] } };
afterAll(async () => {
  await store.close();
});

describe('segmentWebhookPlugin', () => {
  it("is encapsulated: the host's JSON parsing and 404s outside the prefix are Fastify's own", async () => {
    let served: SegmentWebhookService | undefined;
    const app = Fastify({ frameworkErrors: segmentWebhookFrameworkErrors('/api/segment-webhooks') });
    await app.register(segmentWebhookPlugin, {
      prefix: '/api/segment-webhooks',
      store,
      encryptionKey: Buffer.alloc(32, 6).toString('base64'),
      plan: () => 4,
      catalog,
      resolveAccount: (request) => (request.headers['x-user'] === 'ada' ? 'acct_ada' : null),
      onService: (service) => {
        served = service;
      },
    });
    app.post('/host/echo', async (request) => ({ echoed: request.body }));
    try {
      const echo = await app.inject({ method: 'POST', url: '/host/echo', payload: { a: 1 } });
      expect(echo.json()).toEqual({ echoed: { a: 1 } });
      const hostMissing = await app.inject({ method: 'GET', url: '/elsewhere' });
      expect(hostMissing.statusCode).toBe(404);
      expect(hostMissing.headers['content-type']).toMatch(/^application\/json/);
      const badHostUrl = await app.inject({ method: 'GET', url: '/host/%FF' });
      expect(badHostUrl.headers['content-type']).toMatch(/^application\/json/);

      const usage = await app.inject({
        method: 'GET',
        url: '/api/segment-webhooks/usage',
        headers: { 'x-user': 'ada' },
      });
      expect(usage.json()).toEqual({ outboundActivityStreams: 0, includedStreams: 4 });
      await expect(served?.usage('acct_ada')).resolves.toEqual({ outboundActivityStreams: 0, includedStreams: 4 });
      const anonymous = await app.inject({ method: 'GET', url: '/api/segment-webhooks/usage' });
      expect(anonymous.statusCode).toBe(401);
      const badKitUrl = await app.inject({ method: 'GET', url: '/api/segment-webhooks/webhooks/%FF' });
      expect(badKitUrl.statusCode).toBe(400);
      expect(badKitUrl.headers['content-type']).toMatch(/^application\/problem\+json/);
    } finally {
      await app.close();
    }
  });
});
