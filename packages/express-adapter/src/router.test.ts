import type { Server } from 'node:http';
import { createSegmentWebhookService } from '@segment-webhook/core';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import express from 'express';
import { afterAll, describe, expect, it } from 'vitest';
import { createSegmentWebhookRouter } from './router';

// What is specific to the Express bridge. Every route, error, isolation, hostile input and the live tail run
// in the HTTP conformance suite (tests/http/express.test.ts) on SQLite and PostgreSQL.
const store = sqliteStore({ filename: ':memory:' });
const service = createSegmentWebhookService({
  store,
  encryptionKey: Buffer.alloc(32, 8).toString('base64'),
  plan: () => 1,
});
const catalog = { activities: [], fields: { person: [], activity: [] } };
const servers: Server[] = [];

async function serve(app: express.Express): Promise<string> {
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  await service.close();
  await store.close();
});

describe('createSegmentWebhookRouter', () => {
  it("works behind the host's own body parser, and gives the Express request to resolveAccount", async () => {
    const app = express();
    app.use(express.json());
    app.use(
      '/kit',
      createSegmentWebhookRouter({
        service,
        catalog,
        resolveAccount: (req) => (req.get('x-user') === 'ada' ? 'acct_ada' : null),
      }),
    );
    const base = await serve(app);
    const created = await fetch(`${base}/kit/webhooks`, {
      method: 'POST',
      headers: { 'x-user': 'ada', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Parsed by the host', trackEventName: 'Activity', writeKey: 'wk_host_parsed_1' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(((await created.json()) as { name: string }).name).toBe('Parsed by the host');
    expect((await fetch(`${base}/kit/webhooks`)).status).toBe(401);
  });

  it('passes unknown paths on with handleUnknownRoutes: false, and names its mount point in the OpenAPI servers', async () => {
    const app = express();
    const router = createSegmentWebhookRouter({
      service,
      catalog,
      resolveAccount: () => 'acct',
      handleUnknownRoutes: false,
    });
    expect(router.service).toBe(service);
    app.use(router);
    app.get('/host-page', (_req, res) => {
      res.type('text/plain').send('the host');
    });
    app.use('/mounted/here', createSegmentWebhookRouter({ service, catalog, resolveAccount: () => 'acct' }));
    const base = await serve(app);
    expect(await (await fetch(`${base}/host-page`)).text()).toBe('the host');
    expect((await fetch(`${base}/usage`)).status).toBe(200);
    const document = (await (await fetch(`${base}/mounted/here/openapi.json`)).json()) as {
      servers: { url: string }[];
    };
    expect(document.servers[0]?.url).toBe('/mounted/here');
    const unknown = await fetch(`${base}/mounted/here/nothing`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
