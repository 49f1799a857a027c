/**
 * The Segment webhook kit in an Express app: `pnpm start`, then http://localhost:3000. The kit's API is
 * `createSegmentWebhookRouter()` at /api/segment-webhooks; the page is ../shared/page, built to dist/.
 */
import { accountOf, catalog, startKit } from '@segment-webhook/example-shared';
import { createSegmentWebhookRouter } from '@segment-webhook/express-adapter';
import { toNodeListener } from '@segment-webhook/server/node';
import express from 'express';

const { env, kit, metrics, health, close } = await startKit(); // store, Segment (or the local sink) and the worker, from the env

const app = express();
app.use(
  '/api/segment-webhooks',
  createSegmentWebhookRouter({
    service: kit.service,
    catalog,
    // x-account-id header, else the `account` cookie, else `demo`
    resolveAccount: (req) => accountOf(req.get('x-account-id'), req.get('cookie')),
  }),
);

// Host routes: the host's own endpoints go here. The kit's health checks and metrics are fetch handlers.
app.get(
  '/healthz',
  toNodeListener(async (request) => health.liveness(request)),
);
app.get('/readyz', toNodeListener(health.readiness));
app.get('/metrics', toNodeListener(metrics.handler));

app.use(express.static('dist'));

const server = app.listen(env.port, () => {
  console.log(`[example] Express example on http://localhost:${(server.address() as { port: number }).port}`);
});
process.once('SIGTERM', () => server.close(() => void close().then(() => process.exit(0))));
process.once('SIGINT', () => server.close(() => void close().then(() => process.exit(0))));
