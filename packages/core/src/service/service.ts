/**
 * The service for Node: the portable service (`createServiceWith`) with the Node cipher (node:crypto) and
 * the undici Segment client.
 */
import { createWriteKeyCipher } from '../crypto/write-key-cipher';
import { createSegmentClient } from '../segment/client';
import type { SegmentClient, SegmentClientOptions } from '../segment/types';
import {
  createServiceWith,
  type SegmentWebhookServiceBaseOptions,
  type SegmentWebhookServiceInstance,
} from './portable-service';

export {
  DEFAULT_PRUNE_BATCH_SIZE,
  DEFAULT_RETENTION_MS,
  type SegmentWebhookServiceBaseOptions,
  type SegmentWebhookServiceInstance,
  STORE_FAILURE_ERRORS,
  storeFailureError,
} from './portable-service';

/** Options of {@link createSegmentWebhookService}. */
export interface SegmentWebhookServiceOptions extends SegmentWebhookServiceBaseOptions {
  /** The Segment client for the Test button. Default: `createSegmentClient(clientOptions)`, closed by `close()`. */
  client?: SegmentClient;
  /** Options of the default client. Ignored when `client` is given. */
  clientOptions?: SegmentClientOptions;
  /** Shortcut for `clientOptions.endpoints` (Segment base URL per region). */
  endpoints?: SegmentClientOptions['endpoints'];
  /**
   * The 32-byte key that encrypts write keys at rest (base64 or hex). Required unless
   * `allowInsecureDevelopmentKey` is true; see `createWriteKeyCipher`.
   */
  encryptionKey?: string | Uint8Array | null | undefined;
  /** Use a fixed, public development key when `encryptionKey` is missing. Never in production. Default false. */
  allowInsecureDevelopmentKey?: boolean;
}

/**
 * Creates the framework-agnostic service behind the REST API (see `SegmentWebhookService` for each
 * method's contract). It validates input with the contract's schemas, scopes everything to the account,
 * commits accepted events to the store's outbox before returning, and never sends deliveries itself: run
 * `createDeliveryWorker` alongside (same store) for that.
 *
 * Decisions worth knowing:
 * - Events of an activity routed to a disconnected or archived webhook create no delivery (it "sends
 *   nothing new"); those routed to an active webhook that needs attention are created and held.
 * - Sending to a webhook that is not active is `invalid_state`.
 * - An event whose Segment message would exceed 32 KB rejects the whole ingest call
 *   (`message_too_large`), before anything is committed.
 * - Held deliveries are derived (`heldReason`), never rewritten: reconnect/resume simply lets them be claimed.
 */
export function createSegmentWebhookService(options: SegmentWebhookServiceOptions): SegmentWebhookServiceInstance {
  const cipher = createWriteKeyCipher({
    encryptionKey: options.encryptionKey ?? null,
    allowInsecureDevelopmentKey: options.allowInsecureDevelopmentKey ?? false,
  });
  const ownsClient = !options.client;
  let client: SegmentClient | null = options.client ?? null;
  return createServiceWith(options, {
    cipher,
    getClient() {
      client ??= createSegmentClient({
        ...options.clientOptions,
        ...(options.endpoints ? { endpoints: { ...options.clientOptions?.endpoints, ...options.endpoints } } : {}),
      });
      return client;
    },
    async closeClient() {
      if (ownsClient && client) await client.close();
      client = null;
    },
  });
}
