/**
 * The kit's server side from the environment, as the demo runs it: the store (SQLite in DATA_DIR, or
 * PostgreSQL with DATABASE_URL), the encryption key (SEGMENT_ENCRYPTION_KEY, else generated once in DATA_DIR),
 * Segment (the endpoints, Segment itself with SEGMENT_LIVE=1, else the local sink), and the delivery worker.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { consoleJsonLogger, createSegmentWebhooks, type SegmentWebhooks, type Store } from '@segment-webhook/core';
import { createPrometheusMetrics, type PrometheusMetrics } from '@segment-webhook/prometheus';
import { createHealthHandlers, type HealthHandlers } from '@segment-webhook/server';
import { type SegmentSink, startSegmentSink } from '@segment-webhook/testing';
import { plan } from './catalog';
import { type ExampleEnv, readEnv } from './env';

export interface RunningKit {
  env: ExampleEnv;
  kit: SegmentWebhooks;
  /** The local Segment sink, when no endpoint is configured. */
  sink: SegmentSink | null;
  /** The kit's Prometheus metrics (prom-client's default registry): mount `metrics.handler` at GET /metrics. */
  metrics: PrometheusMetrics;
  /** Liveness and readiness: mount them at GET /healthz and GET /readyz. */
  health: HealthHandlers;
  close(): Promise<void>;
}

export async function startKit(env: ExampleEnv = readEnv()): Promise<RunningKit> {
  const store = await openStore(env);
  let sink: SegmentSink | null = null;
  let endpoints: { us?: string; eu?: string } | undefined;
  if (env.segment.mode === 'sink') {
    sink = await startSegmentSink({ port: 0 });
    endpoints = { us: sink.url, eu: sink.url };
  } else if (env.segment.mode === 'custom') {
    endpoints = {
      ...(env.segment.us ? { us: env.segment.us } : {}),
      ...(env.segment.eu ? { eu: env.segment.eu } : {}),
    };
  }
  const metrics = createPrometheusMetrics({ store });
  const kit = createSegmentWebhooks({
    store,
    encryptionKey: env.encryptionKey ?? keyInDataDir(env.dataDir),
    plan,
    ...(endpoints ? { segment: { endpoints } } : {}),
    ...(env.retryBaseMs === null ? {} : { retryPolicy: { baseDelayMs: env.retryBaseMs } }),
    logger: consoleJsonLogger,
    metrics,
    // The alert hooks: a host e-mails its customer or shows a notification; the examples log them.
    onWebhookHealthChange: (change) =>
      console.log(`[example] ${change.name}: ${change.from} → ${change.to} (${change.reason})`),
    onDeliveriesFailed: (summary) =>
      console.log(`[example] ${summary.failed} deliveries failed (${summary.webhookId})`),
  });
  kit.start();
  const health = createHealthHandlers({ store, worker: kit.worker });
  const where = sink
    ? `the local Segment sink at ${sink.url}`
    : env.segment.mode === 'live'
      ? 'Segment'
      : 'SEGMENT_*_ENDPOINT';
  console.log(`[example] Segment: ${where}; data: ${env.databaseUrl ? 'PostgreSQL' : env.dataDir}`);
  return {
    env,
    kit,
    sink,
    metrics,
    health,
    async close() {
      await kit.close();
      await sink?.close();
      await store.close();
    },
  };
}

async function openStore(env: ExampleEnv): Promise<Store> {
  if (env.databaseUrl) {
    const { postgresStore } = await import('@segment-webhook/store-postgres');
    return postgresStore({ connectionString: env.databaseUrl });
  }
  const { sqliteStore } = await import('@segment-webhook/store-sqlite');
  return sqliteStore({ filename: path.join(env.dataDir, 'segment-webhooks.sqlite') });
}

/** The demo's key file: generated on the first start, readable by the owner only, never overwritten. */
function keyInDataDir(dataDir: string): string {
  const file = path.join(dataDir, 'encryption.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  try {
    writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch {
    return readFileSync(file, 'utf8').trim();
  }
}
