import type {
  ActivityEventInput,
  CreateWebhookRequest,
  DeliveryChange,
  DeliveryDetail,
  DeliveryPage,
  ExportDeliveriesQuery,
  ExportFormat,
  HistoryQuery,
  IngestResponse,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  Overview,
  OverviewRange,
  RecentActivityEvents,
  ReconnectRequest,
  ReconnectResponse,
  ReplayRequest,
  ReplayResponse,
  RetryFailedResponse,
  SendToWebhookRequest,
  SendToWebhookResponse,
  TestResult,
  TestSavedWebhookRequest,
  TestWebhookRequest,
  UpdateWebhookRequest,
  Usage,
  Webhook,
  WebhookHistory,
} from '../contract/index';

/** Who makes a change of settings (recorded in the webhook's history). */
export interface ChangeContext {
  /** The person as the host names them (e.g. its current user's name), or null/absent when unknown. */
  actor?: string | null | undefined;
}

/** A delivery export, ready to stream: the body is produced page by page as it is read. */
export interface DeliveryExport {
  format: ExportFormat;
  /** `segment-deliveries-<webhook>-<time>.<format>`, safe in a `Content-Disposition` header. */
  filename: string;
  /** `application/x-ndjson; charset=utf-8` or `text/csv; charset=utf-8`. */
  contentType: string;
  /**
   * The file's text, in chunks of one page of deliveries (a few hundred rows): reading it reads the store
   * in keyset pages, so memory stays bounded however many deliveries match. Read it once.
   */
  body: AsyncIterable<string>;
}

/** An activity's Data destination. */
export interface Route {
  activityId: string;
  webhookId: string;
}

/** Stops a subscription. */
export type Unsubscribe = () => void;

/**
 * The framework-agnostic service behind the REST API. Every call is scoped to an account id the
 * host has already resolved; nothing crosses accounts (another account's id is `not_found`).
 *
 * Inputs are validated with the contract's schemas (unknown input is accepted and parsed): bad input
 * throws `SegmentWebhookError('validation_error')` and changes nothing. Unknown ids throw
 * `not_found`; lifecycle conflicts throw `invalid_state`; routing past the plan throws
 * `stream_limit_reached`. Delivery outcomes are never thrown: they are recorded on deliveries.
 */
export interface SegmentWebhookService {
  // Webhooks -----------------------------------------------------------------------------------
  /**
   * Creates an `active`, `healthy` webhook at version 1 (its first history entry names every setting; the
   * write key only as changed). The write key is encrypted at rest.
   */
  createWebhook(accountId: string, input: CreateWebhookRequest | unknown, context?: ChangeContext): Promise<Webhook>;
  /** The account's webhooks, oldest first, optionally of one status. */
  listWebhooks(accountId: string, query?: ListWebhooksQuery | unknown): Promise<Webhook[]>;
  getWebhook(accountId: string, webhookId: string): Promise<Webhook>;
  /**
   * Partial update. Editing the settings of a webhook that needs attention makes it healthy again. A patch
   * that changes something makes a new version with a history entry (who, when, each setting's old and new
   * value; the write key only as changed); one that changes nothing keeps the version.
   */
  updateWebhook(
    accountId: string,
    webhookId: string,
    patch: UpdateWebhookRequest | unknown,
    context?: ChangeContext,
  ): Promise<Webhook>;
  /** The settings history, newest version first, cursor-paginated. */
  history(accountId: string, webhookId: string, query?: HistoryQuery | unknown): Promise<WebhookHistory>;
  /**
   * Sends one track message (with `integrations: {All: false}`) with an unsaved configuration: the sample,
   * or the recent activity event named by `activityEventId` (see {@link SegmentWebhookService.recentActivityEvents}).
   */
  testConfiguration(accountId: string, config: TestWebhookRequest | unknown): Promise<TestResult>;
  /** Sends one track message with the saved configuration: the sample, or the recent activity event named. */
  testWebhook(accountId: string, webhookId: string, input?: TestSavedWebhookRequest | unknown): Promise<TestResult>;
  /**
   * The account's recent activity events, from the host's `recentActivities` option (empty without it):
   * what Test can send instead of the sample.
   */
  recentActivityEvents(accountId: string): Promise<RecentActivityEvents>;

