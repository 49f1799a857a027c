import {
  type Activity,
  type Attributes,
  buildTrackMessage,
  type DeliveryAttempt,
  type DeliveryDetail,
  type DeliveryStatus,
  type DeliverySummary,
  type FieldCatalog,
  type FieldMapping,
  type HeldReason,
  type Person,
  type TrackMessage,
  type Webhook,
} from '@segment-webhook/core/contract';

/** The fake's clock by default: fixed, so stories and screenshots are stable. */
export const FAKE_NOW = Date.parse('2026-11-27T12:00:00.000Z');

const iso = (ms: number) => new Date(ms).toISOString();

/** A webhook as the API returns it, with sensible defaults. */
export function makeWebhook(overrides: Partial<Webhook> & { id: string }): Webhook {
  return {
    name: 'Segment webhook',
    trackEventName: 'Activity',
    region: 'us',
    sendActivityPayload: true,
    fields: [],
    status: 'active',
    health: { state: 'healthy', reason: null, since: null },
    writeKeyHint: '…k3Y9',
    version: 1,
    skippedSinceDisconnect: 0,
    createdAt: iso(FAKE_NOW - 40 * 86_400_000),
    updatedAt: iso(FAKE_NOW - 2 * 86_400_000),
    ...overrides,
  };
}

/** One webhook in every lifecycle and health state. */
export function sampleWebhooks(): Webhook[] {
  return [
    makeWebhook({
      id: 'wh_orders',
      name: 'Orders to Segment',
      trackEventName: 'Order placed',
      fields: [
        { key: 'email', from: 'person.email' },
        { key: 'order_total', from: 'activity.total' },
        { key: 'source', value: 'ortto' },
      ],
      writeKeyHint: '…a1b2',
    }),
    makeWebhook({
      id: 'wh_email',
      name: 'Email engagement',
      trackEventName: 'Email opened',
      health: {
        state: 'needs_attention',
        reason: 'Segment answered 400 Exceed payload limit to the last 5 batches',
        since: iso(FAKE_NOW - 3 * 3_600_000),
      },
      writeKeyHint: '…c3d4',
    }),
    makeWebhook({
      id: 'wh_survey',
      name: 'Survey results (EU)',
      trackEventName: 'Survey completed',
      region: 'eu',
      status: 'disconnected',
      sendActivityPayload: false,
      writeKeyHint: '…e5f6',
    }),
    makeWebhook({
      id: 'wh_legacy',
      name: 'Old journey webhook',
      trackEventName: 'Journey step reached',
      status: 'archived',
      writeKeyHint: '…g7h8',
    }),
  ];
}

/** The host's activities, some routed to the sample webhooks. */
export function sampleActivities(): Activity[] {
  return [
    { id: 'order-placed', name: 'Order placed', destinationWebhookId: 'wh_orders' },
    { id: 'email-opened', name: 'Email opened', destinationWebhookId: 'wh_email' },
    { id: 'email-clicked', name: 'Email clicked', destinationWebhookId: null },
    { id: 'form-submitted', name: 'Form submitted', destinationWebhookId: null },
    { id: 'survey-completed', name: 'Survey completed', destinationWebhookId: 'wh_survey' },
    { id: 'cart-abandoned', name: 'Cart abandoned', destinationWebhookId: null },
  ];
}

/** The host's field catalog (`GET /fields`): keys are attribute names without the `person.` prefix. */
export function sampleFieldCatalog(): FieldCatalog {
  return {
    person: [
      { key: 'email', label: 'Email' },
      { key: 'first_name', label: 'First name' },
      { key: 'last_name', label: 'Last name' },
      { key: 'phone', label: 'Phone number' },
      { key: 'city', label: 'City' },
      { key: 'country', label: 'Country' },
      { key: 'company', label: 'Company' },
    ],
    activity: [
      { key: 'order_id', label: 'Order ID' },
      { key: 'total', label: 'Order total' },
      { key: 'currency', label: 'Currency' },
      { key: 'campaign', label: 'Campaign name' },
      { key: 'link_url', label: 'Link URL' },
    ],
  };
}

/** A sample person, as the payload preview of the Send to webhook action shows it. */
export function samplePerson(): Person {
  return {
    id: 'person_8f14e45f',
    email: 'ada@example.com',
    first_name: 'Ada',
    last_name: 'Lovelace',
    city: 'London',
    country: 'GB',
    company: 'Analytical Engines Ltd',
  };
}

// ---------------------------------------------------------------------------------------------
// Deterministic generated deliveries (100,000 rows cost nothing until they are read)
// ---------------------------------------------------------------------------------------------

