/**
 * Change notifications of the PostgreSQL store: `onWork` and `onChanges` reach this process at once and
 * every other process sharing the database through `LISTEN/NOTIFY`, on one dedicated, reconnecting
 * connection (listener.ts) opened on the first subscription.
 */
import { randomUUID } from 'node:crypto';
import type { DeliveryChangeNotice, StoreUnsubscribe } from '@segment-webhook/core';
import type pg from 'pg';
import { NotificationListener } from './listener';
import type { NamedStatement } from './statements';

/** PostgreSQL rejects NOTIFY payloads of 8,000 bytes or more; stay well below. */
const MAX_NOTIFY_PAYLOAD = 7000;
/**
 * Change notices (the logs' live feed in other processes) wait this long for more to share their NOTIFY
 * statement; wake-ups go at once. Under load this turns a statement per commit into a few per second.
 */
export const CHANGE_NOTICE_DELAY_MS = 25;

/** A notification as sent on the channel: `s` is the sending store instance (its own are ignored). */
type Notice = { s: string; t: 'work' } | { s: string; t: 'changes'; w: string; d: string[] };

/** Splits `ids` into JSON payloads below {@link MAX_NOTIFY_PAYLOAD} bytes. */
function chunkIds(ids: readonly string[], make: (ids: string[]) => string): string[] {
  const payloads: string[] = [];
  let current: string[] = [];
  let size = make([]).length;
  for (const id of ids) {
    const cost = Buffer.byteLength(JSON.stringify(id)) + 1;
    if (current.length > 0 && size + cost > MAX_NOTIFY_PAYLOAD) {
      payloads.push(make(current));
      current = [];
      size = make([]).length;
    }
    current.push(id);
    size += cost;
  }
  if (current.length > 0) payloads.push(make(current));
  return payloads;
}

/** Options of {@link Notifications}. */
export interface NotificationsOptions {
  pool: pg.Pool;
  /** The channel (an identifier of at most 63 bytes). */
  channel: string;
  /** The NOTIFY statement (`SELECT pg_notify($1, payload) FROM unnest($2::text[])`). */
  notifyStatement: NamedStatement;
  onError: (error: unknown) => void;
  /** How long change notices wait for company before they are sent. Default {@link CHANGE_NOTICE_DELAY_MS}. */
  changeNoticeDelayMs?: number;
}

/** One store's notifications: local listeners, the NOTIFY sender and the LISTEN connection. */
export class Notifications {
  private readonly instanceId = randomUUID();
  private readonly workPayload = JSON.stringify({ s: this.instanceId, t: 'work' } satisfies Notice);
  private readonly workListeners = new Set<() => void>();
  private readonly changeListeners = new Set<(notice: DeliveryChangeNotice) => void>();
  /** Payloads waiting for the notifier (see `notifyInBackground`). */
  private buffer: string[] = [];
  private notifying: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private listener: NotificationListener | null = null;
  private closed = false;

  constructor(private readonly options: NotificationsOptions) {}

  onWork(listener: () => void): StoreUnsubscribe {
    this.workListeners.add(listener);
    this.ensureListening();
    return () => {
      this.workListeners.delete(listener);
    };
  }

  onChanges(listener: (notice: DeliveryChangeNotice) => void): StoreUnsubscribe {
    this.changeListeners.add(listener);
    this.ensureListening();
    return () => {
      this.changeListeners.delete(listener);
    };
  }

  /** `signalWork`: tells this process at once, and the others once the NOTIFY is sent. */
  async signalWork(): Promise<void> {
    this.dispatchWork();
    await this.notify([this.workPayload]);
  }

  /** Resolves once the LISTEN connection is up (opening it if no one subscribed yet). */
  async listening(): Promise<void> {
    this.ensureListening();
    await this.listener?.start();
  }

  /** After a commit that made work due: tells this process at once and the others through NOTIFY. */
  announceWork(): void {
    this.dispatchWork();
    this.notifyInBackground([this.workPayload]);
  }

