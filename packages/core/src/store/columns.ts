import type { WebhookPatch } from './types';

/**
 * The SQL column of each {@link WebhookPatch} key. Both bundled stores name their `webhooks` columns
 * alike (snake_case), so an `updateWebhook` can build its `SET` list from this one table.
 */
export const WEBHOOK_PATCH_COLUMNS: Readonly<Record<keyof WebhookPatch, string>> = {
  name: 'name',
  trackEventName: 'track_event_name',
  region: 'region',
  sendActivityPayload: 'send_activity_payload',
  fields: 'fields',
  status: 'status',
  healthState: 'health_state',
  healthReason: 'health_reason',
  healthSince: 'health_since',
  refusedBatches: 'refused_batches',
  writeKeyCiphertext: 'write_key_ciphertext',
  writeKeyHint: 'write_key_hint',
  writeKeyFingerprint: 'write_key_fingerprint',
  disconnectedAt: 'disconnected_at',
  updatedAt: 'updated_at',
};
