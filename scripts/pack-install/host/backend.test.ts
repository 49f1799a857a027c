import { createSampleBackend, SAMPLE_NOW } from '@segment-webhook/testing/browser';
import { expect, it } from 'vitest';

it('runs the kit’s API in memory from the tarballs (the backend of a host’s stories and tests)', async () => {
  const backend = await createSampleBackend();
  const api = (path: string, init?: RequestInit) => backend.fetch(`/api/segment-webhooks${path}`, init);
  const listed = (await (await api('/webhooks')).json()) as { items: { id: string; status: string }[] };
  expect(listed.items.map((webhook) => `${webhook.id}:${webhook.status}`)).toEqual([
    'wh_orders:active',
    'wh_email:active',
    'wh_survey:disconnected',
    'wh_legacy:archived',
  ]);
  await backend.ingest({
    id: 'evt_host',
    activityId: 'order-placed',
    occurredAt: new Date(SAMPLE_NOW).toISOString(),
    person: { id: 'p_host' },
  });
  await backend.deliver();
  const page = (await (await api('/webhooks/wh_orders/deliveries?eventId=evt_host')).json()) as {
    items: { status: string }[];
  };
  expect(page.items[0]?.status).toBe('delivered');
  expect(backend.sink.messages().some((message) => message.userId === 'p_host')).toBe(true);
});
