/**
 * The demo server: the kit's REST router at `/api/segment-webhooks`, the debugger feed at
 * `/api/demo`, and the built host dashboard, on one Express app. `startDemo` wires the store, the
 * service, the delivery worker and (by default) the local Segment sink from a {@link DemoConfig}.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import path from 'node:path';
import {
  createDeliveryWorker,
  createSegmentWebhookService,
  type Logger,
  type SegmentWebhookServiceInstance,
} from '@segment-webhook/core';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { createPrometheusMetrics, type PrometheusMetrics } from '@segment-webhook/prometheus';
import { createHealthHandlers, type HealthHandlers } from '@segment-webhook/server';
import { toNodeListener } from '@segment-webhook/server/node';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import express, { type Express } from 'express';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ACCOUNTS, ACTIVITIES, ACTIVITY_FIELDS, INCLUDED_OUTBOUND_STREAMS, PERSON_FIELDS } from '../src/catalog';
import { resolveAccount } from './accounts';
import type { DemoConfig } from './config';
import { createDebuggerRouter } from './debugger';
import { createDemoNotifications, type DemoNotifications } from './notifications';
import { currentUser, RecentActivities } from './recent-activities';
import { loadEncryptionKey } from './secrets';

/** The kit's mount point. */
export const API_PATH = '/api/segment-webhooks';

/** The kit's logger: pino's call shape, details first (main.ts passes a pino logger). */
export type { Logger } from '@segment-webhook/core';

/** A running demo. */
export interface RunningDemo {
  app: Express;
  server: Server;
  /** `http://localhost:<port>` */
  url: string;
  /** The local Segment sink, when the demo started one. */
  sink: SegmentSink | null;
  /** Where Segment messages go, for the startup banner. */
  segmentDescription: string;
  /** The kit's metrics (`GET /metrics`), in a registry of this demo's own. */
  metrics: PrometheusMetrics;
  /** `GET /healthz` and `GET /readyz`. */
  health: HealthHandlers;
  /** What the alert hooks reported, per account (the header's bell). */
  notifications: DemoNotifications;
  /**
   * Graceful stop (SIGTERM): stops accepting connections and the worker stops claiming, at once; requests
   * in flight (HTTP, and to Segment) finish within {@link SHUTDOWN_GRACE_MS}; live streams are closed; the
   * worker releases the leases it still holds, so another process takes those deliveries at once; then the
   * sink and the store close.
   */
  close(): Promise<void>;
}

/** Longest wait on shutdown for the HTTP requests in flight, and for the worker's requests to Segment. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Where the built dashboard lives (`vite build` output). */
export const DIST_DIR = path.resolve(import.meta.dirname, '../dist');

async function openStore(config: DemoConfig) {
  if (config.databaseUrl) {
    const { postgresStore } = await import('@segment-webhook/store-postgres');
    return { store: postgresStore({ connectionString: config.databaseUrl }), description: 'PostgreSQL' };
  }
  const { sqliteStore } = await import('@segment-webhook/store-sqlite');
  mkdirSync(config.dataDir, { recursive: true });
  const filename = path.join(config.dataDir, 'segment-webhooks.sqlite');
  return { store: sqliteStore({ filename }), description: `SQLite (${filename})` };
}

