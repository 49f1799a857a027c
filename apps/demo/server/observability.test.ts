import { STORE_KINDS } from '@segment-webhook/engine-tests';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from './app';
import { type DemoUnderTest, startDemoOn } from './demo-under-test';

/** Polls wait for the kit's asynchronous work (deliveries, retries with backoff, hooks), not a deadline. */
const WAIT = { timeout: 30_000, interval: 50 };

const N = 25;

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe.each(STORE_KINDS)('the demo’s health, metrics and alerts on %s', (kind) => {
  let demo: RunningDemo;
  let api: string;
  let running: DemoUnderTest | undefined;

  beforeAll(async () => {
    running = await startDemoOn(kind, 'demo-observability');
    ({ demo, api } = running);
  });

  afterAll(() => running?.stop());

  const metrics = async () => parseMetrics(await (await fetch(`${demo.url}/metrics`)).text());
  const sample = async (name: string) => (await metrics()).get(name);

  async function webhookFor(account: string, activityId: string, name: string) {
    const headers = { 'content-type': 'application/json', 'x-account-id': account };
    const created = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name, trackEventName: name, writeKey: `wk_${account}_0123456789` }),
    });
    const webhook = (await created.json()) as { id: string };
    await fetch(`${api}/activities/${activityId}/destination`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ webhookId: webhook.id }),
    });
    const ingest = async (ids: string[]) => {
      const response = await fetch(`${api}/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          events: ids.map((id) => ({ id, activityId, occurredAt: new Date().toISOString(), person: { id: 'p' } })),
        }),
      });
      expect(response.status).toBe(202);
    };
    return { id: webhook.id, headers, ingest };
  }

  it('answers /healthz and /readyz', async () => {
    const live = await fetch(`${demo.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${demo.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { store: { status: 'ok' }, migrations: { status: 'ok' }, worker: { status: 'ok', state: 'running' } },
    });
  });

  it('counts N delivered events, empties the queue gauges, then shows Segment down and back', async () => {
    const { ingest } = await webhookFor('acct_metrics', 'order-placed', 'Metrics');
    for (let i = 0; i < N; i += 5) await ingest([0, 1, 2, 3, 4].map((j) => `m${i + j}`));
    await expect.poll(() => sample('segment_webhook_deliveries_total{outcome="delivered"}'), WAIT).toBe(N);
    let samples = await metrics();
    expect(samples.get('segment_webhook_ingested_events_total')).toBe(N);
    expect(samples.get('segment_webhook_queue_depth{status="pending"}')).toBe(0);
    expect(samples.get('segment_webhook_queue_depth{status="retrying"}')).toBe(0);
    expect(samples.get('segment_webhook_queue_depth{status="held"}')).toBe(0);
    expect(samples.get('segment_webhook_oldest_due_seconds')).toBe(0);
    expect(samples.get('segment_webhook_webhooks_needing_attention')).toBe(0);
    expect(samples.get('segment_webhook_deliveries_total{outcome="retried"}')).toBe(0);
    expect(samples.get('segment_webhook_batch_size_sum')).toBe(N);
    expect(
      samples.get('segment_webhook_segment_request_duration_seconds_count{region="us",status_class="2xx"}'),
    ).toBeGreaterThan(0);

    // Segment down: every request answered 503.
    demo.sink!.setBehavior(() => ({ status: 503, body: 'Service Unavailable' }));
    await ingest(['down1', 'down2']);
    await expect.poll(() => sample('segment_webhook_deliveries_total{outcome="retried"}'), WAIT).toBeGreaterThan(0);
    const retried = (await sample('segment_webhook_deliveries_total{outcome="retried"}'))!;
    const age = (await sample('segment_webhook_oldest_due_seconds'))!;
    expect(age).toBeGreaterThan(0);
    await expect.poll(() => sample('segment_webhook_oldest_due_seconds'), WAIT).toBeGreaterThan(age);
    await expect
      .poll(() => sample('segment_webhook_deliveries_total{outcome="retried"}'), WAIT)
      .toBeGreaterThan(retried);
    samples = await metrics();
    expect(samples.get('segment_webhook_queue_depth{status="retrying"}')).toBe(2);
    expect(
      samples.get('segment_webhook_segment_request_duration_seconds_count{region="us",status_class="5xx"}'),
    ).toBeGreaterThan(0);

    // Back up: the two go out, the gauges return to 0.
    demo.sink!.setBehavior(null);
    await expect.poll(() => sample('segment_webhook_deliveries_total{outcome="delivered"}'), WAIT).toBe(N + 2);
    samples = await metrics();
    expect(samples.get('segment_webhook_queue_depth{status="retrying"}')).toBe(0);
    expect(samples.get('segment_webhook_oldest_due_seconds')).toBe(0);
    expect(samples.get('segment_webhook_ingested_events_total')).toBe(N + 2);
  });

  it('tells the account, once per change, that a webhook needs attention and is healthy again', async () => {
    const account = 'acct_alerts';
    const { id, headers, ingest } = await webhookFor(account, 'form-submitted', 'Alerts');
    const notifications = async () =>
      (
        (await (await fetch(`${demo.url}/api/demo/notifications`, { headers })).json()) as {
          items: { kind: string; webhookId: string; title: string; detail: string }[];
        }
      ).items;
    // Five refused batches in a row (the default threshold), one event each.
    const misbehave = await fetch(`${demo.url}/api/demo/debugger/misbehave`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 5, status: 401 }),
    });
    expect(misbehave.status).toBe(204);
    for (let i = 0; i < 5; i += 1) {
      await ingest([`refused${i}`]);
      await expect.poll(() => sample('segment_webhook_deliveries_total{outcome="failed"}'), WAIT).toBeGreaterThan(i);
    }
    await expect.poll(async () => (await notifications()).map((n) => n.kind), WAIT).toContain('needs_attention');
    const items = await notifications();
    expect(items.filter((n) => n.kind === 'needs_attention')).toEqual([
      expect.objectContaining({ webhookId: id, title: 'Alerts needs attention', detail: expect.stringMatching(/401/) }),
    ]);
    // The first failure was told at once; the others within the minute are gathered for later.
    expect(items.filter((n) => n.kind === 'deliveries_failed')).toEqual([
      expect.objectContaining({ webhookId: id, title: '1 delivery to Alerts failed' }),
    ]);
    expect(await sample('segment_webhook_webhooks_needing_attention')).toBe(1);
    // Held: a new event waits.
    await ingest(['held1']);
    await expect.poll(() => sample('segment_webhook_queue_depth{status="held"}'), WAIT).toBe(1);
    const ready = (await (await fetch(`${demo.url}/readyz`)).json()) as { status: string };
    expect(ready.status).toBe('ready');

    // Resume: healthy again, told once; the held delivery goes out.
    expect((await fetch(`${api}/webhooks/${id}/resume`, { method: 'POST', headers })).status).toBe(200);
    expect((await fetch(`${api}/webhooks/${id}/resume`, { method: 'POST', headers })).status).toBe(200);
    await expect.poll(async () => (await notifications()).map((n) => n.kind), WAIT).toContain('healthy');
    await expect.poll(() => sample('segment_webhook_queue_depth{status="held"}'), WAIT).toBe(0);
    expect((await notifications()).filter((n) => n.kind === 'healthy')).toHaveLength(1);
    expect((await notifications()).filter((n) => n.kind === 'needs_attention')).toHaveLength(1);
    expect(await sample('segment_webhook_webhooks_needing_attention')).toBe(0);
    // Another account sees none of it.
    const other = await fetch(`${demo.url}/api/demo/notifications`, { headers: { 'x-account-id': 'acct_other' } });
    expect(await other.json()).toEqual({ items: [] });
  });
});
