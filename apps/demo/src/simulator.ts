/**
 * The activity simulator: a realistic stream of the host's activity events (orders, email opens,
 * form submissions, survey answers…) for one account, posted to the kit's ingest API
 * (`POST /api/segment-webhooks/events`). Used by the **Simulate activity** button and by the
 * `--simulate` command-line flag. Browser-safe: plain data and `fetch`.
 */
import type { ActivityEventInput } from '@segment-webhook/core/contract';
import { ACTIVITIES, type DemoPerson, PEOPLE } from './catalog';

/** How often each activity happens, relative to the others. */
const WEIGHTS: Record<string, number> = {
  'email-opened': 6,
  'link-clicked': 3,
  'order-placed': 4,
  'form-submitted': 2,
  'cart-abandoned': 2,
  'survey-completed': 1,
  'subscription-renewed': 1,
};

const PRODUCTS = [
  { sku: 'TEE-ORG-M', name: 'Organic cotton tee', price: 29 },
  { sku: 'HOOD-GRY-L', name: 'Heavyweight hoodie', price: 79 },
  { sku: 'CAP-NVY', name: 'Six-panel cap', price: 24 },
  { sku: 'BTL-STL-750', name: 'Steel bottle 750 ml', price: 35 },
  { sku: 'SNK-WHT-42', name: 'Court sneakers', price: 119 },
  { sku: 'SOCK-3PK', name: 'Merino socks (3 pack)', price: 27 },
];
const CAMPAIGNS = [
  { campaign: 'black-friday-2026', subject: 'Black Friday starts now: 30% off everything' },
  { campaign: 'welcome-series-2', subject: 'Your style profile is ready' },
  { campaign: 'winback-q4', subject: 'We saved your favourites' },
  { campaign: 'newsletter-nov', subject: 'November drops and stories' },
];
const FORMS = [
  { form_name: 'Newsletter signup', page_url: 'https://shop.example.com/' },
  { form_name: 'Wholesale enquiry', page_url: 'https://shop.example.com/wholesale' },
  { form_name: 'Back in stock alert', page_url: 'https://shop.example.com/products/court-sneakers' },
];
const COMMENTS = ['Fast delivery, great quality.', 'Sizing runs a bit small.', 'Love the new hoodie!', ''];
const CLIENTS = ['Apple Mail', 'Gmail', 'Outlook', 'Gmail (Android)'];

/** Random numbers in [0, 1). */
export type RandomSource = () => number;

function pick<T>(items: readonly T[], random: RandomSource): T {
  return items[Math.floor(random() * items.length)] as T;
}

function pickActivity(random: RandomSource): string {
  const total = Object.values(WEIGHTS).reduce((sum, weight) => sum + weight, 0);
  let roll = random() * total;
  for (const activity of ACTIVITIES) {
    roll -= WEIGHTS[activity.id] ?? 1;
    if (roll < 0) return activity.id;
  }
  return 'email-opened';
}

function cart(random: RandomSource) {
  const count = 1 + Math.floor(random() * 3);
  const items = Array.from({ length: count }, () => {
    const product = pick(PRODUCTS, random);
    return { ...product, quantity: 1 + Math.floor(random() * 2) };
  });
  const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);
  return { items, total };
}

function attributesFor(activityId: string, random: RandomSource): Record<string, ActivityAttribute> {
  const id = () =>
    Math.floor(random() * 1e8)
      .toString(36)
      .toUpperCase();
  switch (activityId) {
    case 'order-placed': {
      const { items, total } = cart(random);
      return { order_id: `ORD-${id()}`, total, currency: 'USD', items, coupon: random() < 0.3 ? 'BF30' : null };
    }
    case 'cart-abandoned': {
      const { items, total } = cart(random);
      return { cart_id: `CART-${id()}`, total, currency: 'USD', items };
    }
    case 'email-opened':
      return { ...pick(CAMPAIGNS, random), email_client: pick(CLIENTS, random) };
    case 'link-clicked': {
      const { campaign } = pick(CAMPAIGNS, random);
      return { campaign, url: `https://shop.example.com/collections/${pick(['new', 'sale', 'winter'], random)}` };
    }
    case 'form-submitted':
      return { ...pick(FORMS, random) };
    case 'survey-completed':
      return { survey: 'Post-purchase NPS', score: 5 + Math.floor(random() * 6), comment: pick(COMMENTS, random) };
    case 'subscription-renewed':
      return { plan: pick(['Coffee club', 'Sock drawer'], random), amount: 19, currency: 'USD', period: 'monthly' };
    default:
      return {};
  }
}

type ActivityAttribute = string | number | boolean | null | ActivityAttribute[] | { [key: string]: ActivityAttribute };

/** The person as the host sends it with an event: an id plus the CRM attributes. */
export function personPayload(person: DemoPerson): ActivityEventInput['person'] {
  return { ...person };
}

/** Options of {@link generateActivityEvents}. */
export interface GenerateOptions {
  /** How many events. */
  count: number;
  /** When the last event happened; earlier events are spread over the preceding minutes. Default: now. */
  now?: Date;
  /** Only these activities (default: every activity of the catalog, weighted by how common it is). */
  activityIds?: readonly string[];
  /** Random source (default `Math.random`). */
  random?: RandomSource;
}

/** A realistic batch of activity events, oldest first, each with a unique id. */
export function generateActivityEvents({
  count,
  now = new Date(),
  activityIds,
  random = Math.random,
}: GenerateOptions): ActivityEventInput[] {
  const batch = `${now.getTime().toString(36)}${Math.floor(random() * 1e6).toString(36)}`;
  const spreadMs = Math.min(count, 60) * 4_000;
  return Array.from({ length: count }, (_, index) => {
    const activityId = activityIds?.length ? pick(activityIds, random) : pickActivity(random);
    const occurredAt = new Date(now.getTime() - Math.round(((count - 1 - index) / Math.max(count, 1)) * spreadMs));
    return {
      id: `evt_${batch}${index.toString(36).padStart(3, '0')}`,
      activityId,
      occurredAt: occurredAt.toISOString(),
      person: personPayload(pick(PEOPLE, random)),
      attributes: attributesFor(activityId, random),
    };
  });
}

/** What the ingest API answered. */
export interface SimulationResult {
  accepted: number;
  deliveries: number;
}

/**
 * Posts generated events to the ingest API. `baseUrl` is the adapter's mount point (e.g.
 * `/api/segment-webhooks` in the browser, `http://localhost:3000/api/segment-webhooks` from the CLI).
 */
export async function postActivityEvents(
  baseUrl: string,
  events: ActivityEventInput[],
  init: { headers?: Record<string, string>; fetch?: typeof fetch } = {},
): Promise<SimulationResult> {
  const response = await (init.fetch ?? fetch)(`${baseUrl}/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: JSON.stringify({ events }),
    credentials: 'same-origin',
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => null)) as { detail?: string; title?: string } | null;
    throw new Error(problem?.detail ?? problem?.title ?? `The ingest API answered ${response.status}`);
  }
  const body = (await response.json()) as Partial<SimulationResult>;
  return { accepted: body.accepted ?? events.length, deliveries: body.deliveries ?? 0 };
}