/** Starts the demo: store, Segment target, service, worker and HTTP server. */
export async function startDemo(config: DemoConfig, logger: Logger): Promise<RunningDemo> {
  const { key: encryptionKey, generated } = loadEncryptionKey(config.dataDir, config.encryptionKey);
  if (generated) logger.info({ dataDir: config.dataDir }, 'Generated an encryption key for write keys');

  const { store, description: storeDescription } = await openStore(config);

  let sink: SegmentSink | null = null;
  let endpoints: { us?: string; eu?: string } | undefined;
  let segmentDescription: string;
  switch (config.segment.mode) {
    case 'sink': {
      sink = await startSegmentSink({ port: 0 });
      endpoints = { us: sink.url, eu: sink.url };
      segmentDescription = `the local Segment sink at ${sink.url} (both regions)`;
      break;
    }
    case 'custom': {
      endpoints = {
        ...(config.segment.us && { us: config.segment.us }),
        ...(config.segment.eu && { eu: config.segment.eu }),
      };
      segmentDescription = `US ${config.segment.us ?? 'api.segment.io'}, EU ${config.segment.eu ?? 'events.eu1.segmentapis.com'}`;
      break;
    }
    case 'live':
      segmentDescription = "Segment's real hosts (SEGMENT_LIVE=1)";
      break;
  }

  const plan = () => INCLUDED_OUTBOUND_STREAMS;
  const retryPolicy = config.retryBaseMs === null ? undefined : { baseDelayMs: config.retryBaseMs };
  // The demo's own registry (a test process starts several demos), with Node's default metrics beside the kit's.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createPrometheusMetrics({ store, registry });
  // The alert hooks: into the server log (the kit logs each one) and the header's bell.
  let service: SegmentWebhookServiceInstance | null = null;
  const notifications = createDemoNotifications(() => service!);
  const hooks = {
    onWebhookHealthChange: notifications.onWebhookHealthChange,
    onDeliveriesFailed: notifications.onDeliveriesFailed,
  };
  const worker = createDeliveryWorker({
    store,
    encryptionKey,
    endpoints,
    retryPolicy,
    logger,
    metrics,
    ...hooks,
    stopTimeoutMs: SHUTDOWN_GRACE_MS,
  });
  // Test can send one of the events the demo's ingest accepted lately instead of the sample.
  const recent = new RecentActivities();
  // The worker runs in this process: ingest hands it new deliveries already leased (no claim query).
  const created = createSegmentWebhookService({
    store,
    encryptionKey,
    plan,
    endpoints,
    retryPolicy,
    logger,
    worker,
    recentActivities: (accountId) => recent.of(accountId),
    metrics,
    ...hooks,
  });
  const ingest = created.ingest.bind(created);
  created.ingest = async (accountId, input) => {
    const result = await ingest(accountId, input);
    recent.record(accountId, input);
    return result;
  };
  service = created;
  await store.migrate();
  worker.start();
  const health = createHealthHandlers({ store, worker });

  const app = express();
  app.disable('x-powered-by');
  // Host routes: liveness, readiness and the kit's metrics, for the orchestrator and Prometheus.
  app.get(
    '/healthz',
    toNodeListener(async (request) => health.liveness(request)),
  );
  app.get('/readyz', toNodeListener(health.readiness));
  app.get('/metrics', toNodeListener(metrics.handler));
  app.use(
    API_PATH,
    createSegmentWebhookRouter({
      service: created,
      resolveAccount,
      // The settings history names who changed what: the demo's signed-in user.
      resolveActor: currentUser,
      catalog: {
        activities: ACTIVITIES.map(({ id, name }) => ({ id, name })),
        fields: { person: [...PERSON_FIELDS], activity: [...ACTIVITY_FIELDS] },
      },
      logger,
    }),
  );
  app.get('/api/demo/info', (request, response) => {
    response.json({
      account: resolveAccount(request),
      accounts: ACCOUNTS,
      segment: { mode: config.segment.mode, description: segmentDescription },
      store: config.databaseUrl ? 'postgres' : 'sqlite',
    });
  });
  app.use('/api/demo/debugger', createDebuggerRouter(sink, config.segment.mode));
  app.use(
    '/api/demo/notifications',
    notifications.router((request) => resolveAccount(request) ?? ''),
  );
  app.use('/api', (_request, response) => {
    response
      .status(404)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: 'Not Found', status: 404 });
  });

  if (existsSync(DIST_DIR)) {
    app.use(express.static(DIST_DIR, { index: false, maxAge: '1h' }));
    // The dashboard routes in the browser: every other GET gets the app's page.
    app.get(/^\/(?!api\/).*/, (_request, response) => {
      response.setHeader('cache-control', 'no-cache');
      response.sendFile(path.join(DIST_DIR, 'index.html'));
    });
  } else {
    app.get('/', (_request, response) => {
      response.type('text/plain').send('The dashboard is not built: run `pnpm --filter @segment-webhook/demo build`.');
    });
  }

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, () => resolve(listening));
    listening.once('error', reject);
  });
  // Requests in progress, for a graceful stop; not the live streams (Server-Sent Events: the logs' tail and
  // the debugger, at …/stream), which never end by themselves.
  const inProgress = new Set<ServerResponse>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (new URL(request.url ?? '/', 'http://demo').pathname.endsWith('/stream')) return;
    inProgress.add(response);
    response.once('close', () => inProgress.delete(response));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ store: storeDescription }, 'Store opened');

  return {
    app,
    server,
    url: `http://localhost:${port}`,
    sink,
    segmentDescription,
    metrics,
    health,
    notifications,
    async close() {
      // No new connections, and none kept alive idle; the worker claims nothing more.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const workerStopped = worker.stop();
      // The requests in flight finish (within the grace period); live streams do not wait.
      const deadline = Date.now() + SHUTDOWN_GRACE_MS;
      while (inProgress.size > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      server.closeAllConnections();
      await closed;
      await workerStopped;
      // Deliveries handed to the worker by requests that finished after it stopped: their leases go back too.
      await worker.stop();
      await created.close();
      await sink?.close();
      await store.close();
    },
  };
}
