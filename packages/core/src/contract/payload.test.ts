import { describe, expect, it } from 'vitest';
import { SegmentWebhookError } from './errors';
import { MAX_MESSAGE_BYTES, MAX_MESSAGE_ID_LENGTH } from './limits';
import {
  type BuildTrackMessageInput,
  buildTrackMessage,
  buildTrackMessageJson,
  type EventSnapshot,
  LIBRARY_NAME,
  LIBRARY_VERSION,
  messageBytes,
  messageIdFor,
  sampleEvent,
} from './payload';
import { trackMessageSchema } from './schemas';

/** Reference SHA-256 from Web Crypto (in Node and browsers alike). */
async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function event(overrides: Partial<EventSnapshot> = {}): EventSnapshot {
  return {
    id: 'evt_1',
    occurredAt: '2026-11-27T10:00:00.000Z',
    person: { id: 'p_123', email: 'ada@example.com', plan: 'pro' },
    attributes: { amount: 42.5, currency: 'EUR', items: [{ sku: 'A' }] },
    ...overrides,
  };
}

function input(overrides: Partial<BuildTrackMessageInput> = {}): BuildTrackMessageInput {
  return {
    webhookId: 'wh_1',
    config: { trackEventName: 'Order placed', sendActivityPayload: true, fields: [] },
    event: event(),
    ...overrides,
  };
}

describe('buildTrackMessageJson', () => {
  it('returns the message with the exact JSON text it measured and the event time in ms', () => {
    const built = buildTrackMessageJson(input({ event: event({ occurredAt: '2026-11-27T10:00:00.123456+01:00' }) }));
    expect(built.message).toEqual(
      buildTrackMessage(input({ event: event({ occurredAt: '2026-11-27T10:00:00.123456+01:00' }) })),
    );
    expect(built.json).toBe(JSON.stringify(built.message));
    expect(built.occurredAt).toBe(Date.parse('2026-11-27T09:00:00.123Z'));
  });
});

