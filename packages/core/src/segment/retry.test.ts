import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrackMessage } from '../contract/index';
import {
  backoffDelay,
  classifyStatus,
  DEFAULT_RETRY_POLICY,
  parseRetryAfter,
  type RetryPolicy,
  sendWithRetry,
} from './retry';
import type { DeliveryOutcome, SegmentClient, SendRequest } from './types';

describe('DEFAULT_RETRY_POLICY', () => {
  it('matches the official library', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      baseDelayMs: 500,
      factor: 2,
      maxDelayMs: 60_000,
      maxAttempts: 10,
      maxAgeMs: 12 * 60 * 60 * 1000,
    });
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('is min((1 + random) · base · factor^attempt, max)', () => {
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 0, () => 0)).toBe(500);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 0, () => 0.5)).toBe(750);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 3, () => 0)).toBe(4_000);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 6, () => 0.25)).toBe(40_000);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 7, () => 0)).toBe(60_000);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 30, () => 0.99)).toBe(60_000);
  });

  it('stays between 1× and 2× the exponential delay and never above the cap', () => {
    const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, factor: 3, maxDelayMs: 10_000 };
    for (let attempt = 0; attempt < 15; attempt++) {
      for (const random of [0, 0.1, 0.5, 0.999999]) {
        const delay = backoffDelay(policy, attempt, () => random);
        const exponential = 100 * 3 ** attempt;
        expect(delay).toBeGreaterThanOrEqual(Math.min(exponential, 10_000));
        expect(delay).toBeLessThanOrEqual(Math.min(2 * exponential, 10_000));
      }
    }
  });

  it('is a whole number of milliseconds for any policy and jitter (the store keeps integers)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 10_000, noNaN: true }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (baseDelayMs, factor, attempt, random) => {
          const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs, factor };
          const delay = backoffDelay(policy, attempt, () => random);
          expect(Number.isSafeInteger(delay)).toBe(true);
          expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
        },
      ),
    );
  });

  it('uses Math.random by default', () => {
    const spy = vi.spyOn(Math, 'random').mockReturnValue(1 / 4);
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 1)).toBe(1_250);
    spy.mockRestore();
  });
});

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [408, 'retry'],
    [410, 'retry'],
    [429, 'retry'],
    [460, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [599, 'retry'],
    [501, 'failed'],
    [505, 'failed'],
    [400, 'failed'],
    [401, 'failed'],
    [404, 'failed'],
    [413, 'failed'],
    [301, 'failed'],
    [100, 'failed'],
  ])('%i → %s', (status, expected) => {
    expect(classifyStatus(status)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-27T10:00:00.000Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3_000);
  });

  it('reads an HTTP date relative to now; a past date is 0', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 27 Nov 2026 09:00:00 GMT', now)).toBe(0);
  });

  it('caps the delay, at 300 s by default', () => {
    expect(parseRetryAfter('86400', now)).toBe(300_000);
    expect(parseRetryAfter('Sat, 28 Nov 2026 10:00:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('60', now, 10_000)).toBe(10_000);
  });

  it('is null when missing or unparsable', () => {
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('12abc', now)).toBeNull();
  });
});

function message(id: string): TrackMessage {
  return {
    type: 'track',
    event: 'E',
    userId: 'u',
    messageId: id,
    timestamp: '2026-11-27T10:00:00.000Z',
    properties: {},
    context: { library: { name: 'x', version: '0' } },
  };
}

const RETRY: DeliveryOutcome = { kind: 'retry', retryAfterMs: null, rateLimited: false };
const DELIVERED: DeliveryOutcome = { kind: 'delivered' };

/**
 * A client whose answers are scripted per messageId: each send takes the next outcome of each message
 * (the last one repeats). Records what it was asked and when.
 */
function scriptedClient(script: Record<string, DeliveryOutcome[]>) {
  const calls: { at: number; ids: string[]; retryCount: number | undefined }[] = [];
  const client: SegmentClient = {
    async send(request: SendRequest) {
      calls.push({ at: Date.now(), ids: request.messages.map((m) => m.messageId), retryCount: request.retryCount });
      return {
        results: request.messages.map((m) => {
          const outcomes = script[m.messageId]!;
          const outcome = outcomes.length > 1 ? outcomes.shift()! : outcomes[0]!;
          const status = outcome.kind === 'delivered' ? 200 : outcome.kind === 'failed' ? 400 : 503;
          return {
            messageId: m.messageId,
            outcome,
            attempt: {
              at: new Date().toISOString(),
              httpStatus: status,
              latencyMs: 1,
              error: null,
              responseBody: null,
            },
          };
        }),
      };
    },
    async close() {},
  };
  return { client, calls };
}

