import { memoryStore } from '@segment-webhook/core/memory';
import { deliveryFixture, webhookFixture } from '@segment-webhook/core/testing';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createPrometheusMetrics, SERIES } from './index';

/** `# TYPE` of every series in a scrape. */
function types(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('createPrometheusMetrics', () => {
  it('registers exactly the issue’s series, with their types and labels', async () => {
    const registry = new Registry();
    const metrics = createPrometheusMetrics({ store: memoryStore(), registry });
    metrics.eventsIngested('acct', 3);
    metrics.deliveriesCompleted('delivered', 'acct', 'wh_1', 2);
    metrics.deliveriesCompleted('retried', 'acct', 'wh_1', 1);
    metrics.segmentRequest({ region: 'eu', statusClass: '5xx', durationSeconds: 0.2, messages: 3 });
    const text = await (await metrics.handler()).text();
    expect(types(text)).toEqual({
      [SERIES.ingestedEvents]: 'counter',
      [SERIES.deliveries]: 'counter',
      [SERIES.queueDepth]: 'gauge',
      [SERIES.oldestDue]: 'gauge',
      [SERIES.segmentRequestDuration]: 'histogram',
      [SERIES.batchSize]: 'histogram',
      [SERIES.webhooksNeedingAttention]: 'gauge',
    });
    expect(text).toMatch(/^segment_webhook_ingested_events_total 3$/m);
    expect(text).toMatch(/^segment_webhook_deliveries_total\{outcome="delivered"\} 2$/m);
    expect(text).toMatch(/^segment_webhook_deliveries_total\{outcome="retried"\} 1$/m);
    expect(text).toMatch(/^segment_webhook_deliveries_total\{outcome="failed"\} 0$/m);
    expect(text).toMatch(
      /^segment_webhook_segment_request_duration_seconds_count\{region="eu",status_class="5xx"\} 1$/m,
    );
    expect(text).toMatch(/^segment_webhook_batch_size_sum 3$/m);
    for (const status of ['pending', 'retrying', 'held']) {
      expect(text).toMatch(new RegExp(`^segment_webhook_queue_depth\\{status="${status}"\\} 0$`, 'm'));
    }
    // No ids unless asked for.
    expect(text).not.toMatch(/account_id|webhook_id/);
    const response = await metrics.handler(new Request('http://h/metrics', { method: 'HEAD' }));
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    expect(await response.text()).toBe('');
  });

  it('reads the queue gauges from the store at scrape time', async () => {
    const store = memoryStore();
    const now = Date.UTC(2026, 10, 27, 10, 0, 0);
    const metrics = createPrometheusMetrics({ store, registry: new Registry(), now: () => now + 90_000 });
    const sending = webhookFixture();
    // Deliveries go in while the webhook is active (an inactive webhook's are recorded as skipped); then it is
    // disconnected and holds its delivery.
    const held = webhookFixture();
    const attention = webhookFixture({ healthState: 'needs_attention', healthReason: 'x', healthSince: now });
    for (const webhook of [sending, held, attention]) await store.insertWebhook(webhook);
    await store.insertDeliveries([
      deliveryFixture(sending, { createdAt: now }),
      deliveryFixture(sending, { createdAt: now + 30_000 }),
      deliveryFixture(held, { createdAt: now - 60_000 }),
      deliveryFixture(attention, { createdAt: now - 60_000 }),
    ]);
    await store.updateWebhook(held.accountId, held.id, { status: 'disconnected' });
    const text = await (await metrics.handler()).text();
    expect(text).toMatch(/^segment_webhook_queue_depth\{status="pending"\} 2$/m);
    expect(text).toMatch(/^segment_webhook_queue_depth\{status="held"\} 2$/m);
    expect(text).toMatch(/^segment_webhook_oldest_due_seconds 90$/m);
    expect(text).toMatch(/^segment_webhook_webhooks_needing_attention 1$/m);
  });

  it('labels deliveries with account and webhook ids only when the host opts in', async () => {
    const metrics = createPrometheusMetrics({ store: memoryStore(), registry: new Registry(), includeIds: true });
    metrics.eventsIngested('acct_a', 1);
    metrics.deliveriesCompleted('failed', 'acct_a', 'wh_9', 1);
    const text = await (await metrics.handler()).text();
    expect(text).toMatch(/^segment_webhook_ingested_events_total\{account_id="acct_a"\} 1$/m);
    expect(text).toMatch(
      /^segment_webhook_deliveries_total\{outcome="failed",account_id="acct_a",webhook_id="wh_9"\} 1$/m,
    );
  });

  it('keeps counters process-wide: created twice on one registry, the series are shared', async () => {
    const registry = new Registry();
    const first = createPrometheusMetrics({ store: memoryStore(), registry });
    const second = createPrometheusMetrics({ store: memoryStore(), registry });
    first.deliveriesCompleted('delivered', 'a', 'w', 1);
    second.deliveriesCompleted('delivered', 'a', 'w', 2);
    expect(await (await second.handler()).text()).toMatch(
      /^segment_webhook_deliveries_total\{outcome="delivered"\} 3$/m,
    );
  });

  it('leaves the queue depth out of a scrape while the store cannot answer, the other gauges NaN', async () => {
    const store = memoryStore();
    const failing = { queueStats: () => Promise.reject(new Error('down')) };
    const registry = new Registry();
    createPrometheusMetrics({ store, registry });
    const metrics = createPrometheusMetrics({ store: failing, registry });
    const text = await (await metrics.handler()).text();
    expect(text).not.toMatch(/^segment_webhook_queue_depth\{/m);
    expect(text).toMatch(/^segment_webhook_oldest_due_seconds nan$/im);
    expect(text).toMatch(/^segment_webhook_webhooks_needing_attention nan$/im);
    expect(text).toMatch(/^segment_webhook_deliveries_total\{outcome="delivered"\} 0$/m);
  });
});

describe('a scrape', () => {
  it('reads the store once for the three gauges, and again at the next scrape', async () => {
    let reads = 0;
    const store = memoryStore();
    const counting = {
      queueStats: () => {
        reads += 1;
        return store.queueStats();
      },
    };
    const metrics = createPrometheusMetrics({ store: counting, registry: new Registry() });
    await metrics.handler();
    expect(reads).toBe(1);
    await metrics.handler();
    expect(reads).toBe(2);
  });
});
