import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type FreshDatabase, STORE_KINDS, withClient } from '@segment-webhook/engine-tests';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningDemo } from './app';
import { type DemoUnderTest, startDemoOn } from './demo-under-test';
import { KEY_FILE } from './secrets';

const WRITE_KEY = 'wk_app_test_0123456789';

// The demo as `pnpm start` runs it: on SQLite in DATA_DIR, and with DATABASE_URL (a database of its own).
describe.each(STORE_KINDS)('the demo server on %s', (kind) => {
  let dataDir: string;
  let database: FreshDatabase | null = null;
  let demo: RunningDemo;
  let api: string;
  let running: DemoUnderTest | undefined;

  beforeAll(async () => {
    running = await startDemoOn(kind, 'demo-app-test');
    ({ demo, api, dataDir, database } = running);
  });

  afterAll(() => running?.stop());

  it('keeps a generated 32-byte key in DATA_DIR', async () => {
    expect(Buffer.from(readFileSync(path.join(dataDir, KEY_FILE), 'utf8').trim(), 'base64')).toHaveLength(32);
    const info = (await (await fetch(`${demo.url}/api/demo/info`)).json()) as { store: string };
    expect(info.store).toBe(kind);
  });

  it('routes activities to a webhook and delivers them to the local Segment sink', async () => {
    const headers = { 'content-type': 'application/json', 'x-account-id': 'acme' };
    const created = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Orders', trackEventName: 'Order placed', writeKey: WRITE_KEY }),
    });
    expect(created.status).toBe(201);
    const webhook = (await created.json()) as { id: string };
    const routed = await fetch(`${api}/activities/order-placed/destination`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ webhookId: webhook.id }),
    });
    expect(routed.status).toBe(200);
    const ingested = await fetch(`${api}/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        events: [
          {
            id: 'evt-1',
            activityId: 'order-placed',
            occurredAt: new Date().toISOString(),
            person: { id: 'usr_1', email: 'ava@example.com' },
            attributes: { total: 42 },
          },
          {
            id: 'evt-2',
            activityId: 'email-opened',
            occurredAt: new Date().toISOString(),
            person: { id: 'usr_1' },
          },
        ],
      }),
    });
    expect(await ingested.json()).toEqual({ accepted: 2, deliveries: 1, skipped: 0 });
    const [arrived] = await demo.sink!.waitFor(1, { writeKey: WRITE_KEY });
    expect(arrived?.message).toMatchObject({ type: 'track', event: 'Order placed', userId: 'usr_1' });
  });

  it('keeps its data in the store DATABASE_URL chooses: SQLite in DATA_DIR, or that PostgreSQL', async () => {
    const sqliteFile = path.join(dataDir, 'segment-webhooks.sqlite');
    if (kind === 'sqlite') {
      expect(readFileSync(sqliteFile).subarray(0, 15).toString()).toBe('SQLite format 3');
      return;
    }
    expect(existsSync(sqliteFile)).toBe(false);
    const count = async (table: string) =>
      withClient(
        async (client) => (await client.query(`SELECT count(*)::int AS n FROM segment_webhook.${table}`)).rows[0].n,
        database!.url,
      );
    // What the previous test made.
    expect(await count('webhooks')).toBe(1);
    expect(await count('deliveries')).toBe(1);
  });

  it('names the signed-in user in the settings history and offers the events it ingested to Test', async () => {
    const headers = { 'content-type': 'application/json', 'x-account-id': 'globex', 'x-demo-user': 'Grace Hopper' };
    const created = await fetch(`${api}/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'History', trackEventName: 'Activity', writeKey: WRITE_KEY }),
    });
    const webhook = (await created.json()) as { id: string };
    await fetch(`${api}/webhooks/${webhook.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-account-id': 'globex' },
      body: JSON.stringify({ name: 'History 2' }),
    });
    const history = (await (await fetch(`${api}/webhooks/${webhook.id}/history`, { headers })).json()) as {
      items: { version: number; actor: string | null }[];
    };
    expect(history.items.map((e) => [e.version, e.actor])).toEqual([
      [2, 'Demo admin (Globex Coffee)'],
      [1, 'Grace Hopper'],
    ]);
    const event = {
      id: 'evt-recent',
      activityId: 'order-placed',
      occurredAt: new Date().toISOString(),
      person: { id: 'usr_9', email: 'grace@example.com' },
    };
    expect((await fetch(`${api}/events`, { method: 'POST', headers, body: JSON.stringify(event) })).status).toBe(202);
    const recent = (await (await fetch(`${api}/activities/recent-events`, { headers })).json()) as {
      items: { id: string }[];
    };
    expect(recent.items.map((e) => e.id)).toEqual(['evt-recent']);
    const other = await fetch(`${api}/activities/recent-events`, { headers: { 'x-account-id': 'initech' } });
    expect(await other.json()).toEqual({ items: [] });
    const tested = await fetch(`${api}/webhooks/${webhook.id}/test`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ activityEventId: 'evt-recent' }),
    });
    expect(((await tested.json()) as { payload: { userId: string } }).payload.userId).toBe('usr_9');
  });

  it('takes the account from the header, then the cookie, then "demo"', async () => {
    const list = async (init: RequestInit) =>
      ((await (await fetch(`${api}/webhooks`, init)).json()) as { items: { name: string }[] }).items.map(
        (item) => item.name,
      );
    expect(await list({ headers: { 'x-account-id': 'acme' } })).toEqual(['Orders']);
    expect(await list({ headers: { cookie: 'account=acme' } })).toEqual(['Orders']);
    expect(await list({ headers: { 'x-account-id': 'other', cookie: 'account=acme' } })).toEqual([]);
    expect(await list({})).toEqual([]);
    expect((await fetch(`${api}/webhooks`, { headers: { 'x-account-id': 'no spaces' } })).status).toBe(401);
  });

  it('serves the host catalog with the plan of 5 outbound activity streams', async () => {
    const headers = { 'x-account-id': 'catalog' };
    const activities = (await (await fetch(`${api}/activities`, { headers })).json()) as { items: { id: string }[] };
    expect(activities.items.map((item) => item.id)).toEqual(
      expect.arrayContaining(['order-placed', 'email-opened', 'form-submitted', 'survey-completed']),
    );
    const fields = (await (await fetch(`${api}/fields`, { headers })).json()) as { person: { key: string }[] };
    expect(fields.person.map((field) => field.key)).toEqual(
      expect.arrayContaining(['email', 'first_name', 'last_name', 'tier']),
    );
    expect(await (await fetch(`${api}/usage`, { headers })).json()).toEqual({
      outboundActivityStreams: 0,
      includedStreams: 5,
    });
  });

  it('answers unknown API paths with a 404 problem, not the dashboard', async () => {
    const response = await fetch(`${demo.url}/api/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
