import type { AlertHooks, MetricsRecorder } from './engine/observe';
import { createDeliveryWorker, type DeliveryWorker, type DeliveryWorkerOptions } from './engine/worker';
import { createSegmentClient } from './segment/client';
import type { RetryPolicy } from './segment/retry';
import type { SegmentClient, SegmentClientOptions } from './segment/types';
import type { Logger } from './service/logger';
import {
  createSegmentWebhookService,
  type SegmentWebhookServiceInstance,
  type SegmentWebhookServiceOptions,
} from './service/service';
import type { Store } from './store/types';

/** Options both the service and the worker take: given once here. */
type SharedOption =
  | 'store'
  | 'client'
  | 'clientOptions'
  | 'endpoints'
  | 'encryptionKey'
  | 'allowInsecureDevelopmentKey'
  | 'retryPolicy'
  | 'logger'
  | 'now'
  | 'metrics'
  | 'onWebhookHealthChange'
  | 'onDeliveriesFailed';

/** Options of {@link createSegmentWebhooks}. */
export interface SegmentWebhooksOptions extends AlertHooks {
  /** Where webhooks, routes and deliveries live (`sqliteStore(...)`, `postgresStore(...)`). */
  store: Store;
  /**
   * The 32-byte key that encrypts write keys at rest (base64 or hex), e.g. `process.env.SEGMENT_ENCRYPTION_KEY`.
   * Required unless `allowInsecureDevelopmentKey` is true.
   */
  encryptionKey?: string | Uint8Array | null | undefined;
  /** Use a fixed, public development key when `encryptionKey` is missing. Never in production. Default false. */
  allowInsecureDevelopmentKey?: boolean | undefined;
  /**
   * Where and how to reach Segment, for the Test button and for deliveries alike: `endpoints` per region
   * (a proxy, a local sink; default Segment's hosts), timeouts, connections. One client serves both.
   */
  segment?: SegmentClientOptions | undefined;
  /** Outbound activity streams included in the account's plan. */
  plan: SegmentWebhookServiceOptions['plan'];
  /** Backoff and limits of retries. Default `DEFAULT_RETRY_POLICY`. */
  retryPolicy?: Partial<RetryPolicy> | undefined;
  /** Where the service and the worker log (pino works as it is). Default: silent. */
  logger?: Logger | undefined;
  /**
   * Where the service's and the worker's measurements go: e.g. `createPrometheusMetrics({ store })` of
   * `@segment-webhook/prometheus`. Default: none.
   */
  metrics?: MetricsRecorder | undefined;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
  /** The service's own options (retention, ids…). */
  service?: Partial<Omit<SegmentWebhookServiceOptions, SharedOption | 'plan' | 'worker'>> | undefined;
  /**
   * The worker's own options (batch size, concurrency, lease…), or `false` for a process that only serves
   * the API while other processes deliver (PostgreSQL). Default: a worker in this process.
   */
  worker?: Partial<Omit<DeliveryWorkerOptions, SharedOption>> | false | undefined;
}

/** The kit's server side, configured once. */
export interface SegmentWebhooks {
  /** The service the HTTP layer serves. */
  service: SegmentWebhookServiceInstance;
  /** The delivery worker, or `null` with `worker: false`. Started by {@link SegmentWebhooks.start}. */
  worker: DeliveryWorker | null;
  /** The Segment client both share. */
  client: SegmentClient;
  /** Starts the worker (idempotent). */
  start(): void;
  /** Stops the worker (gracefully), the service and the client. Not the store, which the host owns. */
  close(): Promise<void>;
}

/**
 * The service and the delivery worker from one options object: the store, the encryption key, Segment's
 * endpoints, the retry policy and the logger are given once, and one Segment client serves both. The worker
 * runs in this process, and new deliveries are handed to it in memory (the service's `worker` option).
 *
 * ```ts
 * const kit = createSegmentWebhooks({ store, encryptionKey: process.env.SEGMENT_ENCRYPTION_KEY, plan: () => 5 });
 * kit.start(); // …then serve kit.service over HTTP; on shutdown: await kit.close(); await store.close();
 * ```
 */
export function createSegmentWebhooks(options: SegmentWebhooksOptions): SegmentWebhooks {
  const client = createSegmentClient(options.segment ?? {});
  const shared = {
    store: options.store,
    client,
    ...(options.encryptionKey === undefined ? {} : { encryptionKey: options.encryptionKey }),
    ...(options.allowInsecureDevelopmentKey === undefined
      ? {}
      : { allowInsecureDevelopmentKey: options.allowInsecureDevelopmentKey }),
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(options.onWebhookHealthChange === undefined ? {} : { onWebhookHealthChange: options.onWebhookHealthChange }),
    ...(options.onDeliveriesFailed === undefined ? {} : { onDeliveriesFailed: options.onDeliveriesFailed }),
  };
  const worker = options.worker === false ? null : createDeliveryWorker({ ...options.worker, ...shared });
  const service = createSegmentWebhookService({
    ...options.service,
    ...shared,
    plan: options.plan,
    ...(worker ? { worker } : {}),
  });
  let closed = false;
  return {
    service,
    worker,
    client,
    start() {
      // The schema now, not at the first request: a process is ready (its readiness check passes) only
      // once it is migrated, and an API-only process (worker: false) gets no request before that.
      options.store.migrate().catch((error: unknown) => {
        options.logger?.error(
          { error: error instanceof Error ? error.message : String(error) },
          'Migrating the store failed; the readiness check reports it until it succeeds',
        );
      });
      worker?.start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await worker?.stop();
      await service.close();
      await client.close();
    },
  };
}
