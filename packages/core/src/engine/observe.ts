/**
 * What the service and the worker tell the host as they work: metrics (a {@link MetricsRecorder}, e.g. the
 * Prometheus one of `@segment-webhook/prometheus`) and alert hooks for the customer
 * ({@link AlertHooks}: a webhook's health changed, deliveries failed). Browser-safe, no dependencies: the
 * kit calls plain functions and the host decides where they go.
 */
import type { Region } from '../contract/index';
import type { Logger } from '../service/logger';
import type { WebhookHealthState } from '../store/types';

/** How a delivery attempt ended, as the `outcome` label of `segment_webhook_deliveries_total`. */
export type DeliveryOutcomeLabel = 'delivered' | 'retried' | 'failed';

/** The class of Segment's answer: `network` for no answer (refused, reset, timed out). */
export type SegmentStatusClass = '2xx' | '4xx' | '5xx' | 'network';

/** One HTTP request to Segment (a batch; a split or bisected batch makes several). */
export interface SegmentRequestObservation {
  region: Region;
  statusClass: SegmentStatusClass;
  /** From sending to reading the answer, in seconds. */
  durationSeconds: number;
  /** Messages (events) in the request. */
  messages: number;
}

/**
 * Receives the kit's measurements as they happen, in this process. Every method must return at once and
 * never throw (the kit calls them on its hot path).
 */
export interface MetricsRecorder {
  /** Events accepted by ingest (and Send to webhook), committed to the outbox. */
  eventsIngested(accountId: string, count: number): void;
  /** Delivery attempts recorded by this process's worker, by outcome. */
  deliveriesCompleted(outcome: DeliveryOutcomeLabel, accountId: string, webhookId: string, count: number): void;
  /** One HTTP request to Segment made by this process. */
  segmentRequest(request: SegmentRequestObservation): void;
}

/** The status class of an HTTP status, or of no answer (`null`). */
export function statusClassOf(httpStatus: number | null): SegmentStatusClass {
  if (httpStatus === null) return 'network';
  if (httpStatus < 300) return '2xx';
  if (httpStatus < 500) return '4xx';
  return '5xx';
}

/** A change of a webhook's health, once per change (see {@link AlertHooks.onWebhookHealthChange}). */
export interface WebhookHealthChange {
  accountId: string;
  webhookId: string;
  /** The webhook's name, for a message to the customer. */
  name: string;
  from: WebhookHealthState;
  to: WebhookHealthState;
  /**
   * Why: for `needs_attention`, what Segment answered (the reason the webhook shows); for `healthy`, what
   * released the held deliveries (resumed, or the settings edited).
   */
  reason: string;
  /** When it changed (ISO 8601). */
  at: string;
}

/** One failed delivery of a {@link DeliveriesFailedSummary}. */
export interface FailedDeliverySample {
  deliveryId: string;
  eventId: string;
  messageId: string;
  /** Why it failed (Segment's answer or the kit's reason; never the write key). */
  error: string;
  httpStatus: number | null;
}

/** Deliveries of one webhook that failed for good, summed up (see {@link AlertHooks.onDeliveriesFailed}). */
export interface DeliveriesFailedSummary {
  accountId: string;
  webhookId: string;
  /** How many deliveries failed since the previous summary of this webhook (in this process). */
  failed: number;
  /** The first few of them (at most {@link FAILED_SAMPLE_SIZE}). */
  sample: FailedDeliverySample[];
  /** When the summary was made (ISO 8601). */
  at: string;
}

/** Most failed deliveries a {@link DeliveriesFailedSummary} shows: 5. */
export const FAILED_SAMPLE_SIZE = 5;
/** Default shortest interval between two summaries of one webhook: 60 s. */
export const DEFAULT_FAILURE_SUMMARY_INTERVAL_MS = 60_000;

/**
 * Callbacks that tell the host's customer about their webhooks (e-mail, an in-app notification…). They are
 * called after the change is committed, off the delivery path: a callback that throws is logged, one that
 * is slow (returns a promise that takes its time) is not waited for — neither blocks nor loses a delivery.
 */
