/**
 * The fair-share suite: the delivery engine (service + worker) on a store, sending to a real Segment
 * stand-in, does not let one write key's backlog hold back another key's event — through claims from the
 * store, and through the in-process hand-off (claim at insert) of an embedded worker. Every store runs it
 * (see `describeStoreContract` for the store's own semantics, including fair claims).
 *
 * The property is pinned by order, not by time: B's event goes out in one of the first requests sent
 * after A's backlog is queued, and before most of A's backlog. A's rate budget (a few requests per second)
 * keeps the backlog queued meanwhile, however fast the machine.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../crypto/write-key-cipher';
import { createDeliveryWorker, type DeliveryWorker } from '../engine/worker';
import { createSegmentClient } from '../segment/client';
import type { SegmentClient } from '../segment/types';
import { createSegmentWebhookService, type SegmentWebhookServiceInstance } from '../service/service';
import type { Store } from '../store/types';

/** What the suite needs of the testing sink (`startSegmentSink` from `@segment-webhook/testing` fits). */
export interface FairShareSink {
  /** Base URL of the Segment stand-in. */
  readonly url: string;
  /** Accepted messages, oldest first, with the id of the request that carried them (increasing). */
  received(writeKey?: string): readonly { requestId: number; message: Record<string, unknown> }[];
  /** Accepted messages of a write key since the last `clear()`. */
  count(writeKey?: string): number;
  clear(): void;
  close(): Promise<void>;
}

/** Options of {@link describeFairShare}. */
export interface FairShareOptions {
  /** Starts a Segment stand-in (once for the suite). */
  startSink: () => Promise<FairShareSink>;
  /** Called after each test with the store it made (after `close()`), e.g. to drop a schema. */
  cleanup?: (store: Store) => Promise<void> | void;
}

/** Write keys of the two customers (long enough to be hinted, never shown). */
const KEY_A = 'wk_fair_share_A_0001';
const KEY_B = 'wk_fair_share_B_0002';
const BACKLOG = 300;
const BATCH_SIZE = 10;
const CONCURRENCY = 2;

/** How the new deliveries reach the worker. */
type Path = 'claims' | 'hand-off' | 'hand-off overflowing into the store';

/**
 * Registers the fair-share suite under `describe(name)`. `makeStore` is called before every test and
 * must return a new, empty store; the sink is started once.
 */
export function describeFairShare(name: string, makeStore: () => Store | Promise<Store>, options: FairShareOptions) {
  describe(name, () => {
    let sink: FairShareSink;
    let store: Store;
    let client: SegmentClient;
    let service: SegmentWebhookServiceInstance | null = null;
    let worker: DeliveryWorker | null = null;
    const encryptionKey = generateEncryptionKey();

    beforeEach(async () => {
      sink ??= await options.startSink();
      sink.clear();
      store = await makeStore();
      client = createSegmentClient({ endpoints: { us: sink.url, eu: sink.url }, timeoutMs: 5000 });
    });

    afterEach(async () => {
      await worker?.stop();
      await service?.close();
      worker = null;
      service = null;
      await client.close();
      await store.close();
      await options.cleanup?.(store);
    });

    async function waitUntil(condition: () => boolean, what: string): Promise<void> {
      const started = Date.now();
      while (!condition()) {
        if (Date.now() - started > 20_000) throw new Error(`Timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    const paths: Path[] = ['claims', 'hand-off', 'hand-off overflowing into the store'];
    it.each(paths)('sends B’s event among the first requests after A’s backlog is queued, through %s', async (path) => {
      worker = createDeliveryWorker({
        store,
        client,
        encryptionKey,
        batchSize: BATCH_SIZE,
        concurrency: CONCURRENCY,
        // A's budget: a burst of 4 requests, then 4 per second — the backlog stays queued for seconds.
        requestsPerSecondPerKey: 4,
        pollIntervalMs: 50,
        // The whole backlog in memory, or the default room (batchSize × concurrency) and the rest in the store.
        ...(path === 'hand-off' ? { maxHandoff: 10 * BACKLOG } : {}),
      });
      service = createSegmentWebhookService({
        store,
        client,
        encryptionKey,
        plan: () => 10,
        ...(path === 'claims' ? {} : { worker }),
      });
      const setUp = async (accountId: string, writeKey: string) => {
        const webhook = await service!.createWebhook(accountId, {
          name: `Segment of ${accountId}`,
          trackEventName: 'Order placed',
          writeKey,
          region: 'us',
          sendActivityPayload: true,
          fields: [],
        });
        await service!.setDestination(accountId, 'order-placed', webhook.id);
      };
      await setUp('acct_fair_a', KEY_A);
      await setUp('acct_fair_b', KEY_B);
      worker.start();

      const event = (id: string) => ({
        id,
        activityId: 'order-placed',
        occurredAt: new Date().toISOString(),
        person: { id: 'p_1' },
        attributes: { orderId: id },
      });
      for (let start = 0; start < BACKLOG; start += 50) {
        const batch = Array.from({ length: 50 }, (_, i) => event(`a_${start + i}`));
        await service.ingest('acct_fair_a', { events: batch });
      }
      await service.ingest('acct_fair_b', [event('b_1')]);
      // Every request with a greater id than this one was sent after B's event was queued.
      const queuedAt = Math.max(0, ...sink.received().map((m) => m.requestId));

      await waitUntil(() => sink.count(KEY_B) >= 1 || sink.count(KEY_A) >= BACKLOG, 'B’s event or A’s backlog');
      const b = sink.received(KEY_B)[0];
      expect(b, 'B’s event went out before A’s backlog drained').toBeDefined();
      const aBefore = sink.received(KEY_A).filter((m) => m.requestId < b!.requestId).length;
      // Before it: at most the rounds already in flight (one request each) and A's part of B's own round.
      expect(b!.requestId - queuedAt).toBeLessThanOrEqual(CONCURRENCY + 2);
      expect(aBefore).toBeLessThan(BACKLOG / 2);
    });
  });
}
