/**
 * Parity of the in-memory backend the kit's stories and jsdom tests run on (`createInMemoryBackend` of
 * `@segment-webhook/testing/browser`) with the server a host runs (`createSegmentWebhookHandler` of
 * `@segment-webhook/server` and Node's service and worker) on SQLite and on PostgreSQL. Each scenario is one
 * of the ways the UI's former fake API differed from the server (issue 13): it runs on all three through
 * `fetch` only, pins the server's answer, and the three transcripts must be equal.
 */
import {
  createDeliveryWorker,
  createSegmentWebhookService,
  type DeliveryWorker,
  silentLogger,
} from '@segment-webhook/core';
import {
  type DeliveryChange,
  type DeliveryPage,
  messageIdFor,
  type Problem,
  type SendToWebhookResponse,
  type Webhook,
  type WebhookList,
} from '@segment-webhook/core/contract';
import { createSegmentWebhookHandler } from '@segment-webhook/server';
import { startSegmentSink } from '@segment-webhook/testing';
import { createInMemoryBackend } from '@segment-webhook/testing/browser';
import { describe, expect, it } from 'vitest';
import { CATALOG, openTestStore, STORES, type StoreName } from './harness';

const ACCOUNT = 'acct_parity';
const WRITE_KEY = 'wk_parity_0123456789';

/** What a scenario may use: the API through fetch, the Segment stand-in, and the worker on command. */
interface Subject {
  /** A JSON request; `T` is what the scenario expects the answer to be (a problem when it fails). */
  request<T = Problem>(method: string, path: string, json?: unknown): Promise<{ status: number; body: T }>;
  /** The raw fetch (for the live feed). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Tells the Segment stand-in to answer the next request `status` with `body`. */
  failNext(status: number, body: string): void;
  /** The messageIds Segment received. */
  received(): string[];
  /** Runs the worker until nothing is due; how many it sent. */
  deliver(): Promise<number>;
  close(): Promise<void>;
}

async function runUntilIdle(worker: Pick<DeliveryWorker, 'runOnce'>): Promise<number> {
  let sent = 0;
  for (;;) {
    const claimed = await worker.runOnce();
    if (claimed === 0) return sent;
    sent += claimed;
  }
}

function subjectOf(
  fetchPath: (path: string, init?: RequestInit) => Promise<Response>,
  rest: Omit<Subject, 'request' | 'fetch'>,
): Subject {
  return {
    fetch: fetchPath,
    async request<T>(method: string, path: string, json?: unknown) {
      const response = await fetchPath(path, {
        method,
        ...(json === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) }),
      });
      const text = await response.text();
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    ...rest,
  };
}

/** The server as a host runs it, on a real store, Segment being the node:http testing sink. */
async function server(storeName: StoreName): Promise<Subject> {
  const opened = openTestStore(storeName);
  const { store } = opened;
  const sink = await startSegmentSink({ port: 0 });
  const encryptionKey = Buffer.alloc(32, 7).toString('base64');
  const endpoints = { us: sink.url, eu: sink.url };
  const service = createSegmentWebhookService({ store, encryptionKey, endpoints, plan: () => 5, logger: silentLogger });
  // Not started: it runs when the scenario says so, as the in-memory backend's does.
  const worker = createDeliveryWorker({ store, encryptionKey, endpoints, logger: silentLogger, retentionMs: null });
  const handler = createSegmentWebhookHandler({
    service,
    catalog: CATALOG,
    basePath: '/api',
    resolveAccount: () => ACCOUNT,
    logger: { error: () => {} },
  });
  return subjectOf((path, init) => handler(new Request(`http://kit.test/api${path}`, init)), {
    failNext: (status, body) => sink.failNext(1, status, body),
    received: () => sink.messages().map((message) => String(message.messageId)),
    deliver: () => runUntilIdle(worker),
    async close() {
      await worker.stop();
      await service.close();
      await sink.close();
      await store.close();
      await opened.dispose();
    },
  });
}

/** The in-memory backend of the stories and tests. */
async function inMemory(): Promise<Subject> {
  const backend = await createInMemoryBackend({ accountId: ACCOUNT, basePath: '/api', catalog: CATALOG });
  return subjectOf((path, init) => backend.fetch(`/api${path}`, init), {
    failNext: (status, body) => backend.sink.failNext(1, status, body),
    received: () => backend.sink.messages().map((message) => String(message.messageId)),
    deliver: () => backend.deliver(),
    close: () => backend.close(),
  });
}

