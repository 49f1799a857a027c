import type { DeliveryWorkerStatus, StoreHealth } from '@segment-webhook/core';
import { StoreFailure } from '@segment-webhook/core';
import { memoryStore } from '@segment-webhook/core/memory';
import { describe, expect, it } from 'vitest';
import { createHealthHandlers } from './health';

const T = Date.UTC(2026, 11, 4, 12, 0, 0);
const running: DeliveryWorkerStatus = { state: 'running', lastTickAt: T, pollIntervalMs: 1000 };

function storeAnswering(answer: () => Promise<StoreHealth>) {
  return { checkHealth: answer };
}
const healthy = () => Promise.resolve<StoreHealth>({ schemaVersion: 3, expectedSchemaVersion: 3, storage: 'ok' });

describe('createHealthHandlers', () => {
  it('is alive as long as it answers, and ready with a migrated store and a running worker', async () => {
    const store = memoryStore();
    const health = createHealthHandlers({ store, worker: { status: () => running }, now: () => T + 5_000 });
    const live = health.liveness();
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await health.readiness();
    expect(ready.status).toBe(200);
    expect(ready.headers.get('content-type')).toMatch(/^application\/json/);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: {
        store: { status: 'ok' },
        migrations: { status: 'ok', schemaVersion: 1, expectedSchemaVersion: 1 },
        worker: { status: 'ok', state: 'running', lastTickAt: new Date(T).toISOString() },
      },
    });
    const head = await health.readiness(new Request('http://h/readyz', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 503 with the reason: store unavailable, storage full, migrations pending, another failure', async () => {
    const cases: [() => Promise<StoreHealth>, string, string | null][] = [
      [() => Promise.reject(new StoreFailure('unavailable', 'down')), 'unavailable', '1'],
      [
        () => Promise.resolve({ schemaVersion: 3, expectedSchemaVersion: 3, storage: 'storage_full' }),
        'storage_full',
        '10',
      ],
      [() => Promise.reject(new StoreFailure('storage_full', 'full')), 'storage_full', '10'],
      [
        () => Promise.resolve({ schemaVersion: 2, expectedSchemaVersion: 3, storage: 'ok' }),
        'migrations_pending',
        null,
      ],
      [() => Promise.reject(new Error('syntax error')), 'store_error', null],
    ];
    for (const [answer, reason, retryAfter] of cases) {
      const response = await createHealthHandlers({ store: storeAnswering(answer) }).readiness();
      expect(response.status, reason).toBe(503);
      expect(response.headers.get('retry-after'), reason).toBe(retryAfter);
      expect(await response.json(), reason).toMatchObject({ status: 'not_ready', reason });
    }
    // A newer schema (migrated by a newer release during a rolling deploy) is fine.
    const newer = createHealthHandlers({
      store: storeAnswering(() => Promise.resolve({ schemaVersion: 4, expectedSchemaVersion: 3, storage: 'ok' })),
    });
    expect((await newer.readiness()).status).toBe(200);
  });

  it('counts a store that does not answer within timeoutMs as unavailable', async () => {
    const health = createHealthHandlers({ store: storeAnswering(() => new Promise(() => {})), timeoutMs: 20 });
    expect(await health.check()).toMatchObject({
      status: 'not_ready',
      reason: 'unavailable',
      checks: { store: { status: 'unavailable', detail: 'The store did not answer within 20 ms.' } },
    });
  });

  it('is not ready while the worker is not running (before start, stopping, stopped) or its loop is stuck', async () => {
    for (const state of ['idle', 'stopping', 'stopped'] as const) {
      const health = createHealthHandlers({
        store: storeAnswering(healthy),
        worker: { status: () => ({ ...running, state }) },
      });
      expect(await health.check(), state).toMatchObject({
        reason: 'worker_not_running',
        checks: { worker: { state } },
      });
    }
    let now = T + 30_000;
    const health = createHealthHandlers({
      store: storeAnswering(healthy),
      worker: { status: () => running },
      now: () => now,
    });
    expect((await health.check()).status).toBe('ready');
    now = T + 30_001;
    expect(await health.check()).toMatchObject({ reason: 'worker_stalled', checks: { worker: { status: 'stalled' } } });
    // A longer poll interval allows a longer quiet loop (three intervals).
    const slow = createHealthHandlers({
      store: storeAnswering(healthy),
      worker: { status: () => ({ ...running, pollIntervalMs: 20_000 }) },
      now: () => T + 59_000,
    });
    expect((await slow.check()).status).toBe('ready');
  });
});
