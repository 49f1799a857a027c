/**
 * Test support (not exported): the router in an Express app on an ephemeral port, with the real
 * service, the real SQLite store in a temporary directory, the delivery worker and the testing sink.
 * Records every response (status, headers, body) and every log line so that suites can scan them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import {
  createDeliveryWorker,
  createSegmentWebhookService,
  type SegmentWebhookService,
  type Store,
} from '@segment-webhook/core';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import Database from 'better-sqlite3';
import express from 'express';
import type { RouterLogger } from './errors';
import type { Catalog } from './handlers';
import { createSegmentWebhookRouter, type SegmentWebhookRouterOptions } from './router';

/** The header the harness's `resolveAccount` reads. */
export const ACCOUNT_HEADER = 'x-test-account';

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

export interface TestApi {
  url: string;
  store: Store;
  service: SegmentWebhookService;
  sink: SegmentSink;
  /** The SQLite file (for snapshots). */
  filename: string;
  captured: Captured[];
  logs: string[];
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  /** Every row of every table, as one string (compare before/after). */
  snapshot(): string;
  close(): Promise<void>;
}

/** Starts the whole stack. */
export async function startTestApi(
  overrides: Partial<Omit<SegmentWebhookRouterOptions, 'service'>> & {
    wrapService?: (s: SegmentWebhookService) => SegmentWebhookService;
  } = {},
): Promise<TestApi> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-adapter-'));
  const filename = path.join(dir, 'test.sqlite');
  const logs: string[] = [];
  const captured: Captured[] = [];
  const record =
    (level: string) =>
    (message: string, details?: Record<string, unknown>): void => {
      logs.push(`${level} ${message} ${JSON.stringify(details ?? {})}`);
    };
  const logger: RouterLogger & { info: RouterLogger['error']; warn: RouterLogger['error'] } = {
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };

  const sink = await startSegmentSink({ port: 0 });
  const store = sqliteStore({ filename });
  const encryptionKey = Buffer.alloc(32, 3).toString('base64');
  const endpoints = { us: sink.url, eu: sink.url };
  const retryPolicy = { baseDelayMs: 10, maxDelayMs: 50 };
  const realService = createSegmentWebhookService({
    store,
    encryptionKey,
    endpoints,
    retryPolicy,
    plan: () => INCLUDED_STREAMS,
    logger,
  });
  const service = overrides.wrapService ? overrides.wrapService(realService) : realService;
  const worker = createDeliveryWorker({ store, encryptionKey, endpoints, retryPolicy, logger });
  worker.start();

  const app = express();
  app.use(
    '/api',
    createSegmentWebhookRouter({
      service,
      resolveAccount: (req) => req.get(ACCOUNT_HEADER) ?? null,
      catalog: CATALOG,
      logger,
      ...overrides,
    }),
  );
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api`;

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
    const response = await fetch(`${url}${target}`, { method, headers, body });
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

  function snapshot(): string {
    const db = new Database(filename, { readonly: true });
    try {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all() as { name: string }[];
      return JSON.stringify(tables.map(({ name }) => [name, db.prepare(`SELECT * FROM "${name}"`).all()]));
    } finally {
      db.close();
    }
  }

  return {
    url,
    store,
    service,
    sink,
    filename,
    captured,
    logs,
    request,
    snapshot,
    async close() {
      await worker.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await sink.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
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