  // Lifecycle ----------------------------------------------------------------------------------
  /** active → disconnected: nothing new is sent; queued deliveries are held. */
  disconnect(accountId: string, webhookId: string): Promise<Webhook>;
  /**
   * disconnected → active: held deliveries go out. With `{backfill: true}`, the deliveries skipped since it
   * was disconnected are queued too (their original messageIds and timestamps); `backfilled` counts them.
   */
  reconnect(accountId: string, webhookId: string, input?: ReconnectRequest | unknown): Promise<ReconnectResponse>;
  /** disconnected → archived: releases the webhook's outbound activity streams. */
  archive(accountId: string, webhookId: string): Promise<Webhook>;
  /** archived → disconnected. */
  unarchive(accountId: string, webhookId: string): Promise<Webhook>;
  /** Deletes an archived webhook and its deliveries; `invalid_state` otherwise. */
  deleteWebhook(accountId: string, webhookId: string): Promise<void>;
  /** Releases the held deliveries of a webhook that needs attention and marks it healthy. */
  resume(accountId: string, webhookId: string): Promise<Webhook>;

  // Routing and billing ------------------------------------------------------------------------
  /** The account's routed activities. */
  listRoutes(accountId: string): Promise<Route[]>;
  /**
   * Routes an activity to a webhook of the account (`webhookId` null clears it). Routing one more
   * activity past the plan's included streams throws `stream_limit_reached`; re-routing an already
   * counted activity does not count twice. An archived webhook cannot be a destination.
   */
  setDestination(accountId: string, activityId: string, webhookId: string | null): Promise<Route | null>;
  /** Outbound activity streams in use (activities routed to a non-archived webhook) against the plan. */
  usage(accountId: string): Promise<Usage>;

  // Ingest -------------------------------------------------------------------------------------
  /**
   * Accepts activity events and fans each out to the webhook its activity is routed to. Everything is
   * committed before the promise resolves. Reporting the same event id again creates no new delivery.
   */
  ingest(accountId: string, events: ActivityEventInput[] | unknown): Promise<IngestResponse>;
  /** The journey and playbook action **Send to webhook**. */
  sendToWebhook(
    accountId: string,
    webhookId: string,
    request: SendToWebhookRequest | unknown,
  ): Promise<SendToWebhookResponse>;

  // Deliveries ---------------------------------------------------------------------------------
  /** Newest first, cursor-paginated. */
  listDeliveries(accountId: string, webhookId: string, query?: ListDeliveriesQuery | unknown): Promise<DeliveryPage>;
  getDelivery(accountId: string, webhookId: string, deliveryId: string): Promise<DeliveryDetail>;
  /** Schedules a failed delivery again (same messageId and timestamp); `invalid_state` unless failed. */
  retryDelivery(accountId: string, webhookId: string, deliveryId: string): Promise<DeliveryDetail>;
  /** Schedules every failed delivery of the webhook again. */
  retryFailed(accountId: string, webhookId: string): Promise<RetryFailedResponse>;
  /**
   * Sends again the deliveries created in [from, to) whose status is in `statuses` (default failed): each
   * is requeued — a new attempt of the same delivery, same messageId and timestamp. `withinDedupWindow`
   * counts those Segment first accepted less than 24 h ago (it will drop them as duplicates).
   */
  replay(accountId: string, webhookId: string, input: ReplayRequest | unknown): Promise<ReplayResponse>;
  /** Every delivery matching the list's filters, newest first, as NDJSON or CSV, streamed (see {@link DeliveryExport}). */
  exportDeliveries(
    accountId: string,
    webhookId: string,
    query?: ExportDeliveriesQuery | unknown,
  ): Promise<DeliveryExport>;
  /** Live changes of one webhook's deliveries (created, attempted, delivered, failed, retried). */
  subscribe(accountId: string, webhookId: string, listener: (change: DeliveryChange) => void): Promise<Unsubscribe>;
  /** Counts, time series, success rate, last delivery and lag for a range. */
  overview(accountId: string, webhookId: string, range?: OverviewRange): Promise<Overview>;

  // Maintenance --------------------------------------------------------------------------------
  /** Deletes deliveries older than the retention age, in bounded batches; returns how many. */
  prune(): Promise<number>;
}
