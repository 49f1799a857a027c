/**
 * A sample account on the in-memory backend: four webhooks in every lifecycle and health state, a host
 * catalog, routes and a few days of deliveries — the picture the kit's stories and tests start from, and
 * one a host's own stories can use. Everything is made through the backend's API (create, route, ingest,
 * send, advance the clock, deliver with the Segment stand-in answering as told), never by writing rows, and
 * comes out the same on every run. Browser-safe.
 */
import type { ActivityEventInput, Person } from '@segment-webhook/core/contract';
import type { Catalog, CatalogActivity } from '@segment-webhook/server/browser';
import { createInMemoryBackend, type InMemoryBackend, type InMemoryBackendOptions } from './memory-backend';
import { EXCEED_PAYLOAD_LIMIT } from './sink-core';

/** The sample's "now" (the clock after seeding): Friday 27 November 2026, 12:00 UTC. */
export const SAMPLE_NOW = Date.parse('2026-11-27T12:00:00.000Z');

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The ids of the sample webhooks. */
export type SampleWebhookId = 'wh_orders' | 'wh_email' | 'wh_survey' | 'wh_legacy';
const ALL_WEBHOOKS: readonly SampleWebhookId[] = ['wh_orders', 'wh_email', 'wh_survey', 'wh_legacy'];

/** The host's catalog: six activities and the person and activity fields the fields editor offers. */
export function sampleCatalog(): Catalog {
  return {
    activities: [
      { id: 'order-placed', name: 'Order placed' },
      { id: 'email-opened', name: 'Email opened' },
      { id: 'email-clicked', name: 'Email clicked' },
      { id: 'form-submitted', name: 'Form submitted' },
      { id: 'survey-completed', name: 'Survey completed' },
      { id: 'cart-abandoned', name: 'Cart abandoned' },
    ],
    fields: {
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
    },
  };
}

/** A sample person, as a payload preview shows one. */
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

/** Options of {@link createSampleBackend}. Every one is optional. */
export interface SampleAccountOptions {
  /** Which sample webhooks exist. Default all four. */
  webhooks?: readonly SampleWebhookId[];
  /** The host's activities. Default those of {@link sampleCatalog}; routes go only to those listed. */
  activities?: readonly CatalogActivity[];
  /** Outbound activity streams in the plan. Default 5 (3 in use). */
  includedStreams?: number;
  /**
   * The history of `wh_orders`: how many events, over how many days before {@link SAMPLE_NOW} (half of
   * them in the last 24 hours; all of them for `days: 1`). Default 48 events over 3 days; `events: 0` for none.
   */
  orders?: { events?: number; days?: number };
  /**
   * Offer {@link sampleRecentActivities} as the account's recent activity events (what **Test** can send
   * instead of the sample). Default false: the host provides none.
   */
  recentActivities?: boolean;
  /**
   * Give `wh_orders` a settings history: created as "Order completed" without the `source` field, renamed to
   * "Order placed" by Ada Lovelace, its write key replaced by Grace Hopper, `source` added by nobody named
   * (version 4). Default false: version 1.
   */
  history?: boolean;
  /** Who makes the settings changes of requests (the handler's `resolveActor`). Default: nobody (null). */
  actor?: string;
  /**
   * Events of `survey-completed` reported after `wh_survey` was disconnected, recorded as skipped (what a
   * reconnect with backfill sends). Default 0.
   */
  surveySkipped?: number;
}

/** The sample's recent activity events (see {@link SampleAccountOptions.recentActivities}), newest first. */
export function sampleRecentActivities(): ActivityEventInput[] {
  return [
    {
      id: 'evt_recent_1',
      activityId: 'order-placed',
      occurredAt: new Date(SAMPLE_NOW - 5 * MINUTE).toISOString(),
      person: { ...samplePerson(), id: 'person_0042', email: 'person_0042@example.com' },
      attributes: { order_id: 'ord_20417', total: 129.5, currency: 'USD', campaign: 'Black Friday' },
    },
    {
      id: 'evt_recent_2',
      activityId: 'email-opened',
      occurredAt: new Date(SAMPLE_NOW - 18 * MINUTE).toISOString(),
      person: { id: 'person_0107', email: 'person_0107@example.com', first_name: 'Grace' },
      attributes: { campaign: 'Black Friday', link_url: 'https://example.com/deals' },
    },
    {
      id: 'evt_recent_3',
      activityId: 'order-placed',
      occurredAt: new Date(SAMPLE_NOW - 47 * MINUTE).toISOString(),
      person: { id: 'person_0311', first_name: 'Alan' },
      attributes: { order_id: 'ord_20402', total: 64, currency: 'USD' },
    },
  ];
}

