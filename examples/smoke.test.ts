/**
 * Each example as a user runs it: `pnpm start` in its folder (the Next.js one runs `next build` and
 * `next start`), with no Segment endpoint so that it starts the local sink, once on SQLite in a fresh DATA_DIR
 * and once on PostgreSQL (`DATABASE_URL`: a database of its own on the test server, dropped after).
 * Then: the page is served, the served OpenAPI document passes redocly lint, a webhook is created, an
 * activity routed, an event ingested and seen at the local sink, and accounts resolve from the
 * `x-account-id` header, else the `account` cookie, else `demo`; `/healthz`, `/readyz` and `/metrics` answer. The examples run one after the other
 * (each builds its page); the vitest project `examples` runs this file alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { redoclyProblems } from '../tests/http/redocly';

const EXAMPLES = ['express', 'fastify', 'hono', 'nextjs'] as const;
const STORES = ['sqlite', 'postgres'] as const;
type StoreKind = (typeof STORES)[number];
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on the test server's maintenance connection. */
async function onServer(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
const API = '/api/segment-webhooks';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function eventually<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Started {
  child: ChildProcess;
  base: string;
  output: () => string;
  dataDir: string;
  /** The database created for this run (PostgreSQL), dropped after it. */
  database: string | null;
}

let running: Started | null = null;

async function stop(started: Started): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // `pnpm start` runs the server in a child of its own: signal the whole group this test started.
  process.kill(-child.pid!, 'SIGTERM');
  return exited;
}

afterEach(async () => {
  if (!running) return;
  const started = running;
  running = null;
  await stop(started);
  rmSync(started.dataDir, { recursive: true, force: true });
  if (started.database) await onServer(`DROP DATABASE IF EXISTS "${started.database}" WITH (FORCE)`);
});

async function start(example: (typeof EXAMPLES)[number], store: StoreKind): Promise<Started> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `segment-webhook-example-${example}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    DATA_DIR: dataDir,
    SEGMENT_RETRY_BASE_MS: '50',
    NEXT_TELEMETRY_DISABLED: '1',
  };
  // The demo's defaults: SQLite and the local sink (the test runner's own DATABASE_URL is not the example's).
  for (const name of [
    'DATABASE_URL',
    'SEGMENT_US_ENDPOINT',
    'SEGMENT_EU_ENDPOINT',
    'SEGMENT_LIVE',
    'SEGMENT_ENCRYPTION_KEY',
  ]) {
    delete env[name];
  }
  let database: string | null = null;
  if (store === 'postgres') {
    database = `swk_example_${example}_${process.pid}_${Date.now()}`;
    await onServer(`CREATE DATABASE "${database}"`);
    const url = new URL(SERVER_URL);
    url.pathname = `/${database}`;
    env.DATABASE_URL = url.toString();
    env.SEGMENT_ENCRYPTION_KEY = randomBytes(32).toString('base64');
  }
  const child = spawn('pnpm', ['start'], {
    cwd: path.join(import.meta.dirname, example),
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  running = { child, base: `http://127.0.0.1:${port}`, output: () => output, dataDir, database };
  return running;
}

