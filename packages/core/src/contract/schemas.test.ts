import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activityEventSchema,
  createWebhookRequestSchema,
  ILL_FORMED_TEXT_MESSAGE,
  isWellFormedText,
  listDeliveriesQuerySchema,
  writeKeySchema,
} from './index';

const event = (overrides: Record<string, unknown>) => ({
  id: 'evt_1',
  activityId: 'order-placed',
  occurredAt: '2026-11-27T10:00:00.000Z',
  person: { id: 'p_1' },
  ...overrides,
});

const config = (overrides: Record<string, unknown>) => ({
  name: 'Orders',
  trackEventName: 'Order placed',
  writeKey: 'wk_live_abc',
  ...overrides,
});

function issuesOf(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) {
  return (result.error?.issues ?? []).map((issue) => [issue.path.join('.'), issue.message]);
}

describe('isWellFormedText', () => {
  it('refuses NUL and unpaired surrogates, and accepts paired ones', () => {
    expect(isWellFormedText('Orders 🛒 ü')).toBe(true);
    expect(isWellFormedText('a\u0000b')).toBe(false);
    expect(isWellFormedText('\ud800')).toBe(false);
    expect(isWellFormedText('x\udc00y')).toBe(false);
    expect(isWellFormedText('\udc00\ud800')).toBe(false);
    expect(isWellFormedText('\ud83d\uded2')).toBe(true);
  });

  it('agrees with a UTF-8 round trip on any string without NUL', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 1, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (s) => {
        const roundTrips = Buffer.from(s, 'utf8').toString('utf8') === s;
        expect(isWellFormedText(s)).toBe(roundTrips);
      }),
    );
  });
});

describe('text the stores and Segment cannot take is a validation error', () => {
  it.each([
    ['a NUL in the webhook name', config({ name: 'Ord\u0000ers' }), 'name'],
    ['a NUL in the track event name', config({ trackEventName: 'Order\u0000' }), 'trackEventName'],
    ['a lone surrogate in the name', config({ name: 'Orders \ud800' }), 'name'],
    ['a NUL in a constant field', config({ fields: [{ key: 'plan', value: 'pro\u0000' }] }), 'fields.0.value'],
  ])('%s', (_label, input, path) => {
    const result = createWebhookRequestSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(issuesOf(result)).toContainEqual([path, ILL_FORMED_TEXT_MESSAGE]);
  });

  it.each([
    ['a lone surrogate in an attribute value', event({ attributes: { note: '\ud800' } }), 'attributes.note'],
    ['a NUL deep in an attribute', event({ attributes: { items: [{ sku: 'a\u0000' }] } }), 'attributes.items.0.sku'],
    ['a lone surrogate in an attribute name', event({ attributes: { 'k\udfff': 1 } }), 'attributes.k\udfff'],
    ['a NUL in a person attribute', event({ person: { id: 'p_1', email: 'a@b\u0000' } }), 'person.email'],
    ['a lone surrogate in the event id', event({ id: 'evt_\ud800' }), 'id'],
  ])('%s', (_label, input, path) => {
    const result = activityEventSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(issuesOf(result)).toContainEqual([path, ILL_FORMED_TEXT_MESSAGE]);
  });

  it('in the deliveries filters', () => {
    expect(listDeliveriesQuerySchema.safeParse({ personId: 'p\u0000' }).success).toBe(false);
    expect(listDeliveriesQuerySchema.safeParse({ eventId: '\udc00' }).success).toBe(false);
    expect(listDeliveriesQuerySchema.safeParse({ personId: 'p_1 🛒' }).success).toBe(true);
  });
});

describe('writeKeySchema', () => {
  it('refuses a colon: Basic auth would cut the key at it', () => {
    const result = writeKeySchema.safeParse('a:b');
    expect(result.success).toBe(false);
    expect(issuesOf(result)[0]?.[1]).toMatch(/colons/);
  });

  it('accepts the printable ASCII that write keys use', () => {
    expect(writeKeySchema.safeParse('wk_LIVE-0123456789abcdef.~!').success).toBe(true);
  });
});
