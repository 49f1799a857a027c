/**
 * The HTTP conformance suite's stack: the kit's API behind one of its hosts (`target`), on a real store
 * (`store`: a SQLite file or a fresh PostgreSQL schema), with the real service, the delivery worker and
 * the testing sink. Records every response (status, headers, body) and every log line so that suites can
 * scan them.
 *
 * Targets, each mounted at `/api`:
 * - `fetch`: `createSegmentWebhookHandler` called in-process with web `Request`s (no HTTP at all);
 * - `node:http`: the same handler behind `toNodeListener` (the server README's node:http recipe);
 * - `express`: `createSegmentWebhookRouter` in an Express 5 app;
 * - `fastify`: `segmentWebhookPlugin` registered with a prefix in Fastify 5;
 * - `hono`: the fetch handler on a Hono app served by `@hono/node-server` (the Hono recipe).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import http, { type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import {
  createDeliveryWorker,
  createSegmentWebhookService,
  type SegmentWebhookService,
  type SegmentWebhookServiceOptions,
  type Store,
} from '@segment-webhook/core';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { segmentWebhookFrameworkErrors, segmentWebhookPlugin } from '@segment-webhook/fastify-adapter';
import {
  type Catalog,
  type CatalogSource,
  createSegmentWebhookHandler,
  type HandlerLogger,
  type ResolvedAccount,
} from '@segment-webhook/server';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import Database from 'better-sqlite3';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import pg from 'pg';
import { nodeHttpServer } from './node-http-recipe';

/** Every host the suite runs against. */
export const TARGETS = ['fetch', 'node:http', 'express', 'fastify', 'hono'] as const;
export type TargetName = (typeof TARGETS)[number];

/** Every store the suite runs on. */
export const STORES = ['sqlite', 'postgres'] as const;
export type StoreName = (typeof STORES)[number];

/** The test database: `DATABASE_URL`, or the local PostgreSQL of these machines. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The header the harness's `resolveAccount` reads. */
export const ACCOUNT_HEADER = 'x-test-account';
/** The header the harness's `resolveActor` reads (the settings history's actor). */
export const ACTOR_HEADER = 'x-test-actor';

/** The recent activity events every test account `acct_a` has (the host's `recentActivities`). */
export const RECENT_ACTIVITY_EVENTS = [
  {
    id: 'evt_recent_1',
    activityId: 'order-placed',
    occurredAt: '2026-11-27T09:00:00.000Z',
    person: { id: 'p_recent', email: 'grace@example.com', plan: 'team' },
    attributes: { amount: 99 },
  },
];

/** The host catalog of the tests. */
export const CATALOG: Catalog = {
  activities: [
    { id: 'order-placed', name: 'Order placed' },
    { id: 'trial-started', name: 'Trial started' },
    { id: 'form-submitted', name: 'Form submitted' },
    { id: 'meeting-booked', name: 'Meeting booked' },
  ],
  fields: {
    person: [
      { key: 'email', label: 'Email' },
      { key: 'plan', label: 'Plan' },
    ],
    activity: [{ key: 'amount', label: 'Amount' }],
  },
};

/** Streams included in every test account's plan. */
export const INCLUDED_STREAMS = 3;

/** One recorded response. */
export interface Captured {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A response as the tests read it. */
export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when there was none or it was not JSON. */
  body: unknown;
}

/** Options of {@link TestApi.request}. */
export interface RequestOptions {
  /** The account; none sends no account header (→ 401). */
  account?: string | null;
  /** A JSON value (serialized) or raw bytes / text (sent as is). */
  json?: unknown;
  raw?: string | Uint8Array<ArrayBuffer>;
  headers?: Record<string, string>;
}

/** What a suite may change about the stack. */
export interface StackOverrides {
  /** Replaces the header-reading `resolveAccount` (which ignores its argument here). */
  resolveAccount?: () => ResolvedAccount | Promise<ResolvedAccount>;
  catalog?: CatalogSource;
  bodyLimit?: number;
  heartbeatMs?: number;
  /** Wraps the service the target serves. */
  wrapService?: (service: SegmentWebhookService) => SegmentWebhookService;
  /**
   * The target creates its own service from these service options (with the stack's store, key and
   * endpoints) instead of being given one.
   */
  ownService?: Pick<SegmentWebhookServiceOptions, 'plan'>;
}

