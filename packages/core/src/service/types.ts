import type {
  ActivityEventInput,
  CreateWebhookRequest,
  DeliveryChange,
  DeliveryDetail,
  DeliveryPage,
  IngestResponse,
  ListDeliveriesQuery,
  ListWebhooksQuery,
  Overview,
  OverviewRange,
  RetryFailedResponse,
  SendToWebhookRequest,
  SendToWebhookResponse,
  TestResult,
  TestWebhookRequest,
  UpdateWebhookRequest,
  Usage,
  Webhook,
} from '../contract/index';

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
  /** Creates an `active`, `healthy` webhook. The write key is encrypted at rest. */
  createWebhook(accountId: string, input: CreateWebhookRequest | unknown): Promise<Webhook>;
  /** The account's webhooks, oldest first, optionally of one status. */
  listWebhooks(accountId: string, query?: ListWebhooksQuery | unknown): Promise<Webhook[]>;
  getWebhook(accountId: string, webhookId: string): Promise<Webhook>;
  /** Partial update. Editing the settings of a webhook that needs attention makes it healthy again. */
  updateWebhook(accountId: string, webhookId: string, patch: UpdateWebhookRequest | unknown): Promise<Webhook>;
  /** Sends one sample track message (with `integrations: {All: false}`) with an unsaved configuration. */
  testConfiguration(accountId: string, config: TestWebhookRequest | unknown): Promise<TestResult>;
  /** Sends one sample track message with the saved configuration. */
  testWebhook(accountId: string, webhookId: string): Promise<TestResult>;

  // Lifecycle ----------------------------------------------------------------------------------
  /** active → disconnected: nothing new is sent; queued deliveries are held. */
  disconnect(accountId: string, webhookId: string): Promise<Webhook>;
  /** disconnected → active: held deliveries go out. */
  reconnect(accountId: string, webhookId: string): Promise<Webhook>;
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
  /** Live changes of one webhook's deliveries (created, attempted, delivered, failed, retried). */
  subscribe(accountId: string, webhookId: string, listener: (change: DeliveryChange) => void): Promise<Unsubscribe>;
  /** Counts, time series, success rate, last delivery and lag for a range. */
  overview(accountId: string, webhookId: string, range?: OverviewRange): Promise<Overview>;

  // Maintenance --------------------------------------------------------------------------------
  /** Deletes deliveries older than the retention age, in bounded batches; returns how many. */
  prune(): Promise<number>;
}
