import type {
  Activity,
  DeliveryPage,
  ListWebhooksQuery,
  OverviewRange,
  ReplayRequest,
  SendToWebhookRequest,
  TestWebhookRequest,
  UpdateWebhookRequest,
  Webhook,
  WebhookHistory,
} from '@segment-webhook/core/contract';
import { infiniteQueryOptions, mutationOptions, type QueryClient, queryOptions } from '@tanstack/react-query';
import type { DeliveriesQuery, SegmentWebhookApi, WebhookHistoryQuery } from './client';

/** Filters of the deliveries list (the query of `GET /webhooks/:id/deliveries` without the cursor). */
export type DeliveryFilters = Omit<DeliveriesQuery, 'cursor'>;

/**
 * Every query key of the kit, in one place. All start with `'segment-webhook'` so a host sharing
 * its QueryClient can invalidate the kit's data at once.
 */
export const segmentWebhookKeys = {
  all: ['segment-webhook'] as const,
  webhooks: () => [...segmentWebhookKeys.all, 'webhooks'] as const,
  webhookList: (query: ListWebhooksQuery = {}) => [...segmentWebhookKeys.webhooks(), 'list', query] as const,
  webhook: (id: string) => [...segmentWebhookKeys.webhooks(), 'detail', id] as const,
  overview: (id: string, range: OverviewRange) => [...segmentWebhookKeys.webhook(id), 'overview', range] as const,
  deliveries: (id: string) => [...segmentWebhookKeys.webhook(id), 'deliveries'] as const,
  deliveryList: (id: string, filters: DeliveryFilters = {}) =>
    [...segmentWebhookKeys.deliveries(id), 'list', filters] as const,
  delivery: (id: string, deliveryId: string) => [...segmentWebhookKeys.deliveries(id), 'detail', deliveryId] as const,
  activities: () => [...segmentWebhookKeys.all, 'activities'] as const,
  fields: () => [...segmentWebhookKeys.all, 'fields'] as const,
  usage: () => [...segmentWebhookKeys.all, 'usage'] as const,
};

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/** `GET /webhooks`: the account's webhooks. */
export function webhooksQueryOptions(api: SegmentWebhookApi, query: ListWebhooksQuery = {}) {
  return queryOptions({
    queryKey: segmentWebhookKeys.webhookList(query),
    queryFn: ({ signal }) => api.listWebhooks(query, { signal }),
  });
}

/** `GET /webhooks/:id` */
export function webhookQueryOptions(api: SegmentWebhookApi, id: string) {
  return queryOptions({
    queryKey: segmentWebhookKeys.webhook(id),
    queryFn: ({ signal }) => api.getWebhook(id, { signal }),
  });
}

/** `GET /webhooks/:id/overview?range=` (default range `24h`). */
export function overviewQueryOptions(api: SegmentWebhookApi, id: string, range: OverviewRange = '24h') {
  return queryOptions({
    queryKey: segmentWebhookKeys.overview(id, range),
    queryFn: ({ signal }) => api.getOverview(id, range, { signal }),
  });
}

