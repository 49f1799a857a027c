/**
 * The demo's notifications: what the kit's alert hooks report (a webhook needs attention or is healthy
 * again, deliveries failed), kept in memory per account for the header's bell, newest first. A host would
 * e-mail its customer or show an in-app notification from the same hooks.
 */
import type { DeliveriesFailedSummary, SegmentWebhookService, WebhookHealthChange } from '@segment-webhook/core';
import { type Request, Router } from 'express';

/** One notification, as `GET /api/demo/notifications` lists it. */
export interface DemoNotification {
  /** Increasing: the bell counts those above the last one seen. */
  id: number;
  kind: 'needs_attention' | 'healthy' | 'deliveries_failed';
  webhookId: string;
  webhookName: string;
  title: string;
  detail: string;
  at: string;
}

/** Most notifications kept per account. */
export const MAX_NOTIFICATIONS = 50;

/** The notifications of every account, fed by the kit's alert hooks. */
export interface DemoNotifications {
  onWebhookHealthChange(change: WebhookHealthChange): void;
  onDeliveriesFailed(summary: DeliveriesFailedSummary): Promise<void>;
  list(accountId: string): DemoNotification[];
  /** `GET /` → `{items}` of the request's account. */
  router(resolveAccount: (request: Request) => string): Router;
}

export function createDemoNotifications(service: () => SegmentWebhookService): DemoNotifications {
  const byAccount = new Map<string, DemoNotification[]>();
  let sequence = 0;
  const add = (accountId: string, notification: Omit<DemoNotification, 'id'>) => {
    const list = byAccount.get(accountId) ?? [];
    list.unshift({ id: ++sequence, ...notification });
    if (list.length > MAX_NOTIFICATIONS) list.length = MAX_NOTIFICATIONS;
    byAccount.set(accountId, list);
  };
  return {
    onWebhookHealthChange(change) {
      add(change.accountId, {
        kind: change.to === 'needs_attention' ? 'needs_attention' : 'healthy',
        webhookId: change.webhookId,
        webhookName: change.name,
        title: change.to === 'needs_attention' ? `${change.name} needs attention` : `${change.name} is healthy again`,
        detail: change.reason,
        at: change.at,
      });
    },
    async onDeliveriesFailed(summary) {
      const webhook = await service()
        .getWebhook(summary.accountId, summary.webhookId)
        .catch(() => null);
      const name = webhook?.name ?? 'A Segment webhook';
      add(summary.accountId, {
        kind: 'deliveries_failed',
        webhookId: summary.webhookId,
        webhookName: name,
        title: `${summary.failed} ${summary.failed === 1 ? 'delivery' : 'deliveries'} to ${name} failed`,
        detail: summary.sample[0]?.error ?? '',
        at: summary.at,
      });
    },
    list(accountId) {
      return [...(byAccount.get(accountId) ?? [])];
    },
    router(resolveAccount) {
      const router = Router();
      router.get('/', (request, response) => {
        response.set('cache-control', 'no-store').json({ items: this.list(resolveAccount(request)) });
      });
      return router;
    },
  };
}
