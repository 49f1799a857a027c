// @vitest-environment jsdom
/**
 * The in-memory backend in a browser-like environment (jsdom), as the kit's jsdom tests use it: the real
 * handler, service and worker load without any Node module (the mocks below throw on import) and answer
 * through the backend's fetch, the live feed included. Chromium runs it in every story.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';

for (const name of [
  'node:crypto',
  'node:http',
  'node:events',
  'node:net',
  'node:buffer',
  'node:fs',
  'node:stream',
  'undici',
]) {
  vi.doMock(name, () => {
    throw new Error(`${name} was imported by the in-memory backend`);
  });
}

let testing: typeof import('./browser');

beforeAll(async () => {
  testing = await import('./browser');
});

const API = '/api/segment-webhooks';

describe('the in-memory backend (jsdom)', () => {
  it('loads without a node: module and serves the sample account', async () => {
    const backend = await testing.createSampleBackend();
    const response = await backend.fetch(`${API}/webhooks`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as { items: { id: string }[] };
    expect(items.map((w) => w.id)).toEqual(['wh_orders', 'wh_email', 'wh_survey', 'wh_legacy']);
  });

  it('tests a configuration against the Segment stand-in, and tails the live feed until aborted', async () => {
    const backend = await testing.createSampleBackend({ orders: { events: 4 } });
    backend.sink.failNext(1, 400, 'Exceed payload limit');
    const tested = await backend.fetch(`${API}/webhooks/test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trackEventName: 'Order placed', writeKey: 'wk_jsdom_1234', region: 'eu' }),
    });
    expect(await tested.json()).toMatchObject({ ok: false, httpStatus: 400, responseBody: 'Exceed payload limit' });

    const controller = new AbortController();
    const stream = await backend.fetch(`${API}/webhooks/wh_orders/deliveries/stream`, { signal: controller.signal });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    await backend.ingest({
      id: 'evt_jsdom',
      activityId: 'order-placed',
      occurredAt: new Date(backend.clock.now()).toISOString(),
      person: { id: 'p_jsdom' },
    });
    while (!text.includes('evt_jsdom')) text += (await reader.read()).value ?? '';
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
  });
});
