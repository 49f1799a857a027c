import { activityEventSchema } from '@segment-webhook/core/contract';
import { describe, expect, it } from 'vitest';
import { ACTIVITIES } from '../src/catalog';
import { generateActivityEvents, postActivityEvents } from '../src/simulator';

/** A deterministic random source (mulberry32). */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('generateActivityEvents', () => {
  it('generates valid activity events of the catalog with unique ids, oldest first', () => {
    const now = new Date('2026-11-27T12:00:00.000Z');
    const events = generateActivityEvents({ count: 300, now, random: seeded(7) });
    expect(events).toHaveLength(300);
    for (const event of events) expect(() => activityEventSchema.parse(event)).not.toThrow();
    expect(new Set(events.map((event) => event.id)).size).toBe(300);
    const times = events.map((event) => Date.parse(event.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times.at(-1)).toBe(now.getTime());
    const activityIds = new Set(events.map((event) => event.activityId));
    expect([...activityIds].sort()).toEqual(ACTIVITIES.map((activity) => activity.id).sort());
  });

  it('gives each activity its own attributes', () => {
    const [order] = generateActivityEvents({ count: 1, activityIds: ['order-placed'], random: seeded(1) });
    expect(order?.attributes).toMatchObject({ currency: 'USD', order_id: expect.stringMatching(/^ORD-/) });
    expect(order?.person).toMatchObject({ id: expect.stringMatching(/^usr_/), email: expect.stringContaining('@') });
  });
});

describe('postActivityEvents', () => {
  it('posts a batch to the ingest route and reads the answer', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fakeFetch = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ accepted: 2, deliveries: 1 }), { status: 202 });
    }) as unknown as typeof fetch;
    const events = generateActivityEvents({ count: 2, random: seeded(3) });
    const result = await postActivityEvents('/api/segment-webhooks', events, {
      headers: { 'x-account-id': 'globex' },
      fetch: fakeFetch,
    });
    expect(result).toEqual({ accepted: 2, deliveries: 1 });
    expect(calls[0]?.url).toBe('/api/segment-webhooks/events');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ events });
    expect(calls[0]?.init.headers).toMatchObject({ 'x-account-id': 'globex' });
  });

  it('throws the problem detail when the API refuses', async () => {
    const fakeFetch = (async () =>
      new Response(JSON.stringify({ title: 'Bad Request', detail: 'events[0].id: Required' }), {
        status: 400,
      })) as unknown as typeof fetch;
    await expect(postActivityEvents('/api', [], { fetch: fakeFetch })).rejects.toThrow('events[0].id: Required');
  });
});
