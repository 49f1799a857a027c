/**
 * The server half of `bench/http-ingest.ts`, run in a child process so that the load generator and the
 * server do not share an event loop. Starts, on 127.0.0.1 and ephemeral ports:
 * - the baseline: a bare Express 5 app with `express.json()` that echoes the ingest shape, and answers a
 *   static deliveries page of the same size as the kit's;
 * - the kit: `createSegmentWebhookRouter` with the real service and the SQLite store (in a temporary
 *   directory), one webhook routed for ingest, and a second webhook with 1,000,000 delivery rows seeded
 *   directly with SQL (minutes through the API; seconds this way).
 * - the same router over a service whose ingest and page answer at once (the HTTP edge's own cost).
 * Reports `{type: 'ready', ...}` over IPC, and exits when the parent disconnects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSegmentWebhookService } from '@segment-webhook/core';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import Database from 'better-sqlite3';
import express from 'express';
import { seedDeliveries } from './seed-deliveries';

const ROWS = Number(process.env.BENCH_DELIVERY_ROWS ?? 1_000_000);
const ACCOUNT = 'acct_bench';
const ACTIVITY = 'order-placed';

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}` });
    });
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-http-bench-'));
const filename = path.join(dir, 'bench.sqlite');
const store = sqliteStore({ filename });
const service = createSegmentWebhookService({
  store,
  encryptionKey: Buffer.alloc(32, 7).toString('base64'),
  plan: () => 1000,
  // Nothing is delivered during the benchmark (no worker runs): it measures the HTTP edge and the commit.
  endpoints: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
});

const ingestWebhook = await service.createWebhook(ACCOUNT, {
  name: 'Ingest',
  trackEventName: 'Activity',
  writeKey: 'bench_write_key_ingest_0001',
});
await service.setDestination(ACCOUNT, ACTIVITY, ingestWebhook.id);
const pageWebhook = await service.createWebhook(ACCOUNT, {
  name: 'Logs',
  trackEventName: 'Activity',
  writeKey: 'bench_write_key_logs_00002',
});

// Seed the deliveries of the logs webhook straight into the store's tables.
const seedStarted = performance.now();
seedDeliveries({
  filename,
  accountId: ACCOUNT,
  webhookId: pageWebhook.id,
  activityId: ACTIVITY,
  rows: ROWS,
  now: Date.now(),
});
const seedSeconds = (performance.now() - seedStarted) / 1000;

const baseline = express();
baseline.use(express.json({ limit: '1mb' }));
baseline.post('/events', (req, res) => {
  const body = req.body as { events?: unknown[] };
  res.status(202).json({ accepted: body.events?.length ?? 1, deliveries: body.events?.length ?? 1 });
});
const firstPage = await service.listDeliveries(ACCOUNT, pageWebhook.id, { limit: 50 });
baseline.get('/page', (_req, res) => {
  res.json(firstPage);
});

const kit = express();
kit.use(
  '/api',
  createSegmentWebhookRouter({
    service,
    resolveAccount: () => ACCOUNT,
    catalog: { activities: [{ id: ACTIVITY, name: 'Order placed' }], fields: { person: [], activity: [] } },
    logger: { error: (details, message) => console.error(message, details) },
  }),
);

// The same router over a service whose ingest and page answer at once: the cost of the HTTP edge alone
// (body reading, validation, routing, serialization), to tell it apart from the store's.
const edgeOnly = express();
edgeOnly.use(
  '/api',
  createSegmentWebhookRouter({
    service: new Proxy(service, {
      get(target, property, receiver) {
        if (property === 'ingest') {
          return async (_account: string, events: unknown[]) => ({
            accepted: events.length,
            deliveries: events.length,
          });
        }
        if (property === 'listDeliveries') return async () => firstPage;
        return Reflect.get(target, property, receiver);
      },
    }),
    resolveAccount: () => ACCOUNT,
    catalog: { activities: [{ id: ACTIVITY, name: 'Order placed' }], fields: { person: [], activity: [] } },
  }),
);

const [baselineServer, kitServer, edgeServer] = await Promise.all([listen(baseline), listen(kit), listen(edgeOnly)]);
process.send?.({
  type: 'ready',
  baselineUrl: baselineServer.url,
  kitUrl: `${kitServer.url}/api`,
  edgeUrl: `${edgeServer.url}/api`,
  pageWebhookId: pageWebhook.id,
  rows: ROWS,
  seedSeconds,
});

async function shutdown(): Promise<void> {
  baselineServer.server.closeAllConnections();
  kitServer.server.closeAllConnections();
  baselineServer.server.close();
  edgeServer.server.closeAllConnections();
  edgeServer.server.close();
  kitServer.server.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.on('disconnect', () => void shutdown());
process.on('message', (message: { type?: string; query?: string }) => {
  if (message.type === 'count') {
    const reader = new Database(filename, { readonly: true });
    const row = reader.prepare('SELECT count(*) AS n FROM deliveries WHERE webhook_id = ?').get(ingestWebhook.id) as {
      n: number;
    };
    reader.close();
    process.send?.({ type: 'count', count: row.n });
  }
});
