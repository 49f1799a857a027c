/**
 * The kit in a Next.js server: started once per process (instrumentation.ts starts it at boot; the route
 * handler awaits the same promise), and the fetch handler the route serves.
 */
import { catalog, resolveAccount, startKit } from '@segment-webhook/example-shared';
import { createSegmentWebhookHandler, type SegmentWebhookHandler } from '@segment-webhook/server';

// Next bundles the route and instrumentation separately: one instance per process, on globalThis.
const global = globalThis as { segmentWebhookHandler?: Promise<SegmentWebhookHandler> };

export function segmentWebhookHandler(): Promise<SegmentWebhookHandler> {
  global.segmentWebhookHandler ??= startKit().then(({ kit }) =>
    createSegmentWebhookHandler({
      basePath: '/api/segment-webhooks',
      service: kit.service,
      catalog,
      resolveAccount, // x-account-id header, else the `account` cookie, else `demo`
    }),
  );
  return global.segmentWebhookHandler;
}
