import type { SegmentWebhookService } from '@segment-webhook/core';
import {
  createAdapterHandler,
  notFoundResponse,
  type ResolvedAccount,
  type ResolvedActor,
  type SegmentWebhookHandlerCommonOptions,
  type ServiceSource,
} from '@segment-webhook/server';
import { sendWebResponse, toWebRequest, unreadableRequestResponse } from '@segment-webhook/server/node';
import express, { type Request, type Router } from 'express';

/** Options of {@link createSegmentWebhookRouter} besides where the service comes from. */
export interface SegmentWebhookRouterBaseOptions extends SegmentWebhookHandlerCommonOptions {
  /**
   * The account of a request, from the host's own authentication (session, token…). `null`,
   * `undefined` or `''` answer 401 `unauthorized`; a throw is logged and answered with a 500.
   * Not called for `GET /openapi.json`.
   */
  resolveAccount: (req: Request) => ResolvedAccount | Promise<ResolvedAccount>;
  /**
   * Who makes a request that changes a webhook's settings, as its settings history names them (e.g. the
   * signed-in user's name). Absent, or answering nothing: `actor: null`.
   */
  resolveActor?: ((req: Request) => ResolvedActor | Promise<ResolvedActor>) | undefined;
  /**
   * Answer requests that match no route under the mount point with a 404 problem. Default `true`;
   * set `false` when mounting at the root of an app that has other routes.
   */
  handleUnknownRoutes?: boolean | undefined;
}

/**
 * Options of {@link createSegmentWebhookRouter}: either a ready `service`, or what it takes to make one
 * (`store`, `encryptionKey`, `plan`, `endpoints`, …: every option of `createSegmentWebhookService`). The
 * router does not deliver: run a delivery worker on the same store alongside.
 */
export type SegmentWebhookRouterOptions = SegmentWebhookRouterBaseOptions & ServiceSource;

/** The router, with the service it serves (the one given, or the one it created). */
export type SegmentWebhookRouter = Router & { readonly service: SegmentWebhookService };

/**
 * An Express 5 router with the whole REST API: a bridge to `@segment-webhook/server`'s fetch handler.
 * Mount it behind the host's authentication:
 * `app.use('/api/segment-webhooks', createSegmentWebhookRouter({...}))`. It reads JSON bodies itself (so
 * the host's body parsers are not needed; a body one of them already parsed is used as it is) and answers
 * every error as an RFC 9457 `application/problem+json`.
 */
export function createSegmentWebhookRouter(options: SegmentWebhookRouterOptions): SegmentWebhookRouter {
  const { resolveAccount, resolveActor, handleUnknownRoutes = true } = options;
  // Inside a router `req.url` is relative to the mount point, so the handler's base path is the root.
  const handler = createAdapterHandler<Request>({
    ...options,
    basePath: '',
    resolveAccount: (_request, req) => resolveAccount(req),
    resolveActor: resolveActor ? (_request, req) => resolveActor(req) : undefined,
  });

  const router = express.Router();
  router.use(async (req, res, next) => {
    let request: globalThis.Request;
    try {
      // A host parser (`express.json()`) may have consumed the stream already: its result is the body.
      const parsedBody = req.readableEnded && req.body !== undefined ? req.body : undefined;
      request = toWebRequest(req, res, { url: req.url, parsedBody });
    } catch {
      await sendWebResponse(res, unreadableRequestResponse());
      return;
    }
    const response = await handler.handle(request, req, { mountPath: req.baseUrl || '/' });
    if (response) await sendWebResponse(res, response);
    else if (handleUnknownRoutes) await sendWebResponse(res, notFoundResponse());
    else next();
  });
  return Object.assign(router, { service: handler.service });
}
