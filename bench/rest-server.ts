/**
 * The server half of `bench/rest-steady.ts`: one host server in a child process, as a host runs it.
 * BENCH_SYSTEM chooses what answers `POST /events`:
 * - `sqlite` / `postgres`: the kit — `createSegmentWebhookRouter` over the service, with the delivery
 *   worker in the same process (claim at insert, defaults: batches of 500, 4 rounds in flight), on a SQLite
 *   file in a temporary directory (each event fsynced before its 202) or on a PostgreSQL schema of its own
 *   (`DATABASE_URL`; each event committed before its 202);
 * - `analytics-node`: what a host writes without the kit — Express with `express.json()` and one
 *   `analytics.track()` per event, `@segment/analytics-node` 3.1.0 with its defaults (in memory), 202 at once.
 * Both send to SINK_URL. Reports `{type: 'ready', url}` over IPC; answers `{type: 'cpu'}` with its CPU time so
 * far (`{type: 'cpu', ms}`); on `{type: 'stop'}` drains (the kit's worker stops, analytics-node flushes),
 * reports `{type: 'stopped'}` and exits. BENCH_CPU_PROF (a directory) is handled by the parent (`node --cpu-prof`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Analytics } from '@segment/analytics-node';
import { createDeliveryWorker, createSegmentWebhookService, type Store } from '@segment-webhook/core';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import express from 'express';
import pg from 'pg';

const SYSTEM = process.env.BENCH_SYSTEM ?? 'sqlite';
const SINK_URL = process.env.SINK_URL ?? '';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WRITE_KEY = process.env.BENCH_WRITE_KEY ?? 'wk_rest_bench_0001';
const ACCOUNT = 'acct_bench';
const ACTIVITY = 'order-placed';

interface BenchEvent {
  id: string;
  occurredAt: string;
  person: { id: string; email: string; plan: string };
  attributes: Record<string, unknown>;
}

function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}` });
    });
  });
}

const app = express();
app.disable('x-powered-by');
let drain: () => Promise<void>;

if (SYSTEM === 'analytics-node') {
  // Defaults: flushAt 15, flushInterval 10 s, 10 retries; everything it holds is in memory.
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: SINK_URL });
  app.use(express.json({ limit: '1mb' }));
  app.post('/api/events', (req, res) => {
    const events = (req.body as { events: BenchEvent[] }).events;
    for (const event of events) {
      analytics.track({
        userId: event.person.id,
        event: 'Order placed',
        messageId: event.id,
        timestamp: event.occurredAt,
        properties: { ...event.attributes, email: event.person.email, plan: event.person.plan },
      });
    }
    res.status(202).json({ accepted: events.length });
  });
  drain = () => analytics.closeAndFlush({ timeout: 60_000 });
} else {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (SYSTEM === 'postgres') {
    const schema = `bench_rest_${process.pid}`;
    store = postgresStore({ connectionString: DATABASE_URL, schema });
    cleanup = async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    };
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-rest-bench-'));
    store = sqliteStore({ filename: path.join(dir, 'bench.sqlite') });
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const encryptionKey = Buffer.alloc(32, 7).toString('base64');
  const worker = createDeliveryWorker({ store, encryptionKey, endpoints: { us: SINK_URL } });
  const service = createSegmentWebhookService({
    store,
    encryptionKey,
    plan: () => 100,
    endpoints: { us: SINK_URL },
    worker,
  });
  await store.migrate();
  const webhook = await service.createWebhook(ACCOUNT, {
    name: 'Bench',
    trackEventName: 'Order placed',
    writeKey: WRITE_KEY,
    fields: [
      { key: 'email', from: 'person.email' },
      { key: 'plan', from: 'person.plan' },
    ],
  });
  await service.setDestination(ACCOUNT, ACTIVITY, webhook.id);
  worker.start();
  app.use(
    '/api',
    createSegmentWebhookRouter({
      service,
      resolveAccount: () => ACCOUNT,
      catalog: { activities: [{ id: ACTIVITY, name: 'Order placed' }], fields: { person: [], activity: [] } },
      logger: { error: (details, message) => console.error(message, details) },
    }),
  );
  drain = async () => {
    await worker.stop();
    await service.close();
    await store.close();
    await cleanup();
  };
}

const { server, url } = await listen(app);
process.send?.({ type: 'ready', url: `${url}/api` });
process.on('message', (message: { type?: string }) => {
  if (message.type === 'cpu') {
    // This process's CPU time so far (user + system), in ms: the parent takes differences around a run.
    const cpu = process.cpuUsage();
    process.send?.({ type: 'cpu', ms: (cpu.user + cpu.system) / 1000 });
  }
  if (message.type !== 'stop') return;
  void (async () => {
    server.closeAllConnections();
    server.close();
    await drain();
    process.send?.({ type: 'stopped' });
    process.disconnect?.();
    process.exit(0);
  })();
});