  /** After a commit that changed deliveries: one notice per webhook, here and in the other processes. */
  announceChanges(byWebhook: ReadonlyMap<string, readonly string[]>): void {
    if (byWebhook.size === 0) return;
    const payloads: string[] = [];
    for (const [webhookId, deliveryIds] of byWebhook) {
      this.dispatchChanges({ webhookId, deliveryIds: [...deliveryIds] });
      payloads.push(
        ...chunkIds(deliveryIds, (d) => JSON.stringify({ s: this.instanceId, t: 'changes', w: webhookId, d })),
      );
    }
    this.notifyInBackground(payloads);
  }

  /** Drops the listeners: nothing is dispatched in this process any more, nor is the LISTEN connection opened. */
  detach(): void {
    this.closed = true;
    this.workListeners.clear();
    this.changeListeners.clear();
  }

  /** Detaches, sends what is buffered and closes the LISTEN connection. */
  async close(): Promise<void> {
    this.detach();
    this.drainNow();
    await this.notifying;
    await this.listener?.stop();
    this.listener = null;
  }

  /** Opens the LISTEN connection on the first subscription. */
  private ensureListening(): void {
    if (this.listener || this.closed) return;
    const { pool, channel, onError } = this.options;
    const clientConfig: pg.ClientConfig = { ...(pool.options as pg.ClientConfig), keepAlive: true };
    this.listener = new NotificationListener({
      clientConfig,
      channel,
      onPayload: (payload) => this.receive(payload),
      // Notifications sent while the connection was down are lost: wake the workers to look for themselves.
      onConnected: () => this.dispatchWork(),
      onError,
    });
    void this.listener.start();
  }

  private receive(payload: string): void {
    let notice: Notice;
    try {
      notice = JSON.parse(payload) as Notice;
    } catch {
      return;
    }
    // This instance already told its own listeners, synchronously after its commit.
    if (notice.s === this.instanceId) return;
    if (notice.t === 'work') this.dispatchWork();
    else if (notice.t === 'changes') this.dispatchChanges({ webhookId: notice.w, deliveryIds: notice.d });
  }

  private dispatchWork(): void {
    for (const listener of [...this.workListeners]) {
      try {
        listener();
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  private dispatchChanges(notice: DeliveryChangeNotice): void {
    for (const listener of [...this.changeListeners]) {
      try {
        listener({ webhookId: notice.webhookId, deliveryIds: [...notice.deliveryIds] });
      } catch (error) {
        this.options.onError(error);
      }
    }
  }

  /**
   * Sends the payloads to the other processes soon. Only they need them, and they are best effort (workers
   * also poll), so the caller's commit does not wait; one NOTIFY statement at a time carries everything
   * buffered meanwhile, so notifications never take more than one pooled connection. A wake-up is sent at
   * once, with every change notice buffered so far; change notices alone wait up to `changeNoticeDelayMs`
   * (default {@link CHANGE_NOTICE_DELAY_MS}) for company.
   */
  private notifyInBackground(payloads: string[]): void {
    let wake = false;
    for (const payload of payloads) {
      if (payload === this.workPayload) {
        wake = true;
        // Wake-ups are all alike: one per statement is enough.
        if (this.buffer.includes(payload)) continue;
      }
      this.buffer.push(payload);
    }
    if (this.notifying || this.buffer.length === 0) return; // The running drain takes them.
    if (wake) this.drainNow();
    else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.drainNow();
      }, this.options.changeNoticeDelayMs ?? CHANGE_NOTICE_DELAY_MS);
    }
  }

  private drainNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.notifying ??= this.drain();
  }

  private async drain(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, 1000);
      try {
        await this.notify(batch);
      } catch (error) {
        this.options.onError(error);
      }
    }
    this.notifying = null;
  }

  private async notify(payloads: string[]): Promise<void> {
    if (payloads.length === 0) return;
    const { pool, channel, notifyStatement } = this.options;
    await pool.query({ name: notifyStatement.name, text: notifyStatement.text, values: [channel, payloads] });
  }
}
