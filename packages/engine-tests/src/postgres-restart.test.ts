/**
 * PostgreSQL only (the fault is PostgreSQL's: the database server restarting under the kit). On a
 * throwaway cluster of its own, never the shared server. Three "processes" on one database, each with its
 * own store (pool and LISTEN connection): the web process (the REST router over HTTP, as a host mounts it),
 * the worker, and a live feed (the logs' Server-Sent Events read another process's store).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createDeliveryWorker,
  createSegmentWebhookService,
  type DeliveryWorker,
  generateEncryptionKey,
  messageIdFor,
  type SegmentWebhookServiceInstance,
  type Store,
} from '@segment-webhook/core';
import type { DeliveryChange } from '@segment-webhook/core/contract';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import express from 'express';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startThrowawayCluster, type ThrowawayCluster } from './cluster';
import { waitUntil } from './processes';
import { type StoreFixture, storeFixture } from './stores';

const ACCOUNT = 'acct_restart';
const WRITE_KEY = 'wk_restart_0123456789';
/** The web server's request timeout: no request may take longer, whatever the database does. */
const REQUEST_TIMEOUT_MS = 10_000;

let cluster: ThrowawayCluster;
let stores: StoreFixture;
beforeAll(async () => {
  cluster = await startThrowawayCluster();
  stores = storeFixture('postgres', 'restart', { databaseUrl: cluster.url });
}, 60_000);
// The schemas go with the cluster (whatever state a failed test left it in).
afterAll(() => cluster?.destroy());

function event(id: string) {
  return {
    id,
    activityId: 'order-placed',
    occurredAt: '2026-11-27T10:00:00.000Z',
    person: { id: 'p_1' },
    attributes: { eventId: id },
  };
}

