/**
 * Domain rules shared by the server and the browser, defined once: the webhook lifecycle, why deliveries
 * are held, the backoff with jitter, and which deliveries a list filter matches. Plain TypeScript (browser-safe).
 */
import type { DeliveryStatus, HeldReason, WebhookStatus } from './schemas';
import { parseIsoDateTime } from './schemas';

// Lifecycle ------------------------------------------------------------------------------------

/** A lifecycle transition of a webhook, confirmed by the user. */
export type LifecycleAction = 'disconnect' | 'reconnect' | 'archive' | 'unarchive' | 'delete';

/** One lifecycle transition: the only status it starts from, and where it leads (`null`: the webhook is gone). */
export interface LifecycleTransition {
  from: WebhookStatus;
  to: WebhookStatus | null;
}

/**
 * The lifecycle: active ⇄ disconnected ⇄ archived, and delete only from archived. The service refuses
 * any other step with `invalid_state`; the UI offers only these.
 */
export const LIFECYCLE_TRANSITIONS: Readonly<Record<LifecycleAction, Readonly<LifecycleTransition>>> = Object.freeze({
  disconnect: Object.freeze({ from: 'active', to: 'disconnected' }),
  reconnect: Object.freeze({ from: 'disconnected', to: 'active' }),
  archive: Object.freeze({ from: 'disconnected', to: 'archived' }),
  unarchive: Object.freeze({ from: 'archived', to: 'disconnected' }),
  delete: Object.freeze({ from: 'archived', to: null }),
});

const LIFECYCLE_ORDER: readonly LifecycleAction[] = ['disconnect', 'reconnect', 'archive', 'unarchive', 'delete'];

/** The lifecycle actions a webhook in `status` allows, in the order of {@link LIFECYCLE_TRANSITIONS}. */
export function allowedLifecycleActions(status: WebhookStatus): LifecycleAction[] {
  return LIFECYCLE_ORDER.filter((action) => LIFECYCLE_TRANSITIONS[action].from === status);
}

// Held deliveries ------------------------------------------------------------------------------

/** What the held reason of a webhook depends on (a stored webhook record has these columns). */
export interface HeldReasonInput {
  status: WebhookStatus;
  healthState: 'healthy' | 'needs_attention';
}

/**
 * Why a webhook's unfinished deliveries are not being sent, or null when they are: a disconnected or
 * archived webhook holds them, and so does an active one that needs attention (a claim skips them all).
 * Status first: an archived webhook that also needs attention is `archived`.
 */
export function heldReasonOf(webhook: HeldReasonInput): HeldReason | null {
  if (webhook.status === 'disconnected') return 'disconnected';
  if (webhook.status === 'archived') return 'archived';
  if (webhook.healthState === 'needs_attention') return 'needs_attention';
  return null;
}

/**
 * A delivery's held reason: the webhook's ({@link heldReasonOf}) for an unfinished delivery (`pending` or
 * `retrying`: neither is claimed while held), null for a finished one.
 */
export function deliveryHeldReason(status: DeliveryStatus, webhookHeld: HeldReason | null): HeldReason | null {
  return status === 'pending' || status === 'retrying' ? webhookHeld : null;
}

/** Whether a delivery as the API shows it is held (see {@link deliveryHeldReason}). */
export function isHeld(delivery: { status: DeliveryStatus; heldReason: HeldReason | null }): boolean {
  return deliveryHeldReason(delivery.status, delivery.heldReason) !== null;
}

/**
 * What lets deliveries held for a reason go out: `resume` (or saving the settings) for one that needs
 * attention, `reconnect` for a disconnected one (an archived one is unarchived, then reconnected).
 */
export const HELD_RELEASED_BY: Readonly<Record<HeldReason, 'resume' | 'reconnect'>> = Object.freeze({
  needs_attention: 'resume',
  disconnected: 'reconnect',
  archived: 'reconnect',
});

// Backoff --------------------------------------------------------------------------------------

