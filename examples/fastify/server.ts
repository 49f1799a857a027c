/**
 * The Segment webhook kit in a Fastify app: `pnpm start`, then http://localhost:3000. The kit's API is the
 * Fastify plugin, registered with the prefix /api/segment-webhooks; the page is ../shared/page, built to dist/.
 */
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { accountOf, catalog, startKit } from '@segment-webhook/example-shared';
import { segmentWebhookFrameworkErrors, segmentWebhookPlugin } from '@segment-webhook/fastify-adapter';
import Fastify, { type FastifyReply } from 'fastify';

const { env, kit, metrics, health, close } = await startKit(); // store, Segment (or the local sink) and the worker, from the env

// frameworkErrors: a URL Fastify cannot decode under the prefix is answered as the kit's problem+json too.
const app = Fastify({ frameworkErrors: segmentWebhookFrameworkErrors('/api/segment-webhooks') });
await app.register(segmentWebhookPlugin, {
  prefix: '/api/segment-webhooks',
  service: kit.service,
  catalog,
  // x-account-id header, else the `account` cookie, else `demo`
  resolveAccount: (request) => accountOf(request.headers['x-account-id']?.toString(), request.headers.cookie),
});

// Host routes: the host's own endpoints go here. The kit's health checks and metrics are fetch handlers.
const send = async (reply: FastifyReply, response: Response) =>
  reply
    .code(response.status)
    .headers(Object.fromEntries(response.headers))
    .send(await response.text());
app.get('/healthz', (_request, reply) => send(reply, health.liveness()));
app.get('/readyz', async (_request, reply) => send(reply, await health.readiness()));
app.get('/metrics', async (_request, reply) => send(reply, await metrics.handler()));

await app.register(fastifyStatic, { root: path.resolve('dist') });

const address = await app.listen({ port: env.port, host: '::' });
console.log(`[example] Fastify example on ${address.replace('[::]', 'localhost')}`);
process.once(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(close)
      .then(() => process.exit(0)),
);
process.once(
  'SIGINT',
  () =>
    void app
      .close()
      .then(close)
      .then(() => process.exit(0)),
);