describe('sendWithRetry', () => {
  const zero = () => 0;
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-11-27T10:00:00.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function run<T>(promise: Promise<T>): Promise<T> {
    await vi.runAllTimersAsync();
    return promise;
  }

  it('retries with exponential backoff and X-Retry-Count until delivered', async () => {
    const { client, calls } = scriptedClient({ a: [RETRY, RETRY, DELIVERED] });
    const start = Date.now();
    const report = await run(
      sendWithRetry(client, { writeKey: 'k', region: 'us', messages: [message('a')] }, { random: zero }),
    );
    expect(report).toMatchObject({ results: [{ messageId: 'a', outcome: DELIVERED }] });
    expect(report.results[0]!.attempts).toHaveLength(3);
    expect(calls.map((call) => call.retryCount)).toEqual([0, 1, 2]);
    expect(calls.map((call) => call.at - start)).toEqual([0, 500, 1_500]);
  });

  it('gives up after maxAttempts with the delays bounded by the cap', async () => {
    const { client, calls } = scriptedClient({ a: [RETRY] });
    const start = Date.now();
    const report = await run(
      sendWithRetry(client, { writeKey: 'k', region: 'us', messages: [message('a')] }, { random: zero }),
    );
    const [result] = report.results;
    expect(result!.outcome).toEqual({ kind: 'failed', reason: 'Gave up after 10 attempts: HTTP 503' });
    expect(result!.attempts).toHaveLength(10);
    const gaps = calls.slice(1).map((call, i) => call.at - calls[i]!.at);
    expect(gaps).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
    expect(Date.now() - start).toBe(183_500);
  });

  it('keeps every delay within the jitter bounds', async () => {
    const { client, calls } = scriptedClient({ a: [RETRY] });
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 8 };
    await run(sendWithRetry(client, { writeKey: 'k', region: 'us', messages: [message('a')] }, { policy }));
    const gaps = calls.slice(1).map((call, i) => call.at - calls[i]!.at);
    gaps.forEach((gap, attempt) => {
      const exponential = 500 * 2 ** attempt;
      expect(gap).toBeGreaterThanOrEqual(Math.min(exponential, 60_000));
      expect(gap).toBeLessThanOrEqual(Math.min(2 * exponential, 60_000));
    });
  });

  it('waits the Retry-After of a rate limit and does not count it as an attempt', async () => {
    const limited: DeliveryOutcome = { kind: 'retry', retryAfterMs: 7_000, rateLimited: true };
    const { client, calls } = scriptedClient({ a: [limited, limited, limited, RETRY, DELIVERED] });
    const start = Date.now();
    const policy = { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 };
    const report = await run(
      sendWithRetry(client, { writeKey: 'k', region: 'us', messages: [message('a')] }, { policy, random: zero }),
    );
    expect(report.results[0]!.outcome).toEqual(DELIVERED);
    expect(calls.map((call) => call.at - start)).toEqual([0, 7_000, 14_000, 21_000, 21_500]);
  });

  it('gives up when the next attempt would pass the maximum age', async () => {
    const { client, calls } = scriptedClient({ a: [RETRY] });
    const policy = { ...DEFAULT_RETRY_POLICY, maxAgeMs: 5_000 };
    const report = await run(
      sendWithRetry(client, { writeKey: 'k', region: 'us', messages: [message('a')] }, { policy, random: zero }),
    );
    // Attempts at 0, 500, 1,500 and 3,500 ms; the next one would be at 7,500 ms.
    expect(calls).toHaveLength(4);
    expect(report.results[0]!.outcome).toEqual({
      kind: 'failed',
      reason: 'Gave up after the maximum age: HTTP 503',
    });
  });

  it('resends only the unfinished messages and never retries a permanent failure', async () => {
    const failed: DeliveryOutcome = { kind: 'failed', reason: 'HTTP 400' };
    const { client, calls } = scriptedClient({
      a: [DELIVERED],
      b: [failed],
      c: [RETRY, DELIVERED],
    });
    const report = await run(
      sendWithRetry(
        client,
        { writeKey: 'k', region: 'us', messages: [message('a'), message('b'), message('c')] },
        { random: zero },
      ),
    );
    expect(calls.map((call) => call.ids)).toEqual([['a', 'b', 'c'], ['c']]);
    const results = report.results;
    expect(results.map((result) => [result.messageId, result.outcome.kind, result.attempts.length])).toEqual([
      ['a', 'delivered', 1],
      ['b', 'failed', 1],
      ['c', 'delivered', 2],
    ]);
  });

  it('stops when aborted while waiting and leaves the message to retry', async () => {
    const { client, calls } = scriptedClient({ a: [RETRY] });
    const controller = new AbortController();
    const promise = sendWithRetry(
      client,
      { writeKey: 'k', region: 'us', messages: [message('a')] },
      { random: zero, signal: controller.signal },
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    controller.abort();
    const report = await run(promise);
    expect(calls).toHaveLength(2);
    expect(report.results[0]!.outcome).toEqual(RETRY);
  });

  it('uses an injected sleep', async () => {
    vi.useRealTimers();
    const { client } = scriptedClient({ a: [RETRY, RETRY, DELIVERED] });
    const slept: number[] = [];
    const report = await sendWithRetry(
      client,
      { writeKey: 'k', region: 'us', messages: [message('a')] },
      { random: zero, sleep: async (ms) => void slept.push(ms) },
    );
    expect(slept).toEqual([500, 1_000]);
    expect(report.results[0]!.outcome).toEqual(DELIVERED);
  });
});
