/**
 * The readiness check and a full disk, with real parts: `/readyz` answers 503 `unavailable` while
 * PostgreSQL is stopped and 200 once it is back, without a restart (PostgreSQL only: on a throwaway cluster
 * of its own, never the shared server); and on every store, a full disk — a real 6 MB filesystem (tmpfs)
 * holding the SQLite file, or a PostgreSQL tablespace — makes ingest answer 507 `storage_full` with
 * `Retry-After` and readiness say `storage_full`, and everything resumes by itself once space is freed:
 * every accepted event is delivered, ingest works again.
 */

import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  createDeliveryWorker,
  createSegmentWebhookService,
  type DeliveryWorker,
  generateEncryptionKey,
  type SegmentWebhookServiceInstance,
  type Store,
} from '@segment-webhook/core';
import { createHealthHandlers, createSegmentWebhookHandler, type HealthHandlers } from '@segment-webhook/server';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrowawayCluster, type ThrowawayCluster } from './cluster';
import { uniqueName } from './postgres';
import { mountSmallFilesystem, type SmallFilesystem } from './small-filesystem';
import { STORE_KINDS, type StoreKind } from './stores';

const ACCOUNT = 'acct_ready';
const WRITE_KEY = 'wk_ready_0123456789';
const CATALOG = { activities: [{ id: 'order-placed', name: 'Order placed' }], fields: { person: [], activity: [] } };

