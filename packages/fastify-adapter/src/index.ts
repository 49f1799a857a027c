/**
 * `@segment-webhook/fastify-adapter`: the Segment webhook kit's REST API as a Fastify 5 plugin, a bridge to
 * `@segment-webhook/server`'s fetch handler. Register it with a prefix:
 * `app.register(segmentWebhookPlugin, { prefix: '/api/segment-webhooks', service, resolveAccount, catalog })`.
 */
import type { SegmentWebhookService } from '@segment-webhook/core';
import {
  createAdapterHandler,
  notFoundResponse,
  type ResolvedAccount,
  type ResolvedActor,
  type SegmentWebhookHandlerCommonOptions,
  type ServiceSource,
} from '@segment-webhook/server';
import { toWebRequest, unreadableRequestResponse } from '@segment-webhook/server/node';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';

/** Options of {@link segmentWebhookPlugin} (besides Fastify's own `prefix`, which sets where it is served). */
export type SegmentWebhookPluginOptions = SegmentWebhookHandlerCommonOptions &
  ServiceSource & {
    /**
     * The account of a request, from the host's own authentication (e.g. `request.user` set by an auth
     * plugin). `null`, `undefined` or `''` answer 401; a throw is logged and answered with a 500. Not called
     * for `GET /openapi.json`.
     */
    resolveAccount: (request: FastifyRequest) => ResolvedAccount | Promise<ResolvedAccount>;
    /**
     * Who makes a request that changes a webhook's settings, as its settings history names them. Absent, or
     * answering nothing: `actor: null`.
     */
    resolveActor?: ((request: FastifyRequest) => ResolvedActor | Promise<ResolvedActor>) | undefined;
    /** Called once with the service the plugin serves (the one given, or the one it created). */
    onService?: ((service: SegmentWebhookService) => void) | undefined;
  };

/** Fastify's own options of `register` that are not the kit's. */
const FASTIFY_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers']);

/**
 * The plugin. It is encapsulated (not wrapped with `fastify-plugin`): its body handling applies only under
 * its prefix. Every path under the prefix is the kit's: unknown ones answer a 404 problem. The kit reads
 * request bodies itself (limits, content type, depth), so Fastify's body parsers are switched off there.
 */
export async function segmentWebhookPlugin(fastify: FastifyInstance, options: SegmentWebhookPluginOptions) {
  const { resolveAccount, resolveActor, onService, ...rest } = options;
  const kitOptions = Object.fromEntries(
    Object.entries(rest).filter(([key]) => !FASTIFY_OPTIONS.has(key)),
  ) as typeof rest;
  const handler = createAdapterHandler<FastifyRequest>({
    ...kitOptions,
    basePath: fastify.prefix,
    resolveAccount: (_request, request) => resolveAccount(request),
    resolveActor: resolveActor ? (_request, request) => resolveActor(request) : undefined,
  });
  onService?.(handler.service);

  // Leave the body stream unread: the handler reads it, with the kit's limits.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    let webRequest: Request;
    try {
      webRequest = toWebRequest(request.raw, reply.raw);
    } catch {
      return reply.send(unreadableRequestResponse());
    }
    const response = (await handler.handle(webRequest, request)) ?? notFoundResponse();
    return reply.send(response);
  };
  fastify.all('/', serve);
  fastify.all('/*', serve);
}

/**
 * Fastify's `frameworkErrors` option for a server with the plugin at `prefix`. Fastify answers a URL that is
 * not valid percent-encoding itself, before any plugin runs, with its own JSON; under `prefix` this answers
 * the kit's 400 problem+json instead, as every other host does. Other errors keep Fastify's answer.
 *
 * `Fastify({ frameworkErrors: segmentWebhookFrameworkErrors('/api/segment-webhooks') })`
 */
export function segmentWebhookFrameworkErrors(prefix: string): NonNullable<FastifyServerOptions['frameworkErrors']> {
  const base = prefix.replace(/\/+$/, '');
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const path = (request.raw.url ?? '').split('?')[0] ?? '';
    if (error.code === 'FST_ERR_BAD_URL' && (path === base || path.startsWith(`${base}/`))) {
      return reply.send(unreadableRequestResponse());
    }
    return reply.send(error);
  };
}