/** `GET /webhooks/:id/deliveries`, page by page over the cursor (newest first). */
export function deliveriesInfiniteQueryOptions(api: SegmentWebhookApi, id: string, filters: DeliveryFilters = {}) {
  return infiniteQueryOptions({
    queryKey: segmentWebhookKeys.deliveryList(id, filters),
    queryFn: ({ pageParam, signal }): Promise<DeliveryPage> =>
      api.listDeliveries(id, { ...filters, ...(pageParam ? { cursor: pageParam } : {}) }, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** `GET /webhooks/:id/deliveries/:deliveryId` */
export function deliveryQueryOptions(api: SegmentWebhookApi, id: string, deliveryId: string) {
  return queryOptions({
    queryKey: segmentWebhookKeys.delivery(id, deliveryId),
    queryFn: ({ signal }) => api.getDelivery(id, deliveryId, { signal }),
  });
}

/** `GET /activities` */
export function activitiesQueryOptions(api: SegmentWebhookApi) {
  return queryOptions({
    queryKey: segmentWebhookKeys.activities(),
    queryFn: ({ signal }) => api.listActivities({ signal }),
  });
}

/** `GET /fields`: the catalog changes rarely, so it stays fresh for 5 minutes. */
export function fieldCatalogQueryOptions(api: SegmentWebhookApi) {
  return queryOptions({
    queryKey: segmentWebhookKeys.fields(),
    queryFn: ({ signal }) => api.getFieldCatalog({ signal }),
    staleTime: 5 * 60_000,
  });
}

/** `GET /usage` */
export function usageQueryOptions(api: SegmentWebhookApi) {
  return queryOptions({
    queryKey: segmentWebhookKeys.usage(),
    queryFn: ({ signal }) => api.getUsage({ signal }),
  });
}

// ---------------------------------------------------------------------------------------------
// Mutations: each updates or invalidates exactly the data it changes.
// ---------------------------------------------------------------------------------------------

/** Puts a webhook returned by a mutation into the cache and refreshes the lists. */
function storeWebhook(queryClient: QueryClient, webhook: Webhook) {
  queryClient.setQueryData(segmentWebhookKeys.webhook(webhook.id), webhook);
  return queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.webhooks(), refetchType: 'active' });
}

/** `POST /webhooks` */
export function createWebhookMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationKey: [...segmentWebhookKeys.webhooks(), 'create'],
    mutationFn: (body: Parameters<SegmentWebhookApi['createWebhook']>[0]) => api.createWebhook(body),
    onSuccess: (webhook) => storeWebhook(queryClient, webhook),
  });
}

/** `POST /webhooks/test` (unsaved configuration). Changes nothing on the server. */
export function testConfigurationMutationOptions(api: SegmentWebhookApi) {
  return mutationOptions({
    mutationKey: [...segmentWebhookKeys.webhooks(), 'test'],
    mutationFn: (body: TestWebhookRequest) => api.testConfiguration(body),
  });
}

/**
 * `POST /webhooks/:id/test` (saved configuration): the webhook's id, or the id and the recent activity event
 * to send instead of the sample.
 */
export function testWebhookMutationOptions(api: SegmentWebhookApi) {
  return mutationOptions({
    mutationFn: (variables: string | { id: string; activityEventId?: string | undefined }) =>
      typeof variables === 'string'
        ? api.testWebhook(variables)
        : api.testWebhook(
            variables.id,
            variables.activityEventId !== undefined ? { activityEventId: variables.activityEventId } : undefined,
          ),
  });
}

/** `PATCH /webhooks/:id` */
export function updateWebhookMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: ({ id, patch }: { id: string; patch: UpdateWebhookRequest }) => api.updateWebhook(id, patch),
    onSuccess: (webhook) => storeWebhook(queryClient, webhook),
  });
}

/** A lifecycle transition of a webhook. */
export type LifecycleAction = 'disconnect' | 'reconnect' | 'archive' | 'unarchive' | 'resume';

/**
 * `POST /webhooks/:id/{disconnect,reconnect,archive,unarchive,resume}`. Archiving and unarchiving
 * change the outbound activity streams in use, so usage and activities are refreshed too.
 */
export function lifecycleMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: ({
      id,
      action,
      backfill,
    }: {
      id: string;
      action: LifecycleAction;
      /** Reconnect only: also queue the deliveries skipped while it was disconnected. */
      backfill?: boolean;
    }): Promise<Webhook & { backfilled?: number }> => {
      switch (action) {
        case 'disconnect':
          return api.disconnectWebhook(id);
        case 'reconnect':
          return api.reconnectWebhook(id, backfill !== undefined ? { backfill } : undefined);
        case 'archive':
          return api.archiveWebhook(id);
        case 'unarchive':
          return api.unarchiveWebhook(id);
        case 'resume':
          return api.resumeWebhook(id);
        default: {
          const never: never = action;
          throw new Error(`Unknown lifecycle action ${String(never)}`);
        }
      }
    },
    onSuccess: async ({ backfilled: _backfilled, ...webhook }) => {
      await Promise.all([
        storeWebhook(queryClient, webhook),
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.usage() }),
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.activities() }),
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.deliveries(webhook.id) }),
      ]);
    },
  });
}

/** `DELETE /webhooks/:id` */
export function deleteWebhookMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: (id: string) => api.deleteWebhook(id),
    onSuccess: async (_result, id) => {
      queryClient.removeQueries({ queryKey: segmentWebhookKeys.webhook(id) });
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.webhooks() }),
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.activities() }),
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.usage() }),
      ]);
    },
  });
}

