import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createSegmentWebhookService } from '@segment-webhook/core';
import { createSegmentWebhookHandler, type OpenApiOptions } from '@segment-webhook/server';
import { toNodeListener } from '@segment-webhook/server/node';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { CATALOG } from './harness';

/** Problems `redocly lint` (recommended rules) reports for an OpenAPI document, as `rule: message at pointer`. */
export function redoclyProblems(document: unknown): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(document));
    const result = spawnSync('pnpm', ['exec', 'redocly', 'lint', file, '--format=json'], {
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    const start = result.stdout.indexOf('{');
    if (start === -1) throw new Error(`redocly printed no report: ${result.stderr}`);
    const report = JSON.parse(result.stdout.slice(start)) as {
      problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
    };
    return report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
