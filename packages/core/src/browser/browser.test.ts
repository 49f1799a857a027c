// @vitest-environment jsdom
/**
 * The service and the worker in a browser-like environment (jsdom): the memory store, the Web Crypto
 * cipher, the fetch Segment client and the in-memory Segment sink deliver events end to end. Any import of
 * a Node-only module fails the file (the mocks below throw), and Node's `Buffer` and `setImmediate`
 * globals are removed while it runs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

for (const name of ['node:crypto', 'node:http', 'node:events', 'node:net', 'node:buffer', 'undici']) {
  vi.doMock(name, () => {
    throw new Error(`${name} was imported by the browser-safe service`);
  });
}

type Browser = typeof import('./index');
type Memory = typeof import('../memory/index');
type Sink = typeof import('@segment-webhook/testing/browser');
type Contract = typeof import('../contract/index');

let browser: Browser;
let memory: Memory;
let testing: Sink;
let contract: Contract;

/**
 * Node globals a browser lacks. They cannot simply be removed (Node's own fetch uses Buffer), so they
 * are watched: a use whose immediate caller is the kit's source is recorded.
 */
const NODE_GLOBALS = ['Buffer', 'setImmediate', 'process'] as const;
const nodeGlobalUses: string[] = [];
const originals = new Map<string, unknown>();

function noteUse(name: string): void {
  // [0] "Error", [1] noteUse, [2] the proxy trap, [3] whoever touched the global.
  const caller = new Error().stack?.split('\n')[3] ?? '';
  if (/\/packages\/[\w-]+\/src\//.test(caller) && !caller.includes('.test.ts')) {
    nodeGlobalUses.push(`${name} used at ${caller.trim()}`);
  }
}

beforeAll(async () => {
  for (const name of NODE_GLOBALS) {
    const original = (globalThis as Record<string, unknown>)[name] as object;
    originals.set(name, original);
    const watched = new Proxy(original, {
      get(target, property, receiver) {
        noteUse(name);
        return Reflect.get(target, property, receiver);
      },
      apply(target, self, args) {
        noteUse(name);
        return Reflect.apply(target as (...a: unknown[]) => unknown, self, args);
      },
      construct(target, args, newTarget) {
        noteUse(name);
        return Reflect.construct(target as new (...a: unknown[]) => object, args, newTarget);
      },
    });
    Object.defineProperty(globalThis, name, { value: watched, configurable: true, writable: true });
  }
  [browser, memory, testing, contract] = await Promise.all([
    import('./index'),
    import('../memory/index'),
    import('@segment-webhook/testing/browser'),
    import('../contract/index'),
  ]);
});

afterAll(() => {
  for (const [name, original] of originals) {
    Object.defineProperty(globalThis, name, { value: original, configurable: true, writable: true });
  }
});

const ACCOUNT = 'acct_browser';
const WRITE_KEY = 'wk_browser_0123456789';