describe('buildTrackMessage', () => {
  it('builds a track message with event, userId, messageId, timestamp and library', () => {
    const message = buildTrackMessage(input());
    expect(message).toEqual({
      type: 'track',
      event: 'Order placed',
      userId: 'p_123',
      messageId: messageIdFor('wh_1', 'evt_1'),
      timestamp: '2026-11-27T10:00:00.000Z',
      properties: { amount: 42.5, currency: 'EUR', items: [{ sku: 'A' }] },
      context: { library: { name: LIBRARY_NAME, version: LIBRARY_VERSION } },
    });
    expect(LIBRARY_NAME).toBe('@segment-webhook/core');
    expect(LIBRARY_VERSION).toBe('0.1.0');
    expect(trackMessageSchema.parse(message)).toEqual(message);
    expect('integrations' in message).toBe(false);
  });

  it.each([
    ['2026-11-27T10:00:00Z', '2026-11-27T10:00:00.000Z'],
    ['2026-11-27T10:00:00.5Z', '2026-11-27T10:00:00.500Z'],
    ['2026-11-27T10:00:00.123456789Z', '2026-11-27T10:00:00.123Z'],
    ['2026-11-27T12:00:00.123456+02:00', '2026-11-27T10:00:00.123Z'],
    ['2026-11-27T05:30:00-04:30', '2026-11-27T10:00:00.000Z'],
  ])('normalises occurredAt %s to UTC with milliseconds', (occurredAt, expected) => {
    expect(buildTrackMessage(input({ event: event({ occurredAt }) })).timestamp).toBe(expected);
  });

  it('refuses an occurredAt that is not a date-time with a validation error', () => {
    expect(() => buildTrackMessage(input({ event: event({ occurredAt: 'yesterday' }) }))).toThrow(
      expect.objectContaining({ code: 'validation_error' }),
    );
  });

  it('leaves the activity attributes out when sendActivityPayload is off', () => {
    const message = buildTrackMessage(
      input({ config: { trackEventName: 'Order placed', sendActivityPayload: false, fields: [] } }),
    );
    expect(message.properties).toEqual({});
  });

  it('adds person, activity and constant fields', () => {
    const message = buildTrackMessage(
      input({
        config: {
          trackEventName: 'Order placed',
          sendActivityPayload: false,
          fields: [
            { key: 'email', from: 'person.email' },
            { key: 'userIdCopy', from: 'person.id' },
            { key: 'total', from: 'activity.amount' },
            { key: 'source', value: 'kit' },
            { key: 'version', value: 2 },
            { key: 'beta', value: false },
          ],
        },
      }),
    );
    expect(message.properties).toEqual({
      email: 'ada@example.com',
      userIdCopy: 'p_123',
      total: 42.5,
      source: 'kit',
      version: 2,
      beta: false,
    });
  });

  it('lets a field win over an activity attribute with the same key', () => {
    const message = buildTrackMessage(
      input({
        config: {
          trackEventName: 'Order placed',
          sendActivityPayload: true,
          fields: [
            { key: 'currency', value: 'USD' },
            { key: 'amount', from: 'person.plan' },
          ],
        },
      }),
    );
    expect(message.properties).toEqual({ amount: 'pro', currency: 'USD', items: [{ sku: 'A' }] });
  });

  it('leaves out a field whose source is absent instead of sending null', () => {
    const message = buildTrackMessage(
      input({
        config: {
          trackEventName: 'Order placed',
          sendActivityPayload: false,
          fields: [
            { key: 'phone', from: 'person.phone' },
            { key: 'coupon', from: 'activity.coupon' },
            { key: 'email', from: 'person.email' },
          ],
        },
      }),
    );
    expect(message.properties).toEqual({ email: 'ada@example.com' });
    expect(Object.keys(message.properties)).toEqual(['email']);
  });

  it('keeps an attribute that is present with the value null', () => {
    const message = buildTrackMessage(
      input({
        event: event({ attributes: { coupon: null } }),
        config: {
          trackEventName: 'Order placed',
          sendActivityPayload: false,
          fields: [{ key: 'coupon', from: 'activity.coupon' }],
        },
      }),
    );
    expect(message.properties).toEqual({ coupon: null });
  });

  it('reads the rest of the source after the first dot as one flat key', () => {
    const message = buildTrackMessage(
      input({
        event: event({ attributes: { 'shipping.city': 'Lyon', shipping: { city: 'Paris' } } }),
        config: {
          trackEventName: 'Order placed',
          sendActivityPayload: false,
          fields: [{ key: 'city', from: 'activity.shipping.city' }],
        },
      }),
    );
    expect(message.properties).toEqual({ city: 'Lyon' });
  });

  it('never reads inherited keys or copies prototype keys', () => {
    const attributes = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const message = buildTrackMessage(
      input({
        event: event({ attributes }),
        config: {
          trackEventName: 'Order placed',
          sendActivityPayload: true,
          fields: [
            { key: 'ctor', from: 'person.constructor' },
            { key: 'str', from: 'activity.toString' },
            { key: 'proto', from: 'activity.__proto__' },
            { key: '__proto__', value: 'x' },
          ],
        },
      }),
    );
    expect(message.properties).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(message.properties)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('adds integrations {All: false} to test messages', () => {
    const message = buildTrackMessage(input({ test: true }));
    expect(message.integrations).toEqual({ All: false });
    expect(buildTrackMessage(input({ test: false })).integrations).toBeUndefined();
  });

  it('measures the message in UTF-8 bytes, not characters', () => {
    const message = buildTrackMessage(input({ event: event({ attributes: { text: '😀é中' } }) }));
    expect(messageBytes(message)).toBe(new TextEncoder().encode(JSON.stringify(message)).length);
    expect(messageBytes(message)).toBe(JSON.stringify(message).length + 2 + 1 + 2);
  });

  it('accepts a message of exactly 32 KB and refuses one byte more, counting multi-byte characters', () => {
    const base = messageBytes(buildTrackMessage(input({ event: event({ attributes: { text: '' } }) })));
    const room = MAX_MESSAGE_BYTES - base;
    // 4-byte emoji (2 UTF-16 units) plus 3-byte CJK: the character count is far below the byte count.
    const emoji = '😀'.repeat(Math.floor(room / 4));
    const fill = (rest: number) => '中'.repeat(Math.floor(rest / 3)) + 'a'.repeat(rest % 3);
    const exact = emoji + fill(room - emoji.length * 2);
    const fits = buildTrackMessage(input({ event: event({ attributes: { text: exact } }) }));
    expect(messageBytes(fits)).toBe(MAX_MESSAGE_BYTES);
    expect(JSON.stringify(fits).length).toBeLessThan(MAX_MESSAGE_BYTES);

    let error: unknown;
    try {
      buildTrackMessage(input({ event: event({ attributes: { text: `${exact}a` } }) }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SegmentWebhookError);
    expect((error as SegmentWebhookError).code).toBe('message_too_large');
    expect((error as SegmentWebhookError).message).toContain(String(MAX_MESSAGE_BYTES + 1));
  });
});

describe('messageIdFor', () => {
  it('is deterministic and the plain pair when it fits', () => {
    expect(messageIdFor('wh_1', 'evt_1')).toBe('wh_1:evt_1');
    expect(messageIdFor('wh_1', 'evt_1')).toBe(messageIdFor('wh_1', 'evt_1'));
    expect(buildTrackMessage(input()).messageId).toBe(buildTrackMessage(input()).messageId);
  });

  it('differs between webhooks and between events', () => {
    const ids = new Set([
      messageIdFor('wh_1', 'evt_1'),
      messageIdFor('wh_2', 'evt_1'),
      messageIdFor('wh_1', 'evt_2'),
      messageIdFor('wh_1:evt', '1'),
      messageIdFor('wh_1', ':evt_1'),
    ]);
    expect(ids.size).toBe(5);
  });

  it('keeps the hashed messageIds of earlier releases byte for byte (Segment de-duplicates on them)', () => {
    // Pinned from the hand-written SHA-256 that @noble/hashes replaced: a replay after an upgrade must
    // carry the same messageId as the first send.
    expect(messageIdFor('wh:1', 'evt')).toBe('swm-60199b899cfa016ee78a39d7961878b3bf2d652fdf862061b57cbe332097669a');
    expect(messageIdFor('wh_1', 'x'.repeat(120))).toBe(
      'swm-d9cf34f5eebe1a40d455690fee02c94d2d1938a0a955a35086aa8b61313e6c7d',
    );
    expect(messageIdFor('wh_1', 'événement-😀')).toBe(
      'swm-c507f20d626fc89edf871e931f07c1621a3ff78698d259e9888e610237766212',
    );
    expect(messageIdFor('0b7d0f6e-2c1a-4c8e-9a51-6c8a3f1e2d4b', 'order 1001')).toBe(
      'swm-f406b6c56eed451f4e348c4eb510162ea7e590a54e42ae15082b3e10a7afa7cd',
    );
    expect(messageIdFor('w', '')).toBe('swm-df7b8bfb471ba2abdd70871ceae135cb174167e48db0cc9f088223c9d23eeeab');
  });

  it('hashes long or non-ASCII pairs with SHA-256 into at most 100 characters', async () => {
    const long = 'e'.repeat(200);
    const id = messageIdFor('wh_1', long);
    expect(id).toBe(`swm-${await sha256(`4:wh_1:${long}`)}`);
    expect(id.length).toBeLessThanOrEqual(MAX_MESSAGE_ID_LENGTH);
    expect(messageIdFor('wh_1', `${long}x`)).not.toBe(id);

    const unicode = messageIdFor('wh_1', 'événement-😀');
    expect(unicode).toBe(`swm-${await sha256('4:wh_1:événement-😀')}`);

    const colon = messageIdFor('wh:1', 'evt');
    expect(colon).toBe(`swm-${await sha256('4:wh:1:evt')}`);
    expect(colon).not.toContain(':');
  });

  it('uses the plain form up to exactly 100 characters', () => {
    const eventId = 'x'.repeat(MAX_MESSAGE_ID_LENGTH - 'wh_1:'.length);
    expect(messageIdFor('wh_1', eventId)).toBe(`wh_1:${eventId}`);
    expect(messageIdFor('wh_1', `${eventId}x`)).toMatch(/^swm-[0-9a-f]{64}$/);
  });

  it('hashes inputs spanning several SHA-256 blocks correctly', async () => {
    for (const length of [55, 56, 63, 64, 119, 120, 1000]) {
      const eventId = 'é'.repeat(length);
      expect(messageIdFor('w', eventId)).toBe(`swm-${await sha256(`1:w:${eventId}`)}`);
    }
  });
});

describe('sampleEvent', () => {
  it('is a valid event whose id and time come from now', () => {
    const now = new Date('2026-11-27T10:00:00.000Z');
    const sample = sampleEvent(now);
    expect(sample.occurredAt).toBe('2026-11-27T10:00:00.000Z');
    expect(sample.id).toBe(`sample-${now.getTime()}`);
    expect(sampleEvent(new Date(now.getTime() + 1)).id).not.toBe(sample.id);
    expect(typeof sample.person.id).toBe('string');
    const message = buildTrackMessage({
      webhookId: 'wh_1',
      config: { trackEventName: 'Test', sendActivityPayload: true, fields: [{ key: 'mail', from: 'person.email' }] },
      event: sample,
      test: true,
    });
    expect(message.properties.mail).toBe(sample.person.email);
    expect(message.integrations).toEqual({ All: false });
  });

  it('defaults to the current time', () => {
    const before = Date.now();
    const sample = sampleEvent();
    expect(Date.parse(sample.occurredAt)).toBeGreaterThanOrEqual(before);
  });
});
