/**
 * Worker processes meeting faults, on every store: a graceful stop on SIGTERM, a stop that does not wait
 * for ever, and a stalled process (SIGSTOP) whose leases expire. Each worker process sends to a sink of its
 * own, so the test sees who sent what; the test process plays the host (it ingests through the service).
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
import { startHeldSegment } from './held-segment';
import { startWorkerProcess, type WorkerProcess, waitUntil } from './processes';
import { type OpenedStore, STORE_KINDS, storeFixture } from './stores';

const ACCOUNT = 'acct_processes';
const WRITE_KEY = 'wk_processes_0123456789';
const TEN_MINUTES = '600000';

function events(prefix: string, count: number): ActivityEventInput[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-${i}`,
    activityId: 'order-placed',
    occurredAt: new Date(Date.UTC(2026, 10, 27, 10, 0, 0) + i).toISOString(),
    person: { id: `p_${i % 7}` },
    attributes: { eventId: `${prefix}-${i}` },
  }));
}

/** Event id → the messageIds it was sent with, and how many times, at one sink. */
function sendsAt(sink: SegmentSink): Map<string, { messageIds: Set<string>; count: number }> {
  const sends = new Map<string, { messageIds: Set<string>; count: number }>();
  sink.onReceive((messages) => {
    for (const { message } of messages) {
      const eventId = (message.properties as { eventId: string }).eventId;
      const entry = sends.get(eventId) ?? { messageIds: new Set(), count: 0 };
      entry.messageIds.add(String(message.messageId));
      entry.count += 1;
      sends.set(eventId, entry);
    }
  });
  return sends;
}