async function setup(options: { timeoutMs?: number } = {}) {
  const store = memory.memoryStore();
  const sink = testing.createMemorySegmentSink();
  const client = browser.createFetchSegmentClient({
    fetch: sink.fetch,
    endpoints: { us: sink.url, eu: sink.url },
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const key = btoa(String.fromCharCode(...globalThis.crypto.getRandomValues(new Uint8Array(32))));
  const cipher = await browser.createWebCryptoWriteKeyCipher({ encryptionKey: key });
  const retryPolicy = { baseDelayMs: 5, maxDelayMs: 20 };
  const worker = browser.createDeliveryWorker({ store, client, cipher, retryPolicy, pollIntervalMs: 20 });
  const service = browser.createSegmentWebhookService({ store, client, cipher, plan: () => 5, worker });
  worker.start();
  const webhook = await service.createWebhook(ACCOUNT, {
    name: 'Orders in the browser',
    trackEventName: 'Order placed',
    writeKey: WRITE_KEY,
    region: 'eu',
  });
  await service.setDestination(ACCOUNT, 'order-placed', webhook.id);
  const ingest = (id: string) =>
    service.ingest(ACCOUNT, {
      id,
      activityId: 'order-placed',
      occurredAt: '2026-11-27T10:00:00.000Z',
      person: { id: 'p_1', email: 'ada@example.com' },
      attributes: { amount: 42.5 },
    });
  const deliveryOf = async (eventId: string) => {
    const page = await service.listDeliveries(ACCOUNT, webhook.id, { eventId });
    return page.items[0];
  };
  cleanups.push(async () => {
    await worker.stop();
    await sink.close();
    await store.close();
  });
  return { store, sink, service, worker, webhook, ingest, deliveryOf };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('the browser-safe service and worker (jsdom)', () => {
  it('loads without a node: module (the mocks above throw on any)', () => {
    expect(typeof browser.createSegmentWebhookService).toBe('function');
    expect(typeof memory.memoryStore).toBe('function');
    expect(typeof testing.createMemorySegmentSink).toBe('function');
  });

  it('deliver an ingested event end to end: memory store → worker → fetch client → in-memory sink', async () => {
    const { sink, webhook, ingest, deliveryOf } = await setup();
    expect(webhook.writeKeyHint).toBe('…6789');
    expect(await ingest('evt_1')).toEqual({ accepted: 1, deliveries: 1, skipped: 0 });
    const [received] = await sink.waitFor(1, { writeKey: WRITE_KEY });
    expect(received!.message).toMatchObject({
      type: 'track',
      event: 'Order placed',
      userId: 'p_1',
      messageId: contract.messageIdFor(webhook.id, 'evt_1'),
      properties: { amount: 42.5 },
    });
    expect(received!.headers.authorization).toBe('Basic [redacted …6789]');
    await vi.waitFor(async () => expect((await deliveryOf('evt_1'))?.status).toBe('delivered'), { timeout: 5_000 });
  });

  it('retries when the sink fails, fails a refused message, and times out a slow answer', async () => {
    const { sink, ingest, deliveryOf, service, webhook } = await setup({ timeoutMs: 50 });
    sink.failNext(1, 503);
    await ingest('evt_retry');
    await vi.waitFor(async () => expect((await deliveryOf('evt_retry'))?.status).toBe('delivered'), {
      timeout: 5_000,
    });
    const retried = await deliveryOf('evt_retry');
    expect(retried?.attemptCount).toBe(2);

    sink.failNext(1, 400, '{"success":false,"message":"refused"}');
    await ingest('evt_refused');
    await vi.waitFor(async () => expect((await deliveryOf('evt_refused'))?.status).toBe('failed'), {
      timeout: 5_000,
    });
    const refused = await deliveryOf('evt_refused');
    expect(refused?.lastHttpStatus).toBe(400);
    expect(JSON.stringify(await service.getDelivery(ACCOUNT, webhook.id, refused!.id))).not.toContain(WRITE_KEY);

    sink.latency(1_000);
    await ingest('evt_slow');
    await vi.waitFor(async () => expect((await deliveryOf('evt_slow'))?.lastError).toMatch(/Timed out after 50 ms/), {
      timeout: 5_000,
    });
    sink.latency(0);
    await vi.waitFor(async () => expect((await deliveryOf('evt_slow'))?.status).toBe('delivered'), {
      timeout: 5_000,
    });
  });

  it('keeps write keys encrypted at rest with Web Crypto, compatible with the Node cipher format', async () => {
    const { store, webhook } = await setup();
    const record = await store.getWebhook(ACCOUNT, webhook.id);
    expect(record?.writeKeyCiphertext).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(JSON.stringify(record)).not.toContain(WRITE_KEY);
  });

  it('used none of Node’s globals from the kit’s code in the tests above', () => {
    expect(nodeGlobalUses).toEqual([]);
  });
});