/** `POST /webhooks/:id/deliveries/:deliveryId/retry` */
export function retryDeliveryMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: ({ id, deliveryId }: { id: string; deliveryId: string }) => api.retryDelivery(id, deliveryId),
    onSuccess: async (detail) => {
      queryClient.setQueryData(segmentWebhookKeys.delivery(detail.webhookId, detail.id), detail);
      await queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.webhook(detail.webhookId) });
    },
  });
}

/** `POST /webhooks/:id/deliveries/retry-failed` */
export function retryFailedMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: (id: string) => api.retryFailedDeliveries(id),
    onSuccess: (_result, id) => queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.webhook(id) }),
  });
}

/** `POST /webhooks/:id/replay`: refreshes the webhook's deliveries (and its overview) once queued. */
export function replayDeliveriesMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: ({ id, body }: { id: string; body: ReplayRequest }) => api.replayDeliveries(id, body),
    onSuccess: (_result, { id }) => queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.webhook(id) }),
  });
}

/** `POST /webhooks/:id/send` */
export function sendToWebhookMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: ({ id, body }: { id: string; body: SendToWebhookRequest }) => api.sendToWebhook(id, body),
    onSuccess: (_result, { id }) => queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.webhook(id) }),
  });
}

/**
 * `PUT|DELETE /activities/:activityId/destination`. Activities and usage are refreshed whatever the
 * outcome (a `stream_limit_reached` error means usage moved under the user's feet).
 */
export function setDestinationMutationOptions(api: SegmentWebhookApi, queryClient: QueryClient) {
  return mutationOptions({
    mutationFn: ({ activityId, webhookId }: { activityId: string; webhookId: string | null }) =>
      api.setActivityDestination(activityId, webhookId),
    onSuccess: (activity) => {
      queryClient.setQueryData(segmentWebhookKeys.activities(), (list: Activity[] | undefined) =>
        list?.map((item) => (item.id === activity.id ? activity : item)),
      );
    },
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.activities() }),
        queryClient.invalidateQueries({ queryKey: segmentWebhookKeys.usage() }),
      ]),
  });
}

// ---------------------------------------------------------------------------------------------
// Support tools (issue 15): settings history, recent activity events for Test
// ---------------------------------------------------------------------------------------------

/** Key of a webhook's settings history (under the webhook's key: refreshed whenever the webhook is). */
export const webhookHistoryKey = (id: string) => [...segmentWebhookKeys.webhook(id), 'history'] as const;

/** Key of the account's recent activity events. */
export const recentActivityEventsKey = () => [...segmentWebhookKeys.all, 'recent-activity-events'] as const;

/** `GET /webhooks/:id/history`: one page of the settings history (newest version first). */
export function webhookHistoryQueryOptions(api: SegmentWebhookApi, id: string, query: WebhookHistoryQuery = {}) {
  return queryOptions({
    queryKey: [...webhookHistoryKey(id), 'page', query] as const,
    queryFn: ({ signal }) => api.getWebhookHistory(id, query, { signal }),
  });
}

/** `GET /webhooks/:id/history`, page by page over the cursor (newest version first), `limit` per page. */
export function webhookHistoryInfiniteQueryOptions(api: SegmentWebhookApi, id: string, limit?: number) {
  return infiniteQueryOptions({
    queryKey: [...webhookHistoryKey(id), 'pages', limit ?? null] as const,
    queryFn: ({ pageParam, signal }): Promise<WebhookHistory> =>
      api.getWebhookHistory(
        id,
        { ...(pageParam ? { cursor: pageParam } : {}), ...(limit !== undefined ? { limit } : {}) },
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/**
 * `GET /activities/recent-events`: what **Test** can send instead of the sample. A host that provides none
 * answers an empty list (an older server a 404); the kit then offers the sample only, so it does not retry.
 */
export function recentActivityEventsQueryOptions(api: SegmentWebhookApi) {
  return queryOptions({
    queryKey: recentActivityEventsKey(),
    queryFn: ({ signal }) => api.listRecentActivityEvents({ signal }),
    staleTime: 30_000,
    retry: false,
  });
}