describe('PostgreSQL restarting under the kit (PostgreSQL only)', () => {
  const encryptionKey = generateEncryptionKey();
  let sink: SegmentSink;
  /** Event id → messageIds it was accepted with at the sink. */
  let arrived: Map<string, Set<string>>;
  const open: { close(): Promise<void> }[] = [];
  let webStore: Store;
  let web: SegmentWebhookServiceInstance;
  let server: Server;
  let api: string;
  let webhookId: string;

  beforeEach(async () => {
    sink = await startSegmentSink({ maxMessages: 100, maxRequests: 100 });
    arrived = new Map();
    sink.onReceive((messages) => {
      for (const { message } of messages) {
        const id = (message.properties as { eventId: string }).eventId;
        const ids = arrived.get(id) ?? new Set();
        ids.add(String(message.messageId));
        arrived.set(id, ids);
      }
    });
    const opened = await stores.open();
    webStore = opened.store;
    web = createSegmentWebhookService({ store: webStore, encryptionKey, plan: () => 10, endpoints: { us: sink.url } });
    const app = express();
    app.use(
      '/api',
      createSegmentWebhookRouter({
        service: web,
        resolveAccount: () => ACCOUNT,
        catalog: { activities: [], fields: { person: [], activity: [] } },
        logger: { error: () => {}, warn: () => {} },
      }),
    );
    server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
    const webhook = await web.createWebhook(ACCOUNT, { name: 'Restart', trackEventName: 'Order', writeKey: WRITE_KEY });
    webhookId = webhook.id;
    await web.setDestination(ACCOUNT, 'order-placed', webhookId);
    open.push(opened.store, {
      close: async () => {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    });
    // The worker and the live feed: other processes, other stores on the same database.
    workerStore = await opened.another();
    feedStore = await opened.another();
    open.push(workerStore, feedStore);
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await web.close();
    for (const item of open.splice(0).reverse()) await item.close();
    await sink.close();
  });

  let workerStore: Store;
  let feedStore: Store;
  const workers: DeliveryWorker[] = [];
  function startWorker(): DeliveryWorker {
    // No poll for a minute: after the restart, only the worker's own LISTEN connection (or a claim that
    // found work) makes it claim again.
    const worker = createDeliveryWorker({
      store: workerStore,
      encryptionKey,
      endpoints: { us: sink.url },
      batchSize: 100,
      concurrency: 2,
      pollIntervalMs: 60_000,
      retryPolicy: { baseDelayMs: 20, maxDelayMs: 200 },
    });
    workers.push(worker);
    worker.start();
    return worker;
  }

  const deliveredCount = async () => (await web.overview(ACCOUNT, webhookId)).counts.delivered;

  it('during ingest: every answer is a 202, or a 503 problem+json with Retry-After; nothing answered 202 is lost', async () => {
    const accepted: string[] = [];
    const answers: { status: number; contentType: string | null; retryAfter: string | null; body: unknown }[] = [];
    let hung = 0;
    let running = true;
    let batch = 0;
    const poster = async () => {
      while (running) {
        const ids = Array.from({ length: 20 }, (_, i) => `e-${batch}-${i}`);
        batch += 1;
        try {
          const response = await fetch(`${api}/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ events: ids.map(event) }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          const body = await response.json();
          answers.push({
            status: response.status,
            contentType: response.headers.get('content-type'),
            retryAfter: response.headers.get('retry-after'),
            body,
          });
          if (response.status === 202) accepted.push(...ids);
        } catch {
          hung += 1;
        }
      }
    };
    const posters = Array.from({ length: 4 }, poster);
    const acceptedAfter = async (count: number) => {
      const target = accepted.length + count;
      await waitUntil(() => accepted.length >= target, `${count} more events accepted`);
    };
    await acceptedAfter(200);
    // A restart (pg_ctl restart -m fast: connections terminated), then the database down for a while.
    await cluster.restart();
    await acceptedAfter(200);
    await cluster.stop();
    const refused = () => answers.filter((a) => a.status !== 202).length;
    const refusedBefore = refused();
    await waitUntil(() => refused() >= refusedBefore + 8, 'answers while the database is down');
    await cluster.start();
    await acceptedAfter(200);
    running = false;
    await Promise.all(posters);

    expect(hung).toBe(0);
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([202, 503]));
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 503, code: 'unavailable' });
      expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
    }

    // Everything answered 202 is delivered (events answered 503 may or may not have been stored).
    startWorker();
    await waitUntil(() => accepted.every((id) => arrived.has(id)), 'every accepted event at the sink');
    for (const id of accepted) {
      expect([...arrived.get(id)!]).toEqual([messageIdFor(webhookId, id)]);
    }
  }, 120_000);

  it('during delivery: nothing is lost, and the worker’s and the live feed’s LISTEN connections come back by themselves', async () => {
    const changes: DeliveryChange[] = [];
    const feed = createSegmentWebhookService({ store: feedStore, encryptionKey, plan: () => 10 });
    open.push(feed);
    await feed.subscribe(ACCOUNT, webhookId, (change) => changes.push(change));
    const all = Array.from({ length: 3000 }, (_, i) => `d-${i}`);
    for (let i = 0; i < all.length; i += 500) await web.ingest(ACCOUNT, all.slice(i, i + 500).map(event));
    sink.latency(20);
    startWorker();
    await waitUntil(() => arrived.size >= 300, 'deliveries under way');
    await cluster.restart();
    await waitUntil(() => arrived.size === all.length, 'every event at the sink');
    await waitUntil(async () => (await deliveredCount()) === all.length, 'every outcome recorded');
    for (const id of all) expect([...arrived.get(id)!]).toEqual([messageIdFor(webhookId, id)]);
    sink.latency(0);

    // New work reported to the web process reaches the worker through NOTIFY: the worker does not poll.
    // The first wake-up after the restart may be the LISTEN connection's own "(re)connected"; the second
    // can only be a notification.
    for (const id of ['after-1', 'after-2']) {
      await web.ingest(ACCOUNT, [event(id)]);
      await waitUntil(() => arrived.has(id), `${id} delivered`);
    }
    // The live feed (another store) hears the worker's outcome through its own LISTEN connection.
    await waitUntil(
      () => changes.some((c) => c.delivery.eventId === 'after-2' && c.delivery.status === 'delivered'),
      'the live feed to show after-2 delivered',
    );
  }, 120_000);
});
