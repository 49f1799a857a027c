/**
 * The Segment webhook kit in a Hono app: `pnpm start`, then http://localhost:3000. The kit's API is the
 * framework-free fetch handler, mounted at /api/segment-webhooks; the page is ../shared/page, built to dist/.
 */
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { catalog, resolveAccount, startKit } from '@segment-webhook/example-shared';
import { createSegmentWebhookHandler } from '@segment-webhook/server';
import { Hono } from 'hono';

const { env, kit, metrics, health, close } = await startKit(); // store, Segment (or the local sink) and the worker, from the env

const handler = createSegmentWebhookHandler({
  basePath: '/api/segment-webhooks',
  service: kit.service,
  catalog,
  resolveAccount, // x-account-id header, else the `account` cookie, else `demo`
});

const app = new Hono();
app.all('/api/segment-webhooks/*', (c) => handler(c.req.raw));

// Host routes: the host's own endpoints go here. The kit's health checks and metrics are fetch handlers.
app.get('/healthz', (c) => health.liveness(c.req.raw));
app.get('/readyz', (c) => health.readiness(c.req.raw));
app.get('/metrics', (c) => metrics.handler(c.req.raw));

app.use('/*', serveStatic({ root: './dist' }));

const server = serve({ fetch: app.fetch, port: env.port }, ({ port }) => {
  console.log(`[example] Hono example on http://localhost:${port}`);
});
process.once('SIGTERM', () => server.close(() => void close().then(() => process.exit(0))));
process.once('SIGINT', () => server.close(() => void close().then(() => process.exit(0))));
