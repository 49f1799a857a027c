/**
 * The host product's catalog: what a marketing-automation tool knows about its customers' data.
 * Plain data, shared by the server (handed to the adapter), the browser and the activity simulator.
 */

/** One activity the host records, e.g. an order or an email open. */
export interface HostActivity {
  id: string;
  name: string;
  /** One line for the Activities page. */
  description: string;
  /** Attribute keys the activity carries (offered as activity fields in the fields editor). */
  attributes: readonly string[];
}

/** The host's activities. */
export const ACTIVITIES: readonly HostActivity[] = [
  {
    id: 'order-placed',
    name: 'Order placed',
    description: 'A customer completed a checkout in the store.',
    attributes: ['order_id', 'total', 'currency', 'items', 'coupon'],
  },
  {
    id: 'email-opened',
    name: 'Email opened',
    description: 'A person opened a campaign or journey email.',
    attributes: ['campaign', 'subject', 'email_client'],
  },
  {
    id: 'form-submitted',
    name: 'Form submitted',
    description: 'A person submitted a capture form on the website.',
    attributes: ['form_name', 'page_url'],
  },
  {
    id: 'survey-completed',
    name: 'Survey completed',
    description: 'A person answered an NPS or product survey.',
    attributes: ['survey', 'score', 'comment'],
  },
  {
    id: 'cart-abandoned',
    name: 'Cart abandoned',
    description: 'A shopper left items in the cart for more than an hour.',
    attributes: ['cart_id', 'total', 'currency', 'items'],
  },
  {
    id: 'subscription-renewed',
    name: 'Subscription renewed',
    description: 'A recurring plan renewed successfully.',
    attributes: ['plan', 'amount', 'currency', 'period'],
  },
  {
    id: 'link-clicked',
    name: 'Link clicked',
    description: 'A person clicked a tracked link in an email or SMS.',
    attributes: ['campaign', 'url'],
  },
];

/** Labels of the person fields the host stores. */
export const PERSON_FIELDS: readonly { key: string; label: string }[] = [
  { key: 'email', label: 'Email' },
  { key: 'first_name', label: 'First name' },
  { key: 'last_name', label: 'Last name' },
  { key: 'tier', label: 'Loyalty tier' },
  { key: 'city', label: 'City' },
  { key: 'country', label: 'Country' },
  { key: 'lifetime_value', label: 'Lifetime value' },
];

const ACTIVITY_FIELD_LABELS: Record<string, string> = {
  order_id: 'Order ID',
  total: 'Total',
  currency: 'Currency',
  items: 'Items',
  coupon: 'Coupon code',
  campaign: 'Campaign',
  subject: 'Email subject',
  email_client: 'Email client',
  form_name: 'Form name',
  page_url: 'Page URL',
  survey: 'Survey',
  score: 'Score',
  comment: 'Comment',
  cart_id: 'Cart ID',
  plan: 'Plan',
  amount: 'Amount',
  period: 'Billing period',
  url: 'Link URL',
};

/** Labels of the activity attributes, each once, in catalog order. */
export const ACTIVITY_FIELDS: readonly { key: string; label: string }[] = [
  ...new Set(ACTIVITIES.flatMap((activity) => activity.attributes)),
].map((key) => ({ key, label: ACTIVITY_FIELD_LABELS[key] ?? key }));

/** Outbound activity streams included in every demo account's plan. */
export const INCLUDED_OUTBOUND_STREAMS = 5;

/** A person of the demo CRM. */
export interface DemoPerson {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  tier: 'bronze' | 'silver' | 'gold' | 'platinum';
  city: string;
  country: string;
  lifetime_value: number;
}

/** The people the simulator and the journey page pick from. */
export const PEOPLE: readonly DemoPerson[] = [
  ['ava.nguyen', 'Ava', 'Nguyen', 'gold', 'Sydney', 'AU', 1840],
  ['liam.oconnor', 'Liam', "O'Connor", 'silver', 'Dublin', 'IE', 620],
  ['maya.patel', 'Maya', 'Patel', 'platinum', 'London', 'GB', 5230],
  ['noah.schmidt', 'Noah', 'Schmidt', 'bronze', 'Berlin', 'DE', 140],
  ['sofia.rossi', 'Sofia', 'Rossi', 'gold', 'Milan', 'IT', 2210],
  ['ethan.brooks', 'Ethan', 'Brooks', 'silver', 'Austin', 'US', 780],
  ['chloe.martin', 'Chloe', 'Martin', 'bronze', 'Lyon', 'FR', 95],
  ['kenji.tanaka', 'Kenji', 'Tanaka', 'gold', 'Osaka', 'JP', 1990],
  ['zara.ahmed', 'Zara', 'Ahmed', 'silver', 'Toronto', 'CA', 455],
  ['lucas.silva', 'Lucas', 'Silva', 'platinum', 'São Paulo', 'BR', 6120],
  ['emma.jones', 'Emma', 'Jones', 'bronze', 'Auckland', 'NZ', 60],
  ['oliver.berg', 'Oliver', 'Berg', 'silver', 'Oslo', 'NO', 910],
].map(([handle, first, last, tier, city, country, value]) => ({
  id: `usr_${String(handle)
    .replace(/[^a-z]/g, '')
    .slice(0, 10)}`,
  email: `${handle}@example.com`,
  first_name: String(first),
  last_name: String(last),
  tier: tier as DemoPerson['tier'],
  city: String(city),
  country: String(country),
  lifetime_value: Number(value),
}));

/** The accounts of the demo: each is an isolated customer of the host product. */
export const ACCOUNTS: readonly { id: string; name: string; plan: string }[] = [
  { id: 'demo', name: 'Acme Outfitters', plan: 'Business' },
  { id: 'globex', name: 'Globex Coffee', plan: 'Professional' },
  { id: 'initech', name: 'Initech Software', plan: 'Business' },
];

/** The account shown when the request names none. */
export const DEFAULT_ACCOUNT = 'demo';