const SUBJECTS: [string, () => Promise<Subject>][] = [
  ['in-memory backend', inMemory],
  ...STORES.map((name): [string, () => Promise<Subject>] => [`server on ${name}`, () => server(name)]),
];

async function createWebhook(subject: Subject, name = 'Orders'): Promise<string> {
  const { status, body } = await subject.request<Webhook>('POST', '/webhooks', {
    name,
    trackEventName: 'Order placed',
    writeKey: WRITE_KEY,
  });
  expect(status).toBe(201);
  return body.id;
}

async function routedWebhook(subject: Subject): Promise<string> {
  const id = await createWebhook(subject);
  expect((await subject.request('PUT', '/activities/order-placed/destination', { webhookId: id })).status).toBe(200);
  return id;
}

const event = (id: string) => ({
  id,
  activityId: 'order-placed',
  occurredAt: '2026-11-27T10:00:00.000Z',
  person: { id: 'p_1', email: 'ada@example.com' },
});

async function ingest(subject: Subject, id: string): Promise<void> {
  expect((await subject.request('POST', '/events', { events: [event(id)] })).status).toBe(202);
}

/** A scenario returns its transcript: what the API answered, without ids or times that differ by run. */
type Scenario = (subject: Subject) => Promise<unknown>;

const SCENARIOS: Record<string, Scenario> = {
  'resuming a healthy webhook answers 200 and changes nothing': async (subject) => {
    const id = await createWebhook(subject);
    const { status, body } = await subject.request<Webhook>('POST', `/webhooks/${id}/resume`);
    expect(status).toBe(200);
    expect(body.health).toEqual({ state: 'healthy', reason: null, since: null });
    return [status, body.status, body.health];
  },

  'sending to a webhook that is not active is refused and creates no delivery': async (subject) => {
    const id = await createWebhook(subject);
    const send = () => subject.request('POST', `/webhooks/${id}/send`, { person: { id: 'p_1' }, id: 'send_1' });
    const transcript: unknown[] = [];
    for (const step of ['disconnect', 'archive']) {
      expect((await subject.request('POST', `/webhooks/${id}/${step}`)).status).toBe(200);
      const refused = await send();
      expect(refused.status).toBe(409);
      expect(refused.body.code).toBe('invalid_state');
      transcript.push([step, refused.status, refused.body.code, refused.body.detail]);
    }
    const deliveries = await subject.request<DeliveryPage>('GET', `/webhooks/${id}/deliveries`);
    expect(deliveries.body.items).toEqual([]);
    const active = await createWebhook(subject, 'Active');
    const sent = await subject.request('POST', `/webhooks/${active}/send`, { person: { id: 'p_1' }, id: 'send_1' });
    expect(sent.status).toBe(202);
    return [...transcript, deliveries.body.items, sent.status];
  },

  'a name-only edit releases the held deliveries of a webhook that needs attention': async (subject) => {
    const id = await routedWebhook(subject);
    for (let batch = 1; batch <= 5; batch++) {
      subject.failNext(400, 'Exceed payload limit');
      await ingest(subject, `evt_refused_${batch}`);
      expect(await subject.deliver()).toBe(1);
    }
    const attention = (await subject.request<Webhook>('GET', `/webhooks/${id}`)).body;
    expect(attention.health.state).toBe('needs_attention');
    await ingest(subject, 'evt_held');
    const pending = () => subject.request<DeliveryPage>('GET', `/webhooks/${id}/deliveries?status=pending`);
    const held = (await pending()).body.items;
    expect(held.map((d) => d.heldReason)).toEqual(['needs_attention']);
    const heldSent = await subject.deliver();
    expect(heldSent).toBe(0);

    const renamed = await subject.request<Webhook>('PATCH', `/webhooks/${id}`, { name: 'Orders (renamed)' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.health.state).toBe('healthy');
    const released = (await pending()).body.items;
    expect(released.map((d) => d.heldReason)).toEqual([null]);
    expect(await subject.deliver()).toBe(1);
    const after = (await subject.request<DeliveryPage>('GET', `/webhooks/${id}/deliveries?eventId=evt_held`)).body;
    expect(after.items[0]?.status).toBe('delivered');
    return [
      attention.health.reason,
      held.length,
      heldSent,
      renamed.body.health,
      released.length,
      after.items[0]?.status,
    ];
  },

  'GET /webhooks?status= is validated': async (subject) => {
    const kept = await createWebhook(subject, 'Kept');
    const archived = await createWebhook(subject, 'Archived');
    await subject.request('POST', `/webhooks/${archived}/disconnect`);
    await subject.request('POST', `/webhooks/${archived}/archive`);
    const transcript: unknown[] = [];
    for (const query of ['status=paused', 'status=', 'status=active&status=archived', 'colour=red']) {
      const { status, body } = await subject.request('GET', `/webhooks?${query}`);
      expect(status).toBe(400);
      expect(body.code).toBe('validation_error');
      transcript.push([query, status, body.errors]);
    }
    const listed = await subject.request<WebhookList>('GET', '/webhooks?status=archived');
    expect(listed.body.items.map((w) => w.name)).toEqual(['Archived']);
    expect(kept).not.toBe(archived);
    return [...transcript, listed.status, listed.body.items.map((w) => w.name)];
  },

  'the keyset cursor: a row inserted at the top does not repeat a row on the next page': async (subject) => {
    const id = await routedWebhook(subject);
    for (const n of [1, 2, 3, 4, 5]) await ingest(subject, `evt_${n}`);
    const page = async (cursor?: string) => {
      const query = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const { body } = await subject.request<DeliveryPage>('GET', `/webhooks/${id}/deliveries?${query}`);
      return { events: body.items.map((d) => d.eventId), next: body.nextCursor ?? undefined };
    };
    const first = await page();
    await ingest(subject, 'evt_6');
    const second = await page(first.next);
    const third = await page(second.next);
    expect([first.events, second.events, third.events]).toEqual([['evt_5', 'evt_4'], ['evt_3', 'evt_2'], ['evt_1']]);
    expect(third.next).toBeUndefined();
    const top = await page();
    expect(top.events).toEqual(['evt_6', 'evt_5']);
    return [first.events, second.events, third.events, third.next, top.events];
  },

  'the live feed reports a delivery pending, then delivered with more attempts and no earlier time': async (
    subject,
  ) => {
    const id = await routedWebhook(subject);
    const controller = new AbortController();
    const response = await subject.fetch(`/webhooks/${id}/deliveries/stream`, { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const changes: DeliveryChange['delivery'][] = [];
    let buffer = '';
    const readUntil = async (status: string) => {
      while (!changes.some((change) => change.status === status)) {
        const { value, done } = await reader.read();
        if (done) throw new Error('The live feed ended.');
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end));
          if (data) changes.push((JSON.parse(data[1]!) as DeliveryChange).delivery);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    };
    await ingest(subject, 'evt_live');
    await readUntil('pending');
    await subject.deliver();
    await readUntil('delivered');
    controller.abort();
    const versions = changes.map((change) => [change.status, change.attemptCount]);
    expect(versions).toEqual([
      ['pending', 0],
      ['delivered', 1],
    ]);
    expect(changes[1]!.updatedAt >= changes[0]!.updatedAt).toBe(true);
    return versions;
  },

  'messageIds are messageIdFor(webhook, event), for events and sends, in the API and at Segment': async (subject) => {
    const id = await routedWebhook(subject);
    const events = ['evt_1', 'order:42', 'ünïcode-event', `long_${'x'.repeat(150)}`];
    for (const eventId of events) await ingest(subject, eventId);
    const sent = await subject.request<SendToWebhookResponse>('POST', `/webhooks/${id}/send`, {
      person: { id: 'p_1' },
      id: 'send_1',
    });
    expect(sent.body.messageId).toBe(messageIdFor(id, 'send:send_1'));
    const listed = (await subject.request<DeliveryPage>('GET', `/webhooks/${id}/deliveries?limit=10`)).body.items;
    const expected = (d: { eventId: string; source: string }) =>
      messageIdFor(id, d.source === 'send' ? `send:${d.eventId}` : d.eventId);
    for (const d of listed) expect(d.messageId).toBe(expected(d));
    await subject.deliver();
    expect(subject.received().sort()).toEqual(listed.map((d) => d.messageId).sort());
    // Plain ids stay readable; the others are hashed.
    return listed.map((d) => [d.eventId.slice(0, 20), d.source, d.messageId.startsWith(`${id}:`)]);
  },
};

describe('the in-memory backend answers as the server does (SQLite, PostgreSQL)', () => {
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, async () => {
      const transcripts: Record<string, unknown> = {};
      for (const [label, make] of SUBJECTS) {
        const subject = await make();
        try {
          transcripts[label] = await scenario(subject);
        } finally {
          await subject.close();
        }
      }
      const [first, ...others] = Object.values(transcripts);
      for (const other of others) expect(other).toEqual(first);
    });
  }
});