export interface TestApi {
  target: TargetName;
  storeName: StoreName;
  /** The API's base URL (`…/api`). For `fetch` a URL no socket listens on: use {@link TestApi.fetch}. */
  url: string;
  store: Store;
  /** The service the target serves. */
  service: SegmentWebhookService;
  sink: SegmentSink;
  captured: Captured[];
  logs: string[];
  /** `fetch` against the target: `api.fetch('/webhooks', init)`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** Every row of every table of the store, as one string (compare before/after). */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

export interface OpenedStore {
  store: Store;
  snapshot(): Promise<string>;
  dispose(): Promise<void>;
}

const sortedRows = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).sort();

/** A fresh store: a SQLite file in a temporary folder, or a PostgreSQL schema of its own. */
export function openTestStore(name: StoreName): OpenedStore {
  if (name === 'sqlite') {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-http-'));
    const filename = path.join(dir, 'test.sqlite');
    return {
      store: sqliteStore({ filename }),
      async snapshot() {
        const db = new Database(filename, { readonly: true });
        try {
          const tables = db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .all() as { name: string }[];
          return JSON.stringify(
            tables.map(({ name }) => [name, sortedRows(db.prepare(`SELECT * FROM "${name}"`).all())]),
          );
        } finally {
          db.close();
        }
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `http_${process.pid}_${randomBytes(4).toString('hex')}`;
  const withClient = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    store: postgresStore({ connectionString: DATABASE_URL, schema }),
    snapshot: () =>
      withClient(async (client) => {
        const tables = await client.query<{ table_name: string }>(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name",
          [schema],
        );
        const out: [string, string[]][] = [];
        for (const { table_name: table } of tables.rows) {
          const rows = await client.query(`SELECT * FROM "${schema}"."${table}"`);
          out.push([table, sortedRows(rows.rows)]);
        }
        return JSON.stringify(out);
      }),
    dispose: () =>
      withClient(async (client) => {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      }),
  };
}

/** The options every target gets, whatever its own `resolveAccount` argument is. */
interface KitOptions {
  service: SegmentWebhookService | undefined;
  serviceOptions: Omit<SegmentWebhookServiceOptions, 'logger'> | undefined;
  resolveAccount: (headers: Headers) => ResolvedAccount | Promise<ResolvedAccount>;
  resolveActor: (headers: Headers) => string | null;
  catalog: CatalogSource;
  logger: HandlerLogger & { info: HandlerLogger['error']; warn: HandlerLogger['error'] };
  bodyLimit: number | undefined;
  heartbeatMs: number | undefined;
}

interface Mounted {
  /** Base URL of `/api`. */
  url: string;
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  service: SegmentWebhookService;
  close(): Promise<void>;
}

function common(kit: KitOptions) {
  return {
    catalog: kit.catalog,
    logger: kit.logger,
    ...(kit.bodyLimit === undefined ? {} : { bodyLimit: kit.bodyLimit }),
    ...(kit.heartbeatMs === undefined ? {} : { heartbeatMs: kit.heartbeatMs }),
    ...(kit.service ? { service: kit.service } : (kit.serviceOptions as Omit<SegmentWebhookServiceOptions, 'logger'>)),
  };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Mounts the API at `/api` on `target`. */
async function mount(target: TargetName, kit: KitOptions): Promise<Mounted> {
  const headersOf = (raw: http.IncomingHttpHeaders) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(raw)) if (typeof value === 'string') headers.set(name, value);
    return headers;
  };
  switch (target) {
    case 'fetch': {
      const handler = createSegmentWebhookHandler({
        ...common(kit),
        basePath: '/api',
        resolveAccount: (request) => kit.resolveAccount(request.headers),
        resolveActor: (request) => kit.resolveActor(request.headers),
      });
      return {
        url: 'http://kit.test/api',
        fetch: async (url, init) => handler(new Request(url, init)),
        service: handler.service,
        close: async () => {},
      };
    }
    case 'node:http': {
      const handler = createSegmentWebhookHandler({
        ...common(kit),
        basePath: '/api',
        resolveAccount: (request) => kit.resolveAccount(request.headers),
        resolveActor: (request) => kit.resolveActor(request.headers),
      });
      const server = nodeHttpServer(handler);
      return { url: `${await listen(server)}/api`, fetch, service: handler.service, close: () => closeServer(server) };
    }
    case 'express': {
      const router = createSegmentWebhookRouter({
        ...common(kit),
        resolveAccount: (req) => kit.resolveAccount(headersOf(req.headers)),
        resolveActor: (req) => kit.resolveActor(headersOf(req.headers)),
      });
      const app = express();
      app.use('/api', router);
      const server = http.createServer(app);
      return { url: `${await listen(server)}/api`, fetch, service: router.service, close: () => closeServer(server) };
    }
    case 'fastify': {
      const app = Fastify({ frameworkErrors: segmentWebhookFrameworkErrors('/api') });
      let service: SegmentWebhookService | undefined;
      await app.register(segmentWebhookPlugin, {
        ...common(kit),
        prefix: '/api',
        resolveAccount: (request) => kit.resolveAccount(headersOf(request.headers)),
        resolveActor: (request) => kit.resolveActor(headersOf(request.headers)),
        onService: (served) => {
          service = served;
        },
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as { port: number };
      return {
        url: `http://127.0.0.1:${port}/api`,
        fetch,
        service: service!,
        close: async () => {
          app.server.closeAllConnections();
          await app.close();
        },
      };
    }
    case 'hono': {
      const handler = createSegmentWebhookHandler({
        ...common(kit),
        basePath: '/api',
        resolveAccount: (request) => kit.resolveAccount(request.headers),
        resolveActor: (request) => kit.resolveActor(request.headers),
      });
      const app = new Hono();
      app.all('/api/*', (c) => handler(c.req.raw));
      const server = await new Promise<Server>((resolve) => {
        const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(started as Server));
      });
      const { port } = server.address() as { port: number };
      return { url: `http://127.0.0.1:${port}/api`, fetch, service: handler.service, close: () => closeServer(server) };
    }
  }
}

/** Starts the whole stack on `target` and `storeName`. */
export async function startTestApi(
  target: TargetName,
  storeName: StoreName,
  overrides: StackOverrides = {},
): Promise<TestApi> {
  const logs: string[] = [];
  const captured: Captured[] = [];
  const record =
    (level: string) =>
    (details: Record<string, unknown>, message: string): void => {
      logs.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
    };
  const logger = { info: record('info'), warn: record('warn'), error: record('error') };

  const sink = await startSegmentSink({ port: 0 });
  const opened = openTestStore(storeName);
  const { store } = opened;
  const encryptionKey = Buffer.alloc(32, 3).toString('base64');
  const endpoints = { us: sink.url, eu: sink.url };
  const retryPolicy = { baseDelayMs: 10, maxDelayMs: 50 };
  const serviceOptions = {
    store,
    encryptionKey,
    endpoints,
    retryPolicy,
    plan: () => INCLUDED_STREAMS,
    recentActivities: (accountId: string) => (accountId === 'acct_a' ? RECENT_ACTIVITY_EVENTS : []),
  };
  let ownService: SegmentWebhookService | undefined;
  let real: ReturnType<typeof createSegmentWebhookService> | undefined;
  if (!overrides.ownService) {
    real = createSegmentWebhookService({ ...serviceOptions, logger });
    ownService = overrides.wrapService ? overrides.wrapService(real) : real;
  } else {
    await store.migrate();
  }
  const worker = createDeliveryWorker({ store, encryptionKey, endpoints, retryPolicy, logger });
  worker.start();

  const resolveAccount = overrides.resolveAccount
    ? () => overrides.resolveAccount!()
    : (headers: Headers) => headers.get(ACCOUNT_HEADER);
  const mounted = await mount(target, {
    service: ownService,
    serviceOptions: overrides.ownService ? { ...serviceOptions, ...overrides.ownService } : undefined,
    resolveAccount,
    resolveActor: (headers) => headers.get(ACTOR_HEADER),
    catalog: overrides.catalog ?? CATALOG,
    logger,
    bodyLimit: overrides.bodyLimit,
    heartbeatMs: overrides.heartbeatMs,
  });

  const fetchApi = (target: string, init?: RequestInit) => mounted.fetch(`${mounted.url}${target}`, init);

  async function request(method: string, target: string, options: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...options.headers };
    const account = options.account === undefined ? 'acct_a' : options.account;
    if (account !== null) headers[ACCOUNT_HEADER] = account;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const response = await fetchApi(target, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    captured.push({
      method,
      path: target,
      status: response.status,
      headers: Object.fromEntries(response.headers),
      text,
    });
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  return {
    target,
    storeName,
    url: mounted.url,
    store,
    service: mounted.service,
    sink,
    captured,
    logs,
    fetch: fetchApi,
    request,
    snapshot: opened.snapshot,
    async close() {
      await worker.stop();
      await mounted.close();
      await real?.close();
      await sink.close();
      await store.close();
      await opened.dispose();
    },
  };
}

/** Polls `check` until it returns a value other than undefined (no timed assertion: the test timeout bounds it). */
export async function eventually<T>(check: () => Promise<T | undefined>, intervalMs = 20): Promise<T> {
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
