/**
 * The kit in a Next.js server: started once per process (instrumentation.ts starts it at boot; the route
 * handler awaits the same promise), and the fetch handler the route serves.
 */
import { catalog, type RunningKit, resolveAccount, startKit } from '@segment-webhook/example-shared';
import { createSegmentWebhookHandler, type SegmentWebhookHandler } from '@segment-webhook/server';

// Next bundles the routes and instrumentation separately: one instance per process, on globalThis.
const global = globalThis as { segmentWebhookKit?: Promise<RunningKit & { handler: SegmentWebhookHandler }> };

/** The kit of this process (store, Segment or the local sink, the worker, metrics and health checks). */
export function segmentWebhookKit(): Promise<RunningKit & { handler: SegmentWebhookHandler }> {
  global.segmentWebhookKit ??= startKit().then((running) => ({
    ...running,
    handler: createSegmentWebhookHandler({
      basePath: '/api/segment-webhooks',
      service: running.kit.service,
      catalog,
      resolveAccount, // x-account-id header, else the `account` cookie, else `demo`
    }),
  }));
  return global.segmentWebhookKit;
}

export async function segmentWebhookHandler(): Promise<SegmentWebhookHandler> {
  return (await segmentWebhookKit()).handler;
}
