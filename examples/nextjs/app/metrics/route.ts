// Host routes: GET /metrics, one of the kit's fetch handlers (health checks and metrics), beside app/api.
import { segmentWebhookKit } from '../../lib/segment-webhooks';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  return (await segmentWebhookKit()).metrics.handler(request);
}
