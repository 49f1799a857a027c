/**
 * Real worker processes (node:child_process, TypeScript through tsx) sharing one PostgreSQL database with
 * this test process, which plays the host: it ingests through the service and watches the testing sink.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSegmentWebhookService,
  generateEncryptionKey,
  type SegmentWebhookServiceInstance,
} from '@segment-webhook/core';
import type { ActivityEventInput } from '@segment-webhook/core/contract';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type PostgresStore, postgresStore } from './store';
import { DATABASE_URL, dropSchemas, uniqueSchema } from './test-database';

const dirname = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(dirname, '../../..');
const workerScript = path.join(dirname, 'test-fixtures', 'worker-process.ts');
const ACCOUNT = 'acct_multi';
const WRITE_KEY = 'wk_multi_process_test';

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

interface WorkerProcess {
  child: ChildProcess;
  ready: Promise<void>;
  /** SIGTERM: graceful stop; resolves with how many deliveries it claimed. */
  stop(): Promise<number>;
  /** SIGKILL: dies at once, whatever it was doing. */
  kill(): Promise<void>;
}

function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  const child = fork(workerScript, [], {
    cwd: repositoryRoot,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let claimed = -1;
  child.on('message', (message: { claimed?: number }) => {
    if (typeof message.claimed === 'number') claimed = message.claimed;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: { ready?: boolean }) => {
      if (message.ready) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker process exited before it was ready (code ${code})`)));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return claimed;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function events(prefix: string, from: number, count: number): ActivityEventInput[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      id: `${prefix}-${i}`,
      activityId: 'order-placed',
      occurredAt: new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + i).toISOString(),
      person: { id: `p_${i % 97}`, plan: 'pro' },
      attributes: { eventId: `${prefix}-${i}`, amount: i },
    };
  });
}

describe('worker processes sharing one PostgreSQL', () => {
  let schema: string;
  let store: PostgresStore;
  let service: SegmentWebhookServiceInstance;
  let sink: SegmentSink;
  let encryptionKey: string;
  let webhookId: string;
  let admin: pg.Client;
  const workers: WorkerProcess[] = [];
  /** Every send the sink accepted, per event id: the messageIds and timestamps it came with. */
  let sends: Map<string, { messageIds: Set<string>; timestamps: Set<string>; count: number }>;

  beforeEach(async () => {
    schema = uniqueSchema('swk_mp');
    schemas.add(schema);
    encryptionKey = generateEncryptionKey();
    sink = await startSegmentSink({ maxMessages: 100, maxRequests: 100 });
    sends = new Map();
    sink.onReceive((messages) => {
      for (const { message } of messages) {
        const properties = message.properties as { eventId: string };
        const entry = sends.get(properties.eventId) ?? { messageIds: new Set(), timestamps: new Set(), count: 0 };
        entry.messageIds.add(String(message.messageId));
        entry.timestamps.add(String(message.timestamp));
        entry.count += 1;
        sends.set(properties.eventId, entry);
      }
    });
    store = postgresStore({ connectionString: DATABASE_URL, schema });
    service = createSegmentWebhookService({ store, encryptionKey, plan: () => 10, endpoints: { us: sink.url } });
    await store.migrate();
    const webhook = await service.createWebhook(ACCOUNT, {
      name: 'Multi-process',
      trackEventName: 'Order placed',
      writeKey: WRITE_KEY,
    });
    webhookId = webhook.id;
    await service.setDestination(ACCOUNT, 'order-placed', webhookId);
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    await admin.end();
    await service.close();
    await store.close();
    await sink.close();
  });

  const spawn = (env: Record<string, string> = {}) => {
    const worker = startWorkerProcess({
      DATABASE_URL,
      SCHEMA: schema,
      SINK_URL: sink.url,
      ENCRYPTION_KEY: encryptionKey,
      ...env,
    });
    workers.push(worker);
    return worker;
  };

  const countWhere = async (condition: string): Promise<number> =>
    (await admin.query(`SELECT count(*)::int AS n FROM "${schema}".deliveries WHERE ${condition}`)).rows[0].n;

  /** Every event arrived; every send of an event carried the one messageId (and timestamp) of its delivery. */
  function expectEveryEventDeliveredConsistently(eventIds: string[]): void {
    const missing = eventIds.filter((id) => !sends.has(id));
    expect(missing).toEqual([]);
    expect(sends.size).toBe(eventIds.length);
    for (const id of eventIds) {
      const entry = sends.get(id)!;
      expect([...entry.messageIds]).toEqual([`${webhookId}:${id}`]);
      expect(entry.timestamps.size).toBe(1);
    }
  }

  it('three worker processes deliver 10,000 events: none lost, repeats keep their messageId', async () => {
    const three = [spawn({ BATCH_SIZE: '100' }), spawn({ BATCH_SIZE: '100' }), spawn({ BATCH_SIZE: '100' })];
    await Promise.all(three.map((worker) => worker.ready));

    const all = events('evt', 0, 10_000);
    for (let i = 0; i < all.length; i += 500) {
      const response = await service.ingest(ACCOUNT, all.slice(i, i + 500));
      expect(response).toEqual({ accepted: 500, deliveries: 500, skipped: 0 });
    }
    await waitUntil(() => sends.size === 10_000, 90_000, 'every event at the sink');
    await waitUntil(async () => (await countWhere(`status = 'delivered'`)) === 10_000, 30_000, 'every completion');

    expectEveryEventDeliveredConsistently(all.map((event) => event.id));
    expect(await countWhere(`status <> 'delivered' OR lease_owner IS NOT NULL`)).toBe(0);
    const claimed = await Promise.all(three.map((worker) => worker.stop()));
    // The work was shared (a delivery is claimed again only after a retryable failure, which is allowed).
    expect(claimed.every((n) => n > 0)).toBe(true);
    expect(claimed.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10_000);
  }, 150_000);

  it('a worker killed with SIGKILL mid-delivery and restarted: every accepted event is delivered', async () => {
    // Slow answers keep requests in flight; short leases let the restarted worker take over soon.
    sink.latency(150);
    const first = spawn({ LEASE_MS: '1500', BATCH_SIZE: '50' });
    await first.ready;
    const before = events('crash', 0, 2000);
    for (let i = 0; i < before.length; i += 500) await service.ingest(ACCOUNT, before.slice(i, i + 500));

    await waitUntil(
      async () => sends.size >= 300 && (await countWhere('lease_owner IS NOT NULL')) > 0,
      60_000,
      'deliveries in flight',
    );
    await first.kill();
    // The dead worker still holds leases: those deliveries were claimed and never completed.
    const orphaned = await countWhere(`lease_owner IS NOT NULL AND status IN ('pending', 'retrying')`);
    expect(orphaned).toBeGreaterThan(0);
    expect(sends.size).toBeLessThan(2000);

    // Accepted while no worker runs.
    const during = events('crash', 2000, 500);
    await service.ingest(ACCOUNT, during);

    sink.latency(0);
    spawn({ LEASE_MS: '1500', BATCH_SIZE: '50' });
    const all = [...before, ...during].map((event) => event.id);
    await waitUntil(() => sends.size === all.length, 90_000, 'every event at the sink');
    await waitUntil(async () => (await countWhere(`status = 'delivered'`)) === all.length, 30_000, 'every completion');
    expectEveryEventDeliveredConsistently(all);
    expect(await countWhere(`status <> 'delivered'`)).toBe(0);
  }, 150_000);
});
