import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';
import { createKitBackend } from '../test/backend';
import { createSegmentWebhookApi } from './client';
import {
  deliveriesInfiniteQueryOptions,
  lifecycleMutationOptions,
  replayDeliveriesMutationOptions,
  segmentWebhookKeys,
  usageQueryOptions,
  webhookQueryOptions,
  webhooksQueryOptions,
} from './queries';

async function setup() {
  const backend = await createKitBackend({ orders: { events: 120, days: 10 } });
  const api = createSegmentWebhookApi({ baseUrl: '/api/segment-webhooks', fetch: backend.fetch });
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return { backend, api, queryClient };
}

describe('query keys', () => {
  it('nest under one root so a host can invalidate everything at once', () => {
    expect(segmentWebhookKeys.deliveryList('wh', { status: 'failed' })).toEqual([
      'segment-webhook',
      'webhooks',
      'detail',
      'wh',
      'deliveries',
      'list',
      { status: 'failed' },
    ]);
    expect(segmentWebhookKeys.usage()[0]).toBe('segment-webhook');
  });
});

describe('queryOptions factories', () => {
  it('page deliveries over the cursor until the last page', async () => {
    const { api, queryClient } = await setup();
    const options = deliveriesInfiniteQueryOptions(api, 'wh_orders', { limit: 50 });
    await queryClient.fetchInfiniteQuery(options);
    let data = queryClient.getQueryData(options.queryKey)!;
    expect(data.pages[0]!.items).toHaveLength(50);
    expect(data.pageParams).toEqual([null]);
    await queryClient.fetchInfiniteQuery({ ...options, pages: 3 });
    data = queryClient.getQueryData(options.queryKey)!;
    expect(data.pages.map((p) => p.items.length)).toEqual([50, 50, 20]);
    expect(data.pages.at(-1)!.nextCursor).toBeNull();
    const ids = data.pages.flatMap((p) => p.items.map((d) => d.id));
    expect(new Set(ids).size).toBe(120);
  });

  it('a lifecycle mutation stores the webhook and refreshes lists and usage', async () => {
    const { api, queryClient } = await setup();
    await queryClient.fetchQuery(webhooksQueryOptions(api));
    await queryClient.fetchQuery(usageQueryOptions(api));
    const mutation = lifecycleMutationOptions(api, queryClient);
    const webhook = await mutation.mutationFn!({ id: 'wh_orders', action: 'disconnect' }, {} as never);
    await mutation.onSuccess!(webhook, { id: 'wh_orders', action: 'disconnect' }, undefined, {} as never);
    expect(queryClient.getQueryData(webhookQueryOptions(api, 'wh_orders').queryKey)?.status).toBe('disconnected');
    expect(queryClient.getQueryState(webhooksQueryOptions(api).queryKey)?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(usageQueryOptions(api).queryKey)?.isInvalidated).toBe(true);
  });

  it('a replay refreshes the webhook’s deliveries with their filters, and not other webhooks', async () => {
    const { api, queryClient } = await setup();
    const filtered = deliveriesInfiniteQueryOptions(api, 'wh_orders', {
      q: 'person_1',
      from: '2026-11-20T00:00:00.000Z',
    });
    const other = deliveriesInfiniteQueryOptions(api, 'wh_survey');
    await queryClient.fetchInfiniteQuery(filtered);
    await queryClient.fetchInfiniteQuery(other);
    const mutation = replayDeliveriesMutationOptions(api, queryClient);
    const variables = {
      id: 'wh_orders',
      body: { from: '2026-11-01T00:00:00.000Z', to: '2026-11-28T00:00:00.000Z' },
    };
    const result = await mutation.mutationFn!(variables, {} as never);
    expect(result.queued).toBeGreaterThan(0);
    await mutation.onSuccess!(result, variables, undefined, {} as never);
    expect(queryClient.getQueryState(filtered.queryKey)?.isInvalidated).toBe(true);
    expect(queryClient.getQueryState(other.queryKey)?.isInvalidated).toBe(false);
  });
});
