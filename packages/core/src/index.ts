/**
 * `@segment-webhook/core`: payload building, Segment delivery, the durable delivery engine, the
 * service API and the `Store` interface. Node only; the browser-safe part is
 * `@segment-webhook/core/contract`.
 */
export type { Route, SegmentWebhookService, Unsubscribe } from './service/types';