/** The shape of an exponential backoff. */
export interface Backoff {
  /** Delay before the first retry, before jitter, in ms. */
  baseDelayMs: number;
  /** Growth of the delay per retry. */
  factor: number;
  /** Longest delay, in ms. */
  maxDelayMs: number;
}

/**
 * The one backoff of the kit (the delivery worker's retries, the UI's live-feed reconnects, the PostgreSQL
 * listener's reconnects). Delay before retry number `attempt` (0 for the first retry):
 * `min((1 + random) · base · factor^attempt, max)` — full jitter between 1× and 2× the exponential delay,
 * as the official `@segment/analytics-node` — rounded up to a whole millisecond (times at the store boundary
 * are integers: PostgreSQL keeps them in `bigint` columns). `random` returns [0, 1); default `Math.random`.
 */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  // A long outage's growth saturates instead of overflowing (0 × ∞ would be NaN).
  const exponential = backoff.baseDelayMs * Math.min(backoff.factor ** Math.max(0, attempt), Number.MAX_VALUE);
  return Math.ceil(Math.min((1 + random()) * exponential, backoff.maxDelayMs));
}

// Delivery filter ------------------------------------------------------------------------------

/** A filter of a webhook's deliveries (the delivery list's query, times in ms). Absent fields match anything. */
export interface DeliveryFilter {
  status?: DeliveryStatus;
  personId?: string;
  eventId?: string;
  /** The search box: the delivery's eventId, messageId or personId equals it. */
  q?: string;
  /** `createdAt >= from`. */
  from?: number;
  /** `createdAt < to`. */
  to?: number;
}

/** The delivery list's query fields that filter (ISO 8601 times, as in `listDeliveriesQuerySchema`). */
export interface DeliveryFilterQuery {
  status?: DeliveryStatus | null | undefined;
  personId?: string | null | undefined;
  eventId?: string | null | undefined;
  q?: string | null | undefined;
  from?: string | null | undefined;
  to?: string | null | undefined;
}

/** The {@link DeliveryFilter} of a delivery list query (empty values and the paging fields are ignored). */
export function deliveryFilterFromQuery(query: DeliveryFilterQuery): DeliveryFilter {
  const filter: DeliveryFilter = {};
  if (query.status) filter.status = query.status;
  if (query.personId) filter.personId = query.personId;
  if (query.eventId) filter.eventId = query.eventId;
  if (query.q) filter.q = query.q;
  if (query.from) filter.from = parseIsoDateTime(query.from);
  if (query.to) filter.to = parseIsoDateTime(query.to);
  return filter;
}

/** What {@link deliveryMatchesFilter} reads of a delivery: a stored record (ms) or the API's summary (ISO 8601). */
export interface FilterableDelivery {
  status: DeliveryStatus;
  personId: string;
  eventId: string;
  messageId: string;
  createdAt: number | string;
}

/**
 * Whether a delivery is in a filtered list: every given field equal (status, person id, event id), `q` equal
 * to its event id, messageId or person id, and `from <= createdAt < to`. The stores apply the same rule in
 * their queries; the live feed applies it to changes.
 */
export function deliveryMatchesFilter(delivery: FilterableDelivery, filter: DeliveryFilter): boolean {
  if (filter.status !== undefined && delivery.status !== filter.status) return false;
  if (filter.personId !== undefined && delivery.personId !== filter.personId) return false;
  if (filter.eventId !== undefined && delivery.eventId !== filter.eventId) return false;
  if (
    filter.q !== undefined &&
    delivery.eventId !== filter.q &&
    delivery.messageId !== filter.q &&
    delivery.personId !== filter.q
  ) {
    return false;
  }
  if (filter.from === undefined && filter.to === undefined) return true;
  const createdAt = typeof delivery.createdAt === 'number' ? delivery.createdAt : parseIsoDateTime(delivery.createdAt);
  if (filter.from !== undefined && !(createdAt >= filter.from)) return false;
  if (filter.to !== undefined && !(createdAt < filter.to)) return false;
  return true;
}
