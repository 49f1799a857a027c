// A new host's server, as a user writes it from the READMEs: Express, Fastify and the fetch handler.
import { createSegmentWebhooks } from '@segment-webhook/core';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { segmentWebhookPlugin } from '@segment-webhook/fastify-adapter';
import { createSegmentWebhookHandler } from '@segment-webhook/server';
import { toNodeListener } from '@segment-webhook/server/node';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import express from 'express';
import Fastify from 'fastify';

export const catalog = {
  activities: [{ id: 'order-placed', name: 'Order placed' }],
  fields: { person: [{ key: 'email', label: 'Email' }], activity: [] },
};

/** Everything a host runs, on a SQLite file whose folder may not exist yet. */
export async function createHost(filename: string, segmentUrl?: string) {
  const store = sqliteStore({ filename });
  const kit = createSegmentWebhooks({
    store,
    encryptionKey: process.env.SEGMENT_ENCRYPTION_KEY,
    allowInsecureDevelopmentKey: process.env.SEGMENT_ENCRYPTION_KEY === undefined,
    ...(segmentUrl ? { segment: { endpoints: { us: segmentUrl, eu: segmentUrl } } } : {}),
    plan: () => 5,
  });
  kit.start();

  const app = express();
  app.use(
    '/api/segment-webhooks',
    createSegmentWebhookRouter({
      service: kit.service,
      resolveAccount: (req) => req.get('x-account-id'),
      catalog,
    }),
  );

  const fastify = Fastify();
  await fastify.register(segmentWebhookPlugin, {
    prefix: '/api/segment-webhooks',
    service: kit.service,
    resolveAccount: (request) => request.headers['x-account-id']?.toString(),
    catalog,
  });

  const handler = createSegmentWebhookHandler({
    service: kit.service,
    resolveAccount: (request) => request.headers.get('x-account-id'),
    catalog,
  });
  const listener = toNodeListener(handler);

  return {
    app,
    fastify,
    handler,
    listener,
    async close() {
      await fastify.close();
      await kit.close();
      await store.close();
    },
  };
}