/** The pieces of one process: store, service, worker, the HTTP handler and the health checks. */
interface Kit {
  store: Store;
  service: SegmentWebhookServiceInstance;
  worker: DeliveryWorker;
  health: HealthHandlers;
  api: (method: string, route: string, body?: unknown) => Promise<Response>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startKit(store: Store, sink: SegmentSink): Promise<Kit> {
  const encryptionKey = generateEncryptionKey();
  const options = {
    store,
    encryptionKey,
    endpoints: { us: sink.url },
    retryPolicy: { baseDelayMs: 20, maxDelayMs: 200 },
  };
  const worker = createDeliveryWorker({ ...options, pollIntervalMs: 50, leaseMs: 5_000 });
  const service = createSegmentWebhookService({ ...options, plan: () => 5, worker });
  await store.migrate();
  worker.start();
  cleanups.push(async () => {
    await worker.stop();
    await service.close();
    await store.close();
  });
  const handler = createSegmentWebhookHandler({
    basePath: '/api',
    service,
    catalog: CATALOG,
    resolveAccount: () => ACCOUNT,
    logger: { error() {} },
  });
  const api = (method: string, route: string, body?: unknown) =>
    handler(
      new Request(`http://kit.test/api${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  return { store, service, worker, health: createHealthHandlers({ store, worker }), api };
}

async function readiness(kit: Kit): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const response = await kit.health.readiness();
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
}

describe('readiness while PostgreSQL stops and starts again (PostgreSQL only)', () => {
  it('answers 503 with the reason `unavailable` while it is stopped, and 200 once it is back: no restart', async () => {
    const cluster = await startThrowawayCluster();
    cleanups.push(() => cluster.destroy());
    const sink = await startSegmentSink();
    cleanups.push(() => sink.close());
    const kit = await startKit(
      postgresStore({
        connectionString: cluster.url,
        schema: uniqueName('swk_ready'),
        connectionTimeoutMs: 1000,
        onError: () => {},
      }),
      sink,
    );
    expect(await readiness(kit)).toMatchObject({ status: 200, body: { status: 'ready' } });

    await cluster.stop();
    const down = await readiness(kit);
    expect(down).toMatchObject({ status: 503, body: { status: 'not_ready', reason: 'unavailable' } });
    expect((await kit.health.liveness()).status).toBe(200);

    await cluster.start();
    await expect.poll(async () => (await readiness(kit)).status, { timeout: 20_000 }).toBe(200);
    // And the kit works on: a webhook, an event, its delivery.
    const created = await kit.api('POST', '/webhooks', { name: 'W', trackEventName: 'E', writeKey: WRITE_KEY });
    expect(created.status).toBe(201);
  }, 90_000);
});

/** A store of `kind` whose data lives on a 6 MB filesystem, with a 1 MB ballast file beside it. */
async function storeOnSmallDisk(kind: StoreKind): Promise<{ store: Store; disk: SmallFilesystem }> {
  const disk = mountSmallFilesystem(6);
  cleanups.push(() => disk.destroy());
  disk.ballast(1024 * 1024);
  if (kind === 'sqlite') return { store: sqliteStore({ filename: path.join(disk.dir, 'kit.sqlite') }), disk };
  // PostgreSQL: the store's tables and indexes in a tablespace on the small disk (its WAL stays on the big one).
  const cluster: ThrowawayCluster = await startThrowawayCluster();
  cleanups.push(() => cluster.destroy());
  const location = path.join(disk.dir, 'tablespace');
  mkdirSync(location);
  if (process.getuid?.() === 0) {
    chownSync(location, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
  }
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE TABLESPACE swk_small LOCATION '${location}'`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: cluster.url, options: '-c default_tablespace=swk_small', max: 6 });
  pool.on('error', () => {});
  cleanups.push(() => pool.end());
  return { store: postgresStore({ pool, schema: uniqueName('swk_full'), onError: () => {} }), disk };
}

describe.each(STORE_KINDS)('a full disk on %s', (kind) => {
  it('answers ingest 507 storage_full with Retry-After, is not ready, and resumes once space is freed', async () => {
    const sink = await startSegmentSink({ maxMessages: 20_000 });
    cleanups.push(() => sink.close());
    const delivered = new Set<string>();
    sink.onReceive((messages) => {
      for (const { message } of messages) delivered.add((message.properties as { eventId: string }).eventId);
    });
    const { store, disk } = await storeOnSmallDisk(kind);
    const kit = await startKit(store, sink);
    expect(await readiness(kit)).toMatchObject({ status: 200 });
    const created = await kit.api('POST', '/webhooks', { name: 'W', trackEventName: 'E', writeKey: WRITE_KEY });
    const webhook = (await created.json()) as { id: string };
    expect((await kit.api('PUT', '/activities/order-placed/destination', { webhookId: webhook.id })).status).toBe(200);

    // Events of ~2 KB, 50 a call, until the disk is full.
    const accepted: string[] = [];
    const report = (prefix: string) => {
      const ids = Array.from({ length: 50 }, (_, i) => `${prefix}-${i}`);
      const events = ids.map((id) => ({
        id,
        activityId: 'order-placed',
        occurredAt: new Date().toISOString(),
        person: { id: 'p' },
        attributes: { eventId: id, notes: `${id} `.repeat(200) },
      }));
      return { ids, response: kit.api('POST', '/events', { events }) };
    };
    let full: Response | null = null;
    for (let call = 0; call < 1000 && !full; call += 1) {
      const { ids, response } = report(`e${call}`);
      const answer = await response;
      if (answer.status === 202) accepted.push(...ids);
      else full = answer;
    }
    expect(full, 'the disk never filled up').not.toBeNull();
    expect(full!.status).toBe(507);
    expect(full!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(full!.headers.get('retry-after')).toBe('10');
    expect(await full!.json()).toMatchObject({ code: 'storage_full', status: 507 });
    expect(accepted.length).toBeGreaterThan(0);

    const notReady = await readiness(kit);
    expect(notReady).toMatchObject({ status: 503, body: { status: 'not_ready', reason: 'storage_full' } });
    expect((await kit.health.readiness()).headers.get('retry-after')).toBe('10');

    // Space freed: ready again, ingest works, and every accepted event goes out.
    disk.free();
    await expect.poll(async () => (await readiness(kit)).status, { timeout: 30_000 }).toBe(200);
    const after = report('after');
    expect((await after.response).status).toBe(202);
    accepted.push(...after.ids);
    await expect
      .poll(() => accepted.filter((id) => !delivered.has(id)).length, { timeout: 60_000, interval: 200 })
      .toBe(0);
  }, 120_000);
});
