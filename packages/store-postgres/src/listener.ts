import { backoffDelay } from '@segment-webhook/core';
import pg from 'pg';

/** Options of {@link NotificationListener}. */
export interface NotificationListenerOptions {
  /** Connection settings of the dedicated LISTEN connection (a pooled connection cannot LISTEN reliably). */
  clientConfig: pg.ClientConfig;
  /** The channel to LISTEN on (an identifier, at most 63 bytes). */
  channel: string;
  /** Called with each notification's payload. */
  onPayload: (payload: string) => void;
  /**
   * Called after every (re)connection once LISTEN is in place: notifications sent while disconnected are
   * lost, so the caller treats this as "something may have changed".
   */
  onConnected: () => void;
  /** Called with connection errors (they are retried, never thrown). */
  onError: (error: unknown) => void;
  /**
   * First reconnection delay before jitter; doubles per failure in a row up to `maxReconnectDelayMs`, drawn
   * between 1× and 2× (core's `backoffDelay`, so many processes cut off together do not reconnect at once).
   * Default 100 ms.
   */
  minReconnectDelayMs?: number;
  /** Largest reconnection delay. Default 5,000 ms. */
  maxReconnectDelayMs?: number;
  /** Jitter source of the backoff, [0, 1). Default `Math.random`. */
  random?: () => number;
}

/**
 * A dedicated connection that LISTENs on one channel and reconnects with exponential backoff and jitter
 * when the connection drops (server restart, `pg_terminate_backend`, network failure).
 */
export class NotificationListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  /** Failed (re)connections in a row. */
  private failures = 0;
  private connecting: Promise<void> | null = null;
  private readonly minDelay: number;
  private readonly maxDelay: number;

  constructor(private readonly options: NotificationListenerOptions) {
    this.minDelay = options.minReconnectDelayMs ?? 100;
    this.maxDelay = options.maxReconnectDelayMs ?? 5000;
  }

  /** Connects (once); resolves when LISTEN is in place, or after the first failed attempt (it keeps retrying). */
  start(): Promise<void> {
    if (!this.connecting) this.connecting = this.connect();
    return this.connecting;
  }

  /** Whether the LISTEN connection is currently up. */
  get connected(): boolean {
    return this.client !== null;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client(this.options.clientConfig);
    let dropped = false;
    const drop = (error?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (error) this.options.onError(error);
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      this.scheduleReconnect();
    };
    client.on('error', drop);
    client.on('end', () => drop());
    client.on('notification', (message) => {
      if (message.channel === this.options.channel && message.payload !== undefined) {
        this.options.onPayload(message.payload);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      drop(error);
      return;
    }
    if (this.stopped || dropped) {
      client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.failures = 0;
    this.options.onConnected();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.timer) return;
    const delay = backoffDelay(
      { baseDelayMs: this.minDelay, factor: 2, maxDelayMs: this.maxDelay },
      this.failures,
      this.options.random,
    );
    this.failures += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connecting = this.connect();
    }, delay);
    this.timer.unref();
  }

  /** Stops listening and closes the connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.connecting?.catch(() => {});
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners();
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }
}