describe.each(STORES.flatMap((store) => EXAMPLES.map((example) => [example, store] as const)))(
  'examples/%s on %s',
  (example, store) => {
    it('starts with pnpm start, serves the page and the API, and delivers to the local sink', async () => {
      const started = await start(example, store);
      const { base } = started;
      const sinkUrl = await eventually(async () => {
        if (started.child.exitCode !== null) throw new Error(`exited: ${started.output()}`);
        const found = /local Segment sink at (http:\/\/127\.0\.0\.1:\d+)/.exec(started.output())?.[1];
        const ready = await fetch(`${base}${API}/openapi.json`);
        return found && ready.status === 200 ? found : undefined;
      }).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${started.output()}`);
      });

      // The page embedding the kit's components, and its script.
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(new URL(script!, base))).status).toBe(200);

      // The served document passes redocly lint.
      expect(redoclyProblems(await (await fetch(`${base}${API}/openapi.json`)).json())).toEqual([]);

      // Create, route, ingest as account "smoke" (header), then see the message at the local sink.
      const as = { 'x-account-id': 'smoke' };
      const event = `Smoke ${example} ${Date.now()}`;
      const created = await fetch(`${base}${API}/webhooks`, {
        method: 'POST',
        headers: { ...as, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Smoke', trackEventName: event, writeKey: 'wk_smoke_7Hq2' }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
      const webhook = (await created.json()) as { id: string };
      const routed = await fetch(`${base}${API}/activities/order-placed/destination`, {
        method: 'PUT',
        headers: { ...as, 'content-type': 'application/json' },
        body: JSON.stringify({ webhookId: webhook.id }),
      });
      expect(routed.status).toBe(200);
      const ingested = await fetch(`${base}${API}/events`, {
        method: 'POST',
        headers: { ...as, 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'evt_smoke',
          activityId: 'order-placed',
          occurredAt: new Date().toISOString(),
          person: { id: 'p_smoke', email: 'ada@example.com' },
        }),
      });
      expect(ingested.status).toBe(202);
      expect(await ingested.json()).toEqual({ accepted: 1, deliveries: 1, skipped: 0 });
      const message = await eventually(async () => {
        const { items } = (await (await fetch(`${sinkUrl}/__sink/messages`)).json()) as {
          items: { message: { event?: string; userId?: string } }[];
        };
        return items.find((item) => item.message.event === event)?.message;
      });
      expect(message.userId).toBe('p_smoke');

      // The host routes: liveness, readiness and the kit's metrics (this process delivered the one event).
      const live = await fetch(`${base}/healthz`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      const readiness = (await ready.json()) as { status: string; checks: { worker?: { status: string } } };
      expect(ready.status, JSON.stringify(readiness)).toBe(200);
      expect(readiness).toMatchObject({ status: 'ready', checks: { worker: { status: 'ok' } } });
      const metrics = await eventually(async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return /^segment_webhook_deliveries_total\{outcome="delivered"\} 1$/m.test(text) ? text : undefined;
      });
      expect(metrics).toMatch(/^segment_webhook_ingested_events_total 1$/m);
      expect(metrics).toMatch(/^segment_webhook_queue_depth\{status="pending"\} 0$/m);

      // The account: the header, else the `account` cookie, else `demo`; an invalid id is a 401.
      const ids = async (headers: Record<string, string>) => {
        const response = await fetch(`${base}${API}/webhooks`, { headers });
        return response.status === 200
          ? ((await response.json()) as { items: { id: string }[] }).items.map((w) => w.id)
          : response.status;
      };
      expect(await ids({ cookie: 'account=smoke' })).toEqual([webhook.id]);
      expect(await ids({ 'x-account-id': 'smoke', cookie: 'account=other' })).toEqual([webhook.id]);
      expect(await ids({ 'x-account-id': 'other', cookie: 'account=smoke' })).toEqual([]);
      expect(await ids({})).toEqual([]);
      expect(await ids({ 'x-account-id': 'not an id' })).toBe(401);

      // On PostgreSQL the example really kept its data there: the webhook is in the run's database.
      if (started.database) {
        const url = new URL(SERVER_URL);
        url.pathname = `/${started.database}`;
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          const { rows } = await client.query<{ schemaname: string }>(
            "SELECT schemaname FROM pg_catalog.pg_tables WHERE tablename = 'webhooks'",
          );
          expect(rows).toHaveLength(1);
          const stored = await client.query(`SELECT id FROM "${rows[0]!.schemaname}".webhooks`);
          expect(stored.rows.map((row: { id: string }) => row.id)).toEqual([webhook.id]);
        } finally {
          await client.end();
        }
      }

      // Errors are the kit's problems, unknown routes and undecodable paths included.
      for (const [target, status] of [
        ['/nothing-here', 404],
        ['/webhooks/%E0%A4%A', 400],
      ] as const) {
        const response = await fetch(`${base}${API}${target}`, { headers: as });
        expect(response.status, target).toBe(status);
        expect(response.headers.get('content-type'), target).toMatch(/^application\/problem\+json/);
      }
    });
  },
);
