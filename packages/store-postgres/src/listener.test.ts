import net from 'node:net';
import { backoffDelay } from '@segment-webhook/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotificationListener } from './listener';

/** A port with nothing listening on it: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('NotificationListener (specific to the PostgreSQL store: its LISTEN connection)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('reconnects after refused connections with core’s backoff and its jitter', async () => {
    const port = await closedPort();
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((handler: () => void, ms?: number) => {
      // Only the listener's own reconnection timers (the driver schedules others).
      if (new Error().stack?.includes('scheduleReconnect')) delays.push(ms ?? 0);
      return realSetTimeout(handler, ms);
    }) as typeof setTimeout);
    let errors = 0;
    const listener = new NotificationListener({
      clientConfig: { host: '127.0.0.1', port, user: 'postgres', database: 'test' },
      channel: 'swk_listener_test',
      onPayload: () => {},
      onConnected: () => {},
      onError: () => {
        errors += 1;
      },
      minReconnectDelayMs: 4,
      maxReconnectDelayMs: 20,
      random: () => 0.5,
    });
    await listener.start();
    await vi.waitFor(() => expect(errors).toBeGreaterThanOrEqual(4), { timeout: 5_000, interval: 5 });
    await listener.stop();
    const backoff = { baseDelayMs: 4, factor: 2, maxDelayMs: 20 };
    // 4·2ⁿ drawn at 1.5×, capped at 20: 6, 12, 20, 20 (the old doubling gave 4, 8, 16, 20).
    expect(delays.slice(0, 4)).toEqual([0, 1, 2, 3].map((n) => backoffDelay(backoff, n, () => 0.5)));
    expect(delays.slice(0, 4)).toEqual([6, 12, 20, 20]);
  });
});