/** Deliveries of the sample worth pointing at. */
export interface SampleFacts {
  /** The newest failed delivery of `wh_orders` from the last 24 hours, if any. */
  recentFailedDeliveryId: string | null;
  /** The newest failed delivery of `wh_orders` older than Segment's 24-hour de-duplication window, if any. */
  staleFailedDeliveryId: string | null;
}

/** The in-memory backend with the sample account, and what to find in it. */
export interface SampleBackend extends InMemoryBackend {
  readonly sample: SampleFacts;
}

/** A 32-bit integer hash (a Murmur3 finaliser): varied but repeatable persons, totals and delays. */
function hash(n: number, salt = 0): number {
  let h = (n ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** How the Segment stand-in answers one attempt. */
type Answer = 200 | 400 | 503 | 'drop';

/**
 * Creates the in-memory backend (see `createInMemoryBackend`) with the sample account, its clock at
 * {@link SAMPLE_NOW}:
 * - `wh_orders` "Orders to Segment": active and healthy, `order-placed` routed to it, a history of
 *   delivered deliveries (some after a retry, some sent by the Send to webhook action), failed ones after
 *   three attempts (recent and older than 24 hours), one retrying and one pending;
 * - `wh_email` "Email engagement": needs attention (Segment refused its last five batches with
 *   `Exceed payload limit`), `email-opened` routed to it, later deliveries held;
 * - `wh_survey` "Survey results (EU)": disconnected with deliveries held, `survey-completed` routed to it;
 * - `wh_legacy` "Old journey webhook": archived.
 */
export async function createSampleBackend(
  options: SampleAccountOptions & Pick<InMemoryBackendOptions, 'accountId' | 'basePath'> = {},
): Promise<SampleBackend> {
  const wanted = new Set(options.webhooks ?? ALL_WEBHOOKS);
  const catalog = sampleCatalog();
  const activities = options.activities ?? catalog.activities;
  const routable = new Set(activities.map((activity) => activity.id));
  const ordersEvents = options.orders?.events ?? 48;
  const ordersDays = options.orders?.days ?? 3;
  // The webhooks are created 40 days before SAMPLE_NOW, or before the start of a longer history.
  const start = SAMPLE_NOW - Math.max(40, Math.ceil(ordersDays) + 1) * DAY;
  const backend = await createInMemoryBackend({
    now: start,
    catalog: { activities: [...activities], fields: catalog.fields },
    includedStreams: options.includedStreams ?? 5,
    ...(options.accountId !== undefined ? { accountId: options.accountId } : {}),
    ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
    ...(options.recentActivities ? { recentActivities: () => sampleRecentActivities() } : {}),
    ...(options.actor !== undefined ? { resolveActor: () => options.actor ?? null } : {}),
  });
  const { sink, service, accountId } = backend;

  // Steps at their times, run in time order (the clock only moves forward).
  const steps: { at: number; run: () => Promise<void> }[] = [];
  const at = (time: number, run: () => Promise<void>) => steps.push({ at: time, run });
  let seq = 0;

  const person = (n: number): Person => {
    const id = `person_${(hash(n, 6) % 800).toString().padStart(4, '0')}`;
    return { ...samplePerson(), id, email: `${id}@example.com` };
  };

  /** Sends what is due with the stand-in answering `answers` in turn, moving the clock to each retry. */
  async function deliverWith(webhookId: string, eventId: string, answers: Answer[]): Promise<void> {
    for (const [index, answer] of answers.entries()) {
      if (answer === 'drop') sink.dropNext(1);
      else if (answer === 503) sink.failNext(1, 503, '<html>Service Unavailable</html>');
      else if (answer === 400) sink.failNext(1, 400, EXCEED_PAYLOAD_LIMIT);
      const sent = await backend.deliver();
      if (sent !== 1) throw new Error(`The sample expected one delivery to be due, not ${sent}.`);
      if (index === answers.length - 1) return;
      const [delivery] = (await service.listDeliveries(accountId, webhookId, { eventId, limit: 1 })).items;
      if (delivery?.status !== 'retrying' || delivery.nextAttemptAt === null) {
        throw new Error(`The sample expected ${eventId} to be retrying, not ${delivery?.status}.`);
      }
      backend.clock.set(Date.parse(delivery.nextAttemptAt));
    }
  }

  /** One event of `activityId` for `webhookId` at `time`, delivered with `answers` (none: left pending). */
  function event(
    webhookId: SampleWebhookId,
    activityId: string,
    time: number,
    answers: Answer[],
    options: { attributes: Record<string, string | number>; send?: boolean },
  ): void {
    seq += 1;
    const n = seq;
    const eventId = `evt_${n.toString(36).padStart(5, '0')}`;
    at(time, async () => {
      const occurredAt = new Date(time - (hash(n, 3) % 4_000)).toISOString();
      if (options.send) {
        await backend.send(webhookId, {
          id: eventId,
          person: person(n),
          activity: { activityId, occurredAt, attributes: options.attributes },
        });
      } else {
        await backend.ingest({
          id: eventId,
          activityId,
          occurredAt,
          person: person(n),
          attributes: options.attributes,
        });
      }
      if (answers.length > 0) await deliverWith(webhookId, eventId, answers);
    });
  }

  const order = (n: number) => ({
    order_id: `ord_${(10_000 + n).toString()}`,
    total: 20 + (hash(n, 9) % 18_000) / 100,
    currency: 'USD',
    campaign: 'Black Friday',
  });

  // Webhooks and routes first.
  at(start, async () => {
    const create = async (id: SampleWebhookId, input: Parameters<InMemoryBackend['createWebhook']>[0]) => {
      if (!wanted.has(id)) return;
      await backend.createWebhook({ id, ...input });
      // One minute apart: lists show them oldest first, in this order.
      backend.clock.advance(MINUTE);
    };
    const ordersFields = [
      { key: 'email', from: 'person.email' },
      { key: 'order_total', from: 'activity.total' },
      { key: 'source', value: 'ortto' },
    ] as const;
    await create('wh_orders', {
      name: 'Orders to Segment',
      trackEventName: options.history ? 'Order completed' : 'Order placed',
      writeKey: options.history ? 'wk_sample_orders_old_9z9z' : 'wk_sample_orders_a1b2',
      region: 'us',
      fields: options.history ? ordersFields.slice(0, 2) : [...ordersFields],
    });
    await create('wh_email', {
      name: 'Email engagement',
      trackEventName: 'Email opened',
      writeKey: 'wk_sample_email_c3d4',
      region: 'us',
    });
    await create('wh_survey', {
      name: 'Survey results (EU)',
      trackEventName: 'Survey completed',
      writeKey: 'wk_sample_survey_e5f6',
      region: 'eu',
      sendActivityPayload: false,
    });
    await create('wh_legacy', {
      name: 'Old journey webhook',
      trackEventName: 'Journey step reached',
      writeKey: 'wk_sample_legacy_g7h8',
      region: 'us',
    });
    for (const [activityId, webhookId] of [
      ['order-placed', 'wh_orders'],
      ['email-opened', 'wh_email'],
      ['survey-completed', 'wh_survey'],
    ] as const) {
      if (wanted.has(webhookId) && routable.has(activityId)) await backend.route(activityId, webhookId);
    }
  });
  if (options.history && wanted.has('wh_orders')) {
    const change = (
      time: number,
      patch: Parameters<InMemoryBackend['service']['updateWebhook']>[2],
      actor: string | null,
    ) =>
      at(time, async () => {
        await service.updateWebhook(accountId, 'wh_orders', patch, { actor });
      });
    change(start + 2 * DAY, { trackEventName: 'Order placed' }, 'Ada Lovelace');
    change(start + 9 * DAY, { writeKey: 'wk_sample_orders_a1b2' }, 'Grace Hopper');
    change(
      start + 12 * DAY,
      {
        fields: [
          { key: 'email', from: 'person.email' },
          { key: 'order_total', from: 'activity.total' },
          { key: 'source', value: 'ortto' },
        ],
      },
      null,
    );
  }
  if (wanted.has('wh_legacy')) {
    at(SAMPLE_NOW - 30 * DAY, async () => {
      await service.disconnect(accountId, 'wh_legacy');
      await service.archive(accountId, 'wh_legacy');
    });
  }

  // wh_orders: i = 0 is the newest. Half of the events in the last 24 hours, the rest before, back to `days`.
  if (wanted.has('wh_orders') && routable.has('order-placed')) {
    const olderSpan = Math.max(0, ordersDays - 1) * DAY;
    const recent = olderSpan === 0 ? ordersEvents : Math.ceil(ordersEvents / 2);
    const older = ordersEvents - recent;
    for (let i = ordersEvents - 1; i >= 0; i--) {
      // The pending (0) and retrying (1) ones come after every other step that delivers, so that no round
      // sends them (or hands a commanded answer to them) before SAMPLE_NOW.
      const offset =
        (i === 0 ? 12 * MINUTE : i === 1 ? 40 * MINUTE : 0) +
        (i < 2
          ? 0
          : i < recent
            ? HOUR + ((i - 1) * (DAY - 2 * HOUR)) / recent
            : DAY + ((i - recent + 1) * olderSpan) / (older + 1)) +
        (hash(i, 2) % MINUTE);
      const answers: Answer[] =
        i === 0 ? [] : i === 1 ? [503] : i % 11 === 5 ? [503, 'drop', 400] : i % 17 === 8 ? [503, 200] : [200];
      event('wh_orders', 'order-placed', SAMPLE_NOW - Math.round(offset), answers, {
        attributes: order(i),
        send: i % 13 === 3,
      });
    }
  }

  // wh_email: delivered for days, then five batches refused (needs attention), then held.
  if (wanted.has('wh_email') && routable.has('email-opened')) {
    const email = { campaign: 'Black Friday', link_url: 'https://example.com/deals' };
    for (let day = 3; day >= 1; day--) {
      for (const hour of [9, 15])
        event('wh_email', 'email-opened', SAMPLE_NOW - day * DAY + hour * HOUR, [200], { attributes: email });
    }
    for (let k = 0; k < 5; k++) {
      event('wh_email', 'email-opened', SAMPLE_NOW - 3 * HOUR + k * 2 * MINUTE, [400], { attributes: email });
    }
    for (const minutes of [140, 75, 20])
      event('wh_email', 'email-opened', SAMPLE_NOW - minutes * MINUTE, [], { attributes: email });
  }

  // wh_survey: delivered for days, then disconnected with three deliveries queued (held).
  if (wanted.has('wh_survey') && routable.has('survey-completed')) {
    const survey = { campaign: 'NPS November' };
    for (let day = 3; day >= 1; day--)
      event('wh_survey', 'survey-completed', SAMPLE_NOW - day * DAY, [200], { attributes: survey });
    // Queued and disconnected in one step, so that no delivery round comes between.
    const queued = [1, 2, 3].map(() => (seq += 1));
    at(SAMPLE_NOW - 65 * MINUTE, async () => {
      for (const n of queued) {
        const occurredAt = new Date(backend.clock.now() - (hash(n, 3) % 4_000)).toISOString();
        const id = `evt_${n.toString(36).padStart(5, '0')}`;
        await backend.ingest({ id, activityId: 'survey-completed', occurredAt, person: person(n), attributes: survey });
        backend.clock.advance(1_000);
      }
      await service.disconnect(accountId, 'wh_survey');
    });
    // Reported while disconnected: recorded as skipped, not sent.
    const skipped = Array.from({ length: options.surveySkipped ?? 0 }, () => (seq += 1));
    skipped.forEach((n, index) => {
      at(SAMPLE_NOW - 50 * MINUTE + index * MINUTE, async () => {
        const id = `evt_${n.toString(36).padStart(5, '0')}`;
        const occurredAt = new Date(backend.clock.now()).toISOString();
        await backend.ingest({ id, activityId: 'survey-completed', occurredAt, person: person(n), attributes: survey });
      });
    });
  }

  steps.sort((a, b) => a.at - b.at);
  for (const step of steps) {
    // A retry may have moved the clock a few seconds past the next step's time.
    backend.clock.set(Math.max(backend.clock.now(), step.at));
    await step.run();
  }
  backend.clock.set(SAMPLE_NOW);

  const failed = wanted.has('wh_orders')
    ? (await service.listDeliveries(accountId, 'wh_orders', { status: 'failed', limit: 200 })).items
    : [];
  const staleBefore = SAMPLE_NOW - DAY;
  const sample: SampleFacts = {
    recentFailedDeliveryId: failed.find((d) => Date.parse(d.createdAt) >= staleBefore)?.id ?? null,
    staleFailedDeliveryId: failed.find((d) => Date.parse(d.createdAt) < staleBefore)?.id ?? null,
  };
  return Object.assign(backend, { sample });
}
