// The server README's node:http recipe, as the conformance suite runs it (`node:http` target).
import http from 'node:http';
import type { SegmentWebhookHandler } from '@segment-webhook/server';
import { toNodeListener } from '@segment-webhook/server/node';

export function nodeHttpServer(handler: SegmentWebhookHandler): http.Server {
  const server = http.createServer(toNodeListener(handler));
  return server;
}