/** 32-bit integer hash (a Murmur3 finaliser): the same row always looks the same. */
export function hash(n: number, salt = 0): number {
  let h = (n ^ (salt * 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Seconds between two generated deliveries: 100,000 rows span about 43 days. */
export const GENERATED_SPACING_MS = 37_000;

function statusOf(seq: number, index: number): DeliveryStatus {
  // The newest few can still be in flight.
  const roll = hash(seq, 1) % 100;
  if (index < 3) return roll < 50 ? 'pending' : 'retrying';
  if (roll < 86) return 'delivered';
  if (roll < 95) return 'failed';
  if (roll < 98) return 'retrying';
  return 'pending';
}

const ERRORS = [
  { status: 400, body: 'Exceed payload limit', error: 'Segment refused the message (400)' },
  { status: 503, body: '<html>Service Unavailable</html>', error: 'Segment is unavailable (503)' },
  { status: null, body: null, error: 'Timed out after 10 s' },
  { status: 429, body: 'Too Many Requests', error: 'Rate limited by Segment (429)' },
] as const;

/** Context the generator needs about the webhook. */
export interface GeneratedWebhook {
  id: string;
  trackEventName: string;
  sendActivityPayload: boolean;
  fields: FieldMapping[];
  heldReason: HeldReason | null;
  activityIds: string[];
}

/**
 * The generated delivery at `index` (0 = newest) of a webhook with `count` generated rows. `seq`
 * (count - index) is stable, so ids do not change as new rows arrive.
 */
export function generatedDelivery(webhook: GeneratedWebhook, count: number, index: number, now: number) {
  const seq = count - index;
  const status = statusOf(seq, index);
  const createdAt = now - index * GENERATED_SPACING_MS - (hash(seq, 2) % 20_000);
  const occurredAt = createdAt - (hash(seq, 3) % 4_000);
  const failure = ERRORS[hash(seq, 4) % ERRORS.length]!;
  const attemptCount =
    status === 'delivered' ? 1 + (hash(seq, 5) % 10 < 1 ? 1 : 0) : status === 'failed' ? 3 + (hash(seq, 5) % 3) : 1;
  const pending = status === 'pending';
  const summary: DeliverySummary = {
    id: `dlv_${webhook.id}_${seq}`,
    webhookId: webhook.id,
    eventId: `evt_${seq.toString(36).padStart(5, '0')}`,
    personId: `person_${(hash(seq, 6) % 800).toString().padStart(4, '0')}`,
    activityId: webhook.activityIds.length > 0 ? webhook.activityIds[seq % webhook.activityIds.length]! : null,
    source: hash(seq, 7) % 10 === 0 ? 'send' : 'activity',
    status,
    heldReason: pending ? webhook.heldReason : null,
    messageId: `${webhook.id}:evt_${seq.toString(36).padStart(5, '0')}`,
    attemptCount: pending ? 0 : attemptCount,
    occurredAt: iso(occurredAt),
    createdAt: iso(createdAt),
    updatedAt: iso(createdAt + 900),
    nextAttemptAt: status === 'retrying' || (pending && !webhook.heldReason) ? iso(now + 30_000) : null,
    deliveredAt: status === 'delivered' ? iso(createdAt + 120 + (hash(seq, 8) % 900)) : null,
    lastError: status === 'failed' || status === 'retrying' ? failure.error : null,
    lastHttpStatus: status === 'delivered' ? 200 : status === 'failed' || status === 'retrying' ? failure.status : null,
  };
  return summary;
}

/** The Segment message a delivery carries, built by the contract's own payload builder. */
export function fakeTrackMessage(
  webhook: Pick<GeneratedWebhook, 'id' | 'trackEventName' | 'sendActivityPayload' | 'fields'>,
  event: { id: string; personId: string; occurredAt: string; attributes?: Attributes },
  test = false,
): TrackMessage {
  return buildTrackMessage({
    webhookId: webhook.id,
    config: webhook,
    event: {
      id: event.id,
      occurredAt: event.occurredAt,
      person: { ...samplePerson(), id: event.personId, email: `${event.personId}@example.com` },
      attributes: event.attributes ?? {
        order_id: `ord_${event.id.slice(-5)}`,
        total: 42.5,
        currency: 'USD',
        campaign: 'Black Friday',
      },
    },
    test,
  });
}

/** The attempts of a delivery, consistent with its summary. */
export function attemptsOf(summary: DeliverySummary): DeliveryAttempt[] {
  const created = Date.parse(summary.createdAt);
  const attempts: DeliveryAttempt[] = [];
  for (let n = 1; n <= summary.attemptCount; n++) {
    const last = n === summary.attemptCount;
    const ok = last && summary.status === 'delivered';
    const finalFailure = last && summary.status === 'failed';
    attempts.push({
      number: n,
      at: iso(created + (n - 1) * 2 ** n * 500 + 100),
      httpStatus: ok ? 200 : summary.lastHttpStatus === 200 ? 503 : (summary.lastHttpStatus ?? null),
      latencyMs: 80 + ((n * 37 + summary.id.length * 11) % 400),
      outcome: ok ? 'delivered' : finalFailure ? 'failed' : 'retry',
      error: ok ? null : (summary.lastError ?? 'Segment is unavailable (503)'),
      responseBody: ok ? '{"success":true}' : summary.lastHttpStatus === null ? null : 'Service Unavailable',
      configVersion: 1,
    });
  }
  return attempts;
}

/** A delivery's detail view. */
export function detailOf(summary: DeliverySummary, webhook: GeneratedWebhook): DeliveryDetail {
  return {
    ...summary,
    message: fakeTrackMessage(webhook, {
      id: summary.eventId,
      personId: summary.personId,
      occurredAt: summary.occurredAt,
    }),
    attempts: attemptsOf(summary),
    configVersion: 1,
    firstDeliveredAt: summary.deliveredAt,
  };
}
