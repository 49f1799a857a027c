// Every route of the kit's API, through the framework-free fetch handler.
import { segmentWebhookHandler } from '../../../../lib/segment-webhooks';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const handle = async (request: Request) => (await segmentWebhookHandler())(request);

export { handle as DELETE, handle as GET, handle as HEAD, handle as PATCH, handle as POST, handle as PUT };
