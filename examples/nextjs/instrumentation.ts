// Starts the kit (store, Segment or the local sink, the delivery worker) when the server starts.
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { segmentWebhookHandler } = await import('./lib/segment-webhooks');
    await segmentWebhookHandler();
  }
}
