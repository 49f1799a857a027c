import type { Region } from '../contract/index';
import type { ClaimedDelivery, NewDelivery } from './types';

/** The webhook columns a claimed delivery carries, as a store read them. */
export interface ClaimWebhookColumns {
  writeKeyCiphertext: string;
  writeKeyFingerprint: string;
  region: Region;
  webhookVersion: number;
}

/**
 * The {@link ClaimedDelivery} of a delivery that a store has just inserted already leased (claim at
 * insert, see `Store.insertDeliveries`' `lease` option): a fresh pending row with no attempt yet, due
 * again at `leaseUntil` should its owner die. Shared by every store so they return identical records.
 */
export function claimedAtInsert(
  delivery: NewDelivery,
  leaseUntil: number,
  webhook: ClaimWebhookColumns,
): ClaimedDelivery {
  return {
    id: delivery.id,
    accountId: delivery.accountId,
    webhookId: delivery.webhookId,
    eventId: delivery.eventId,
    personId: delivery.personId,
    activityId: delivery.activityId,
    source: delivery.source,
    status: 'pending',
    messageId: delivery.messageId,
    attemptCount: 0,
    countedAttempts: 0,
    occurredAt: delivery.occurredAt,
    createdAt: delivery.createdAt,
    updatedAt: delivery.createdAt,
    cycleStartedAt: delivery.createdAt,
    nextAttemptAt: leaseUntil,
    deliveredAt: null,
    firstDeliveredAt: null,
    lastError: null,
    lastHttpStatus: null,
    configVersion: delivery.configVersion ?? null,
    // The caller's own message object: nothing in the store refers to it.
    message: delivery.message,
    ...(delivery.messageJson !== undefined ? { messageJson: delivery.messageJson } : {}),
    writeKeyCiphertext: webhook.writeKeyCiphertext,
    writeKeyFingerprint: webhook.writeKeyFingerprint,
    region: webhook.region,
    webhookVersion: webhook.webhookVersion,
  };
}
