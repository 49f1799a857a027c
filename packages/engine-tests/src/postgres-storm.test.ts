/**
 * PostgreSQL only (three processes on one database is the PostgreSQL deployment; SQLite's processes share a
 * file on one machine): three worker processes deliver while Segment answers a storm of 503 and of 429 with
 * `Retry-After`, and one of them is killed (SIGKILL) with a request in flight. Each process sends to a sink
 * of its own; the sinks answer from one shared script, request after request.
 */
import {
  createSegmentWebhookService,
  generateEncryptionKey,
  messageIdFor,
  type SegmentWebhookServiceInstance,
} from '@segment-webhook/core';
import type { ActivityEventInput } from '@segment-webhook/core/contract';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withClient } from './postgres';
import { startWorkerProcess, type WorkerProcess, waitUntil } from './processes';
import { type OpenedStore, storeFixture } from './stores';

const ACCOUNT = 'acct_storm';
const WRITE_KEY = 'wk_storm_0123456789';
const EVENTS = 3000;
const MAX_ATTEMPTS = 10;
/**
 * The storm, by the order requests reach any sink: 429 (with `Retry-After` of 0.2 s, or 1 s every fifth
 * time) except for MAX_ATTEMPTS − 1 answers of 503 spread through it; then every request is accepted.
 * A delivery can meet every 503 and still be delivered — but only if 429s do not use up attempts.
 */
const STORM_REQUESTS = 45;
const STORM_503 = new Set(Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => 2 + i * 5));

describe('three worker processes, one killed, through a storm of 503 and 429 (PostgreSQL only)', () => {
  const stores = storeFixture('postgres', 'storm');
  afterAll(() => stores.cleanup());

  let opened: OpenedStore;
  let service: SegmentWebhookServiceInstance;
  let encryptionKey: string;
  let webhookId: string;
  const sinks: SegmentSink[] = [];
  const processes: WorkerProcess[] = [];

  beforeEach(async () => {
    opened = await stores.open();
    encryptionKey = generateEncryptionKey();
    service = createSegmentWebhookService({ store: opened.store, encryptionKey, plan: () => 10 });
    webhookId = (await service.createWebhook(ACCOUNT, { name: 'Storm', trackEventName: 'Order', writeKey: WRITE_KEY }))
      .id;
    await service.setDestination(ACCOUNT, 'order-placed', webhookId);
  });

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((worker) => worker.kill()));
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
    await service.close();
    await opened.store.close();
  });

  const query = async <T>(text: string): Promise<T[]> =>
    withClient(async (client) => (await client.query(text)).rows as T[]);

  it('delivers every event with its one messageId; a 429 does not use up an attempt', async () => {
    const all: ActivityEventInput[] = Array.from({ length: EVENTS }, (_, i) => ({
      id: `storm-${i}`,
      activityId: 'order-placed',
      occurredAt: new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + i).toISOString(),
      person: { id: `p_${i % 13}` },
      attributes: { eventId: `storm-${i}` },
    }));
    for (let i = 0; i < all.length; i += 500) await service.ingest(ACCOUNT, all.slice(i, i + 500));

    /** Event id → messageIds accepted (200) at any sink. */
    const accepted = new Map<string, Set<string>>();
    let answered = 0;
    const script = (): { status: number; body: string; headers?: Record<string, string> } | undefined => {
      const n = answered++;
      if (n >= STORM_REQUESTS) return undefined;
      if (STORM_503.has(n)) return { status: 503, body: 'Service Unavailable' };
      return { status: 429, body: 'Too Many Requests', headers: { 'retry-after': n % 5 === 0 ? '1' : '0.2' } };
    };
    for (let i = 0; i < 3; i++) {
      const sink = await startSegmentSink({ maxMessages: 100, maxRequests: 100 });
      // Requests stay in flight a while: the killed process surely has one.
      sink.latency(50);
      sink.setBehavior(script);
      sink.onReceive((messages) => {
        for (const { message } of messages) {
          const id = (message.properties as { eventId: string }).eventId;
          const ids = accepted.get(id) ?? new Set();
          ids.add(String(message.messageId));
          accepted.set(id, ids);
        }
      });
      sinks.push(sink);
    }
    const [first, second, third] = [0, 1, 2].map((i) =>
      startWorkerProcess({
        ...opened.processEnv,
        WORKER_ID: `storm-${i}`,
        SINK_URL: sinks[i]!.url,
        ENCRYPTION_KEY: encryptionKey,
        BATCH_SIZE: '100',
        LEASE_MS: '2000',
        RETRY_BASE_MS: '20',
        MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      }),
    ) as [WorkerProcess, WorkerProcess, WorkerProcess];
    processes.push(first, second, third);
    // The second process dies (SIGKILL) the moment one of its requests arrives, mid-storm: it holds the
    // leases of that request's deliveries, which nobody completes until they expire.
    let killed: Promise<unknown> | null = null;
    sinks[1]!.events.on('arrival', () => {
      if (killed === null && answered >= 10) killed = second.kill();
    });
    await Promise.all([first.ready, second.ready, third.ready]);

    await waitUntil(() => killed !== null, 'the second process to be killed mid-storm', 60_000);
    expect(await killed).toMatchObject({ signal: 'SIGKILL' });
    await waitUntil(() => accepted.size === EVENTS, 'every event accepted by Segment', 120_000);
    const countWhere = async (condition: string) =>
      (await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schemaOf()}".deliveries WHERE ${condition}`))[0]!
        .n;
    await waitUntil(async () => (await countWhere(`status = 'delivered'`)) === EVENTS, 'every outcome recorded');
    expect(answered).toBeGreaterThan(STORM_REQUESTS);

    // Zero lost, one messageId per event (repeats after the kill, the 503s and the 429s keep it).
    expect(await countWhere(`status <> 'delivered'`)).toBe(0);
    for (const { id } of all) expect([...accepted.get(id)!], id).toEqual([messageIdFor(webhookId, id)]);
    // A 429 is recorded as an attempt but not counted: counted attempts are exactly the others.
    const attempts = await query<{ with429: number; miscounted: number }>(`
      SELECT count(*) FILTER (WHERE a.n429 > 0)::int AS with429,
             count(*) FILTER (WHERE d.counted_attempts <> a.total - a.n429)::int AS miscounted
      FROM "${schemaOf()}".deliveries d
      JOIN (SELECT delivery_id, count(*) AS total, count(*) FILTER (WHERE http_status = 429) AS n429
            FROM "${schemaOf()}".attempts GROUP BY delivery_id) a ON a.delivery_id = d.id`);
    console.log('DEBUG', attempts[0], answered);
    expect(attempts[0]!.miscounted).toBe(0);
    expect(attempts[0]!.with429).toBeGreaterThan(0);

    for (const worker of [first, third]) expect(await worker.terminate()).toEqual({ code: 0, signal: null });
  }, 180_000);

  function schemaOf(): string {
    return opened.processEnv.SCHEMA!;
  }
});