describe.each(STORE_KINDS)('worker processes on %s', (kind) => {
  const stores = storeFixture(kind, 'processes', { synchronous: 'NORMAL' });
  afterAll(() => stores.cleanup());

  let opened: OpenedStore;
  let service: SegmentWebhookServiceInstance;
  let encryptionKey: string;
  let webhookId: string;
  const sinks: SegmentSink[] = [];
  const processes: WorkerProcess[] = [];
  const closers: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    opened = await stores.open();
    encryptionKey = generateEncryptionKey();
    service = createSegmentWebhookService({ store: opened.store, encryptionKey, plan: () => 10 });
    const webhook = await service.createWebhook(ACCOUNT, {
      name: 'Processes',
      trackEventName: 'Order placed',
      writeKey: WRITE_KEY,
    });
    webhookId = webhook.id;
    await service.setDestination(ACCOUNT, 'order-placed', webhookId);
  });

  afterEach(async () => {
    await Promise.all(
      processes.splice(0).map((worker) => {
        worker.resume();
        return worker.kill();
      }),
    );
    await Promise.all(sinks.splice(0).map((sink) => sink.close()));
    await Promise.all(closers.splice(0).map((close) => close()));
    await service.close();
    await opened.store.close();
  });

  async function sink(): Promise<SegmentSink> {
    const started = await startSegmentSink({ maxMessages: 5000, maxRequests: 1000 });
    sinks.push(started);
    return started;
  }

  function spawn(workerId: string, sinkUrl: string, env: Record<string, string> = {}): WorkerProcess {
    const worker = startWorkerProcess({
      ...opened.processEnv,
      WORKER_ID: workerId,
      SINK_URL: sinkUrl,
      ENCRYPTION_KEY: encryptionKey,
      ...env,
    });
    processes.push(worker);
    return worker;
  }

  const statuses = async () => {
    const counts = (await service.overview(ACCOUNT, webhookId)).counts;
    return { delivered: counts.delivered, failed: counts.failed, open: counts.pending + counts.retrying };
  };

  const arrivals = (target: SegmentSink) => {
    let count = 0;
    target.events.on('arrival', () => {
      count += 1;
    });
    return () => count;
  };

  it('SIGTERM: stops claiming, lets the request in flight finish, releases the rest, exits 0', async () => {
    const all = events('term', 200);
    await service.ingest(ACCOUNT, all);
    const sinkA = await sink();
    const sinkB = await sink();
    const sentByA = sendsAt(sinkA);
    const sentByB = sendsAt(sinkB);
    const arrivedAtA = arrivals(sinkA);
    // A claims four rounds of 50; one request per second for the key, each answered after 1 s: when the
    // signal comes, one request is in flight and the other rounds wait for the rate budget.
    sinkA.latency(1000);
    const a = spawn('worker-a', sinkA.url, {
      BATCH_SIZE: '50',
      CONCURRENCY: '4',
      RPS: '1',
      LEASE_MS: TEN_MINUTES,
    });
    await a.ready;
    await waitUntil(() => a.claims().found === 200 && arrivedAtA() >= 1, 'A to claim everything and send');
    const exit = await a.terminate();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(a.claims().afterSignal).toBe(0);
    // What A sent was answered and recorded: A sent fewer than it claimed, and only those are delivered.
    const sentA = [...sentByA.keys()];
    expect(sentA.length).toBeGreaterThan(0);
    expect(sentA.length).toBeLessThan(200);
    expect(await statuses()).toEqual({ delivered: sentA.length, failed: 0, open: 200 - sentA.length });

    // A's leases ran for ten minutes: another process takes the rest at once only because A released them.
    const b = spawn('worker-b', sinkB.url, { LEASE_MS: TEN_MINUTES });
    await waitUntil(async () => (await statuses()).delivered === 200, 'B to deliver the rest');
    // Each event was sent once, by A or by B, with its delivery's messageId.
    for (const { id } of all) {
      const sends = [sentByA.get(id), sentByB.get(id)].filter((entry) => entry !== undefined);
      expect(sends, id).toHaveLength(1);
      expect([...sends[0]!.messageIds]).toEqual([messageIdFor(webhookId, id)]);
      expect(sends[0]!.count).toBe(1);
    }
    expect((await b.terminate()).code).toBe(0);
  }, 60_000);

  it('SIGTERM with a request that does not finish: stops after its stop timeout and releases the leases', async () => {
    await service.ingest(ACCOUNT, events('stuck', 20));
    const sinkA = await sink();
    const sinkB = await sink();
    const arrivedAtA = arrivals(sinkA);
    // Answered, and timed out by A's client, later than this test may take: only the stop timeout ends A's wait.
    sinkA.latency(120_000);
    // One round at a time: A's loop itself waits for that request when the signal comes.
    const a = spawn('worker-a', sinkA.url, {
      LEASE_MS: TEN_MINUTES,
      STOP_TIMEOUT_MS: '300',
      TIMEOUT_MS: '120000',
      CONCURRENCY: '1',
    });
    await a.ready;
    await waitUntil(() => arrivedAtA() === 1, 'A to send');
    expect(await a.terminate()).toEqual({ code: 0, signal: null });
    // Released: B sends the 20 again (same messageIds: Segment de-duplicates), although A's lease runs on.
    spawn('worker-b', sinkB.url);
    const received = await sinkB.waitFor(20, { timeoutMs: 20_000 });
    expect(new Set(received.map((r) => r.message.messageId))).toEqual(
      new Set(events('stuck', 20).map((event) => messageIdFor(webhookId, event.id))),
    );
    await waitUntil(async () => (await statuses()).delivered === 20, 'the completions');
  }, 60_000);

  it('a stalled worker (SIGSTOP mid-claim): its deliveries are claimed again when the lease expires, with the same messageId, and its late outcome changes nothing', async () => {
    const all = events('stall', 300);
    await service.ingest(ACCOUNT, all);
    // A's Segment reads its requests and holds the answers: A's 2 s client timeout runs out while A is frozen,
    // so whenever the freeze comes A has recorded nothing, and after it A records a timeout.
    const silent = await startHeldSegment();
    closers.push(() => silent.close());
    const sinkB = await sink();
    const sentByB = sendsAt(sinkB);
    // One claim takes all 300 into one request, a second one (room for two rounds) finds nothing, then A
    // idles (no poll for a minute, no pruning): once its request is out, A does nothing on the store, so
    // freezing it cannot freeze a transaction.
    const a = spawn('worker-a', silent.url, {
      BATCH_SIZE: '500',
      CONCURRENCY: '2',
      LEASE_MS: '1000',
      POLL_MS: '60000',
      PRUNE: '0',
      TIMEOUT_MS: '2000',
    });
    await a.ready;
    await waitUntil(
      () => silent.bodies.length === 1 && a.claims().count >= 2 && a.claims().inProgress === 0,
      'A to send its claim and find nothing more',
    );
    a.pause();
    // B takes over once A's leases expire and sends everything again.
    spawn('worker-b', sinkB.url, { POLL_MS: '100' });
    await waitUntil(async () => (await statuses()).delivered === 300, 'B to deliver everything');
    // A wakes up past its timeout and records a retry for its request: refused, the deliveries are B's.
    a.resume();
    expect(await a.terminate()).toEqual({ code: 0, signal: null });

    // The same 300 messages, with the same messageIds, went to A (unanswered) and to B (accepted).
    const sentByA = silent.messageIds();
    const messageIds = all.map((event) => messageIdFor(webhookId, event.id));
    expect(new Set(sentByA)).toEqual(new Set(messageIds));
    expect(sentByB.size).toBe(300);
    for (const { id } of all) {
      const messageId = messageIdFor(webhookId, id);
      expect([...sentByB.get(id)!.messageIds]).toEqual([messageId]);
      expect(sentByB.get(id)!.count).toBe(1);
      const page = await service.listDeliveries(ACCOUNT, webhookId, { eventId: id });
      const detail = await service.getDelivery(ACCOUNT, webhookId, page.items[0]!.id);
      expect(detail).toMatchObject({ status: 'delivered', messageId, attemptCount: 1 });
      expect(detail.attempts).toHaveLength(1);
    }
  }, 60_000);
});
