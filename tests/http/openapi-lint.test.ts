import http, { type Server } from 'node:http';
import { createSegmentWebhookService } from '@segment-webhook/core';
import { createSegmentWebhookHandler, type OpenApiOptions } from '@segment-webhook/server';
import { toNodeListener } from '@segment-webhook/server/node';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOG } from './harness';
import { redoclyProblems } from './redocly';

const store = sqliteStore({ filename: ':memory:' });
const service = createSegmentWebhookService({
  store,
  encryptionKey: Buffer.alloc(32, 7).toString('base64'),
  plan: () => 5,
});
const servers: Server[] = [];

/** The document as a running server serves it at `<basePath>/openapi.json`. */
async function served(basePath: string, openApi?: OpenApiOptions): Promise<unknown> {
  const handler = createSegmentWebhookHandler({
    service,
    basePath,
    catalog: CATALOG,
    resolveAccount: () => 'acct',
    ...(openApi ? { openApi } : {}),
  });
  const server = http.createServer(toNodeListener(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${port}${basePath}/openapi.json`);
  expect(response.status).toBe(200);
  return response.json();
}

afterAll(async () => {
  for (const server of servers) server.close();
  await service.close();
  await store.close();
});

describe('the served OpenAPI document', () => {
  it('passes redocly lint (recommended rules) with no error and no warning', async () => {
    const document = (await served('/api/segment-webhooks')) as { servers: { url: string }[] };
    expect(document.servers[0]?.url).toBe('/api/segment-webhooks');
    expect(redoclyProblems(document)).toEqual([]);
  });

  it("passes with the host's own security schemes too", async () => {
    const document = await served('/kit', {
      securitySchemes: {
        accountHeader: { type: 'apiKey', in: 'header', name: 'x-account-id' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    });
    expect(redoclyProblems(document)).toEqual([]);
    expect((document as { security: unknown }).security).toEqual([{ accountHeader: [] }, { bearer: [] }]);
  });
});
