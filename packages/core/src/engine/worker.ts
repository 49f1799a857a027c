/**
 * The delivery worker for Node: the portable worker (`createWorkerWith`) with the Node cipher
 * (node:crypto) and the undici Segment client.
 */
import { createWriteKeyCipher } from '../crypto/write-key-cipher';
import { createSegmentClient } from '../segment/client';
import type { SegmentClient, SegmentClientOptions } from '../segment/types';
import { createWorkerWith, type DeliveryWorker, type DeliveryWorkerBaseOptions } from './portable-worker';

export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEASE_MS,
  DEFAULT_NEEDS_ATTENTION_AFTER,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PRUNE_INTERVAL_MS,
  DEFAULT_REQUESTS_PER_SECOND_PER_KEY,
  DEFAULT_STOP_TIMEOUT_MS,
  DEFAULT_WORKER_RETENTION_MS,
  type DeliveryWorker,
  type DeliveryWorkerBaseOptions,
  type DeliveryWorkerStatus,
} from './portable-worker';

/** Options of {@link createDeliveryWorker}. */
export interface DeliveryWorkerOptions extends DeliveryWorkerBaseOptions {
  /** The Segment client. Default: `createSegmentClient(clientOptions)`, closed by `stop()`. */
  client?: SegmentClient;
  /** Options of the default client. Ignored when `client` is given. */
  clientOptions?: SegmentClientOptions;
  /** Shortcut for `clientOptions.endpoints` (Segment base URL per region). */
  endpoints?: SegmentClientOptions['endpoints'];
  /** The key write keys were encrypted with (same as the service's). Required unless `allowInsecureDevelopmentKey`. */
  encryptionKey?: string | Uint8Array | null | undefined;
  /** Use the fixed, public development key when `encryptionKey` is missing. Never in production. Default false. */
  allowInsecureDevelopmentKey?: boolean;
}

/**
 * Creates a delivery worker. Call `start()`; it wakes at once on new work (the store's `onWork`), so a
 * lone event goes out immediately, and under load each round claims what accumulated (adaptive batching).
 * Outcomes: delivered; retried with the policy's backoff or the server's `Retry-After`; failed when Segment
 * refuses permanently or the attempts or age run out. A 429 pauses the write key (for every webhook with
 * that key, in every process) without counting as an attempt. Write key and region are read at claim time.
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const cipher = createWriteKeyCipher({
    encryptionKey: options.encryptionKey ?? null,
    allowInsecureDevelopmentKey: options.allowInsecureDevelopmentKey ?? false,
  });
  const client =
    options.client ??
    createSegmentClient({
      ...options.clientOptions,
      ...(options.endpoints ? { endpoints: { ...options.clientOptions?.endpoints, ...options.endpoints } } : {}),
    });
  return createWorkerWith(options, { cipher, client, ownsClient: !options.client });
}
