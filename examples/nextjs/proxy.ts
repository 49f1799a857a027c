// Next decodes the catch-all's path itself and answers a malformed percent-encoding with a bare 500; under
// the kit's base path that is the kit's 400 problem+json, as on every other host.
import { SegmentWebhookError } from '@segment-webhook/core/contract';
import { problemResponse } from '@segment-webhook/server';

export function proxy(request: Request): Response | undefined {
  try {
    decodeURIComponent(new URL(request.url).pathname);
    return undefined;
  } catch {
    return problemResponse(new SegmentWebhookError('validation_error', 'The path is not valid percent-encoding.'));
  }
}

export const config = { matcher: '/api/segment-webhooks/:path*' };
