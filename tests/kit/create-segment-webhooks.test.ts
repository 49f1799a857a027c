import { createSegmentWebhooks } from '@segment-webhook/core';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStore, STORES } from '../http/harness';

// One options object configures the service and the worker (issue 12 §6): Segment's endpoints are given once.
let sink: SegmentSink;
beforeAll(async () => {
  sink = await startSegmentSink({ port: 0 });
});
afterAll(async () => {
  await sink.close();
});

for (const storeName of STORES) {
  describe(`createSegmentWebhooks on ${storeName}`, () => {
    it('sends the Test and the deliveries to the one configured Segment, and closes both', async () => {
      const opened = openTestStore(storeName);
      const writeKey = `wk_kit_${storeName}_Zq81`;
      const kit = createSegmentWebhooks({
        store: opened.store,
        encryptionKey: Buffer.alloc(32, 2).toString('base64'),
        segment: { endpoints: { us: sink.url, eu: sink.url } },
        plan: () => 1,
        retryPolicy: { baseDelayMs: 10 },
      });
      try {
        kit.start();
        const test = await kit.service.testConfiguration('acct_kit', { trackEventName: 'Kit test', writeKey });
        expect(test.ok).toBe(true);
        const webhook = await kit.service.createWebhook('acct_kit', {
          name: 'Kit',
          trackEventName: 'Kit event',
          writeKey,
          region: 'eu',
        });
        await kit.service.setDestination('acct_kit', 'order-placed', webhook.id);
        const accepted = await kit.service.ingest('acct_kit', {
          id: 'evt_kit',
          activityId: 'order-placed',
          occurredAt: new Date().toISOString(),
          person: { id: 'p_kit' },
        });
        expect(accepted).toEqual({ accepted: 1, deliveries: 1, skipped: 0 });
        await sink.waitFor(2, { writeKey, timeoutMs: 20_000 });
        expect(sink.messages(writeKey).map((message) => message.event)).toEqual(['Kit test', 'Kit event']);
      } finally {
        await kit.close();
        await kit.close();
        await opened.store.close();
        await opened.dispose();
      }
      expect(kit.worker).not.toBeNull();
    });

    it('serves without a worker with worker: false', async () => {
      const opened = openTestStore(storeName);
      const kit = createSegmentWebhooks({
        store: opened.store,
        allowInsecureDevelopmentKey: true,
        plan: () => 3,
        worker: false,
      });
      try {
        kit.start();
        expect(kit.worker).toBeNull();
        await expect(kit.service.usage('acct')).resolves.toEqual({ outboundActivityStreams: 0, includedStreams: 3 });
      } finally {
        await kit.close();
        await opened.store.close();
        await opened.dispose();
      }
    });
  });
}