export interface AlertHooks {
  /**
   * Every change of a webhook's health — healthy → needs attention (with Segment's reason) and back — once
   * per change, not once per batch or per process: the worker reports the transitions the store made
   * atomically (`recordBatches`), the service the resumes and edits that cleared one.
   */
  onWebhookHealthChange?: ((change: WebhookHealthChange) => void | Promise<void>) | undefined;
  /**
   * Deliveries that failed for good (refused by Segment, out of attempts or age), summed up per webhook: at
   * most one summary per webhook every `failureSummaryIntervalMs` (60 s) in each process — the first failures
   * at once, the later ones gathered until the interval has passed.
   */
  onDeliveriesFailed?: ((summary: DeliveriesFailedSummary) => void | Promise<void>) | undefined;
}

/** Calls `hook` with `event` on a later turn; a throw or a rejection is logged, never thrown or awaited. */
export function callHook<E extends { accountId: string; webhookId: string }>(
  name: string,
  hook: ((event: E) => void | Promise<void>) | undefined,
  event: E,
  logger: Logger,
): void {
  if (!hook) return;
  const failed = (error: unknown) =>
    logger.error(
      {
        accountId: event.accountId,
        webhookId: event.webhookId,
        hook: name,
        error: error instanceof Error ? error.message : String(error),
      },
      `The ${name} callback failed`,
    );
  setTimeout(() => {
    try {
      const result = hook(event);
      if (result && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).catch(failed);
    } catch (error) {
      failed(error);
    }
  }, 0);
}

/** Gathers failed deliveries per webhook into {@link DeliveriesFailedSummary}s (see `onDeliveriesFailed`). */
export interface FailureSummaries {
  /** Adds failed deliveries of one webhook. */
  add(accountId: string, webhookId: string, failures: readonly FailedDeliverySample[]): void;
  /** Sends what is gathered now (on stop), whatever the interval. */
  flush(): void;
}

/** The summaries of one worker. */
export function createFailureSummaries(options: {
  hook: AlertHooks['onDeliveriesFailed'];
  intervalMs: number;
  now: () => number;
  logger: Logger;
}): FailureSummaries {
  const { hook, intervalMs, now, logger } = options;
  interface Pending {
    accountId: string;
    failed: number;
    sample: FailedDeliverySample[];
    lastSentAt: number;
    timer: ReturnType<typeof setTimeout> | null;
  }
  const byWebhook = new Map<string, Pending>();

  function send(webhookId: string, pending: Pending): void {
    if (pending.timer) clearTimeout(pending.timer);
    pending.timer = null;
    if (pending.failed === 0) return;
    const summary: DeliveriesFailedSummary = {
      accountId: pending.accountId,
      webhookId,
      failed: pending.failed,
      sample: pending.sample,
      at: new Date(now()).toISOString(),
    };
    pending.failed = 0;
    pending.sample = [];
    pending.lastSentAt = now();
    logger.warn(
      { accountId: summary.accountId, webhookId, failed: summary.failed, sample: summary.sample },
      'Segment webhook deliveries failed',
    );
    callHook('onDeliveriesFailed', hook, summary, logger);
  }

  return {
    add(accountId, webhookId, failures) {
      if (failures.length === 0) return;
      let pending = byWebhook.get(webhookId);
      if (!pending) {
        pending = { accountId, failed: 0, sample: [], lastSentAt: Number.NEGATIVE_INFINITY, timer: null };
        byWebhook.set(webhookId, pending);
      }
      pending.failed += failures.length;
      for (const failure of failures) {
        if (pending.sample.length < FAILED_SAMPLE_SIZE) pending.sample.push(failure);
      }
      if (pending.timer) return;
      const wait = pending.lastSentAt + intervalMs - now();
      if (wait <= 0) {
        send(webhookId, pending);
        return;
      }
      const current = pending;
      current.timer = setTimeout(() => send(webhookId, current), wait);
      (current.timer as { unref?: () => void }).unref?.();
    },
    flush() {
      for (const [webhookId, pending] of byWebhook) send(webhookId, pending);
    },
  };
}
