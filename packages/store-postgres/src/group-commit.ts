/**
 * Write batching of the PostgreSQL store: concurrent `insertDeliveries` calls share one statement (group
 * commit), and concurrent route lookups of `ingest` share one query, so a burst of calls does not queue for
 * pooled connections.
 */
import {
  type ClaimedDelivery,
  claimedAtInsert,
  type InsertedDelivery,
  type InsertLease,
  type NewDelivery,
  type WebhookRecord,
} from '@segment-webhook/core';
import { num, type Row, toWebhook } from './rows';
import type { PostgresStatements } from './statements';

/**
 * Insert statements running at once. One: everything reported during a commit goes into the next
 * statement. Two ran ~20 % slower in the delivery benchmark (smaller statements, each waiting for its own
 * WAL flush, contending for the same index pages).
 */
const MAX_INSERT_STATEMENTS = 1;
/** Most deliveries merged into one insert statement. */
const MAX_ROWS_PER_INSERT = 5000;
/**
 * Fair share at ingest: while a statement of at least this many rows runs (a customer importing a backlog),
 * calls of at most {@link SMALL_CALL_ROWS} deliveries (customers reporting events as they happen) go in a
 * statement of their own instead of waiting for it. Below it, one statement at a time as above.
 */
const LARGE_STATEMENT_ROWS = 500;
const SMALL_CALL_ROWS = 50;
/** Route lookups running at once. */
const MAX_ROUTE_STATEMENTS = 2;

/** One waiting {@link GroupCommit.insert} call. */
interface InsertCall {
  deliveries: readonly NewDelivery[];
  lease: InsertLease | undefined;
  resolve: (results: InsertedDelivery[]) => void;
  reject: (error: unknown) => void;
}

/** One waiting {@link GroupCommit.resolveRoutes} call. */
interface RouteCall {
  accountId: string;
  activityIds: string[];
  resolve: (routes: Map<string, WebhookRecord>) => void;
  reject: (error: unknown) => void;
}

/** What the store announces after a commit (see notifications.ts). */
export interface InsertAnnouncer {
  announceWork(): void;
  announceChanges(byWebhook: ReadonlyMap<string, readonly string[]>): void;
}

/** The lease of each delivery of these calls: the first `lease.max` of each call with a lease. */
function leasesOf(calls: readonly InsertCall[]): Map<NewDelivery, InsertLease> {
  const leases = new Map<NewDelivery, InsertLease>();
  for (const { lease, deliveries } of calls) {
    if (!lease) continue;
    for (const d of deliveries.slice(0, Math.max(0, lease.max))) leases.set(d, lease);
  }
  return leases;
}

const keyOf = (d: { webhookId: string; source: string; eventId: string }) =>
  JSON.stringify([d.webhookId, d.source, d.eventId]);

/** The group commit and the merged route lookups of one store. */
export class GroupCommit {
  private readonly insertQueue: InsertCall[] = [];
  private readonly routeQueue: RouteCall[] = [];
  private insertsRunning = 0;
  /** Rows of the statement running in the main lane (0 when none). */
  private mainRows = 0;
  /** Whether the small calls' lane has a statement running. */
  private smallRunning = false;
  private routesRunning = 0;

  constructor(
    private readonly sql: PostgresStatements,
    private readonly announcer: InsertAnnouncer,
  ) {}

  /** Calls queued or running. */
  get busy(): boolean {
    return (
      this.insertsRunning + this.insertQueue.length + this.routesRunning + this.routeQueue.length > 0 ||
      this.smallRunning
    );
  }

  /** Queues an insert; it resolves after the commit that holds its deliveries. */
  insert(deliveries: readonly NewDelivery[], lease: InsertLease | undefined): Promise<InsertedDelivery[]> {
    return new Promise((resolve, reject) => {
      this.insertQueue.push({ deliveries, lease, resolve, reject });
      this.pumpInserts();
    });
  }

  /** Queues a route lookup. */
  resolveRoutes(accountId: string, activityIds: readonly string[]): Promise<Map<string, WebhookRecord>> {
    return new Promise((resolve, reject) => {
      this.routeQueue.push({ accountId, activityIds: [...new Set(activityIds)], resolve, reject });
      this.pumpRouteLookups();
    });
  }

  /**
   * Group commit: a call starts its statement at once while fewer than {@link MAX_INSERT_STATEMENTS} are
   * running; calls made meanwhile wait and then go together in one statement (one commit, one WAL flush),
   * so a host reporting events one by one pays for a commit per burst, not per event. Each call still
   * resolves only after the commit that holds its deliveries.
   */
  private pumpInserts(): void {
    while (this.insertsRunning < MAX_INSERT_STATEMENTS && this.insertQueue.length > 0) {
      const calls: InsertCall[] = [];
      let rows = 0;
      while (
        this.insertQueue.length > 0 &&
        (calls.length === 0 || rows + this.insertQueue[0]!.deliveries.length <= MAX_ROWS_PER_INSERT)
      ) {
        const call = this.insertQueue.shift()!;
        calls.push(call);
        rows += call.deliveries.length;
      }
      this.insertsRunning += 1;
      this.mainRows = rows;
      void this.runInsertCalls(calls).finally(() => {
        this.insertsRunning -= 1;
        this.mainRows = 0;
        this.pumpInserts();
      });
    }
    if (this.smallRunning || this.mainRows < LARGE_STATEMENT_ROWS) return;
    const small: InsertCall[] = [];
    let rows = 0;
    for (let i = 0; i < this.insertQueue.length; ) {
      const call = this.insertQueue[i]!;
      if (call.deliveries.length <= SMALL_CALL_ROWS && rows + call.deliveries.length <= MAX_ROWS_PER_INSERT) {
        small.push(call);
        rows += call.deliveries.length;
        this.insertQueue.splice(i, 1);
      } else i += 1;
    }
    if (small.length === 0) return;
    this.smallRunning = true;
    void this.runInsertCalls(small).finally(() => {
      this.smallRunning = false;
      this.pumpInserts();
    });
  }

  private async runInsertCalls(calls: InsertCall[]): Promise<void> {
    try {
      // Merged in call order, so a key repeated across calls resolves as it would have one call after another.
      const deliveries = calls.flatMap((call) => call.deliveries);
      const results = await this.insertNow(deliveries, false, leasesOf(calls));
      let offset = 0;
      const perCall = calls.map((call) => {
        const slice = results.slice(offset, offset + call.deliveries.length);
        offset += call.deliveries.length;
        return slice;
      });
      calls.forEach((call, index) => {
        call.resolve(perCall[index]!);
      });
      this.announceInserted(deliveries, results);
    } catch (error) {
      if (calls.length === 1) {
        calls[0]!.reject(error);
        return;
      }
      // One bad call (e.g. a webhook deleted meanwhile) must not fail the others: run them one by one.
      for (const call of calls) {
        await this.insertNow(call.deliveries, true, leasesOf([call])).then(call.resolve, call.reject);
      }
    }
  }

  /** After inserts that were not announced yet: changes, and work unless every new delivery was leased. */
  private announceInserted(deliveries: readonly NewDelivery[], results: readonly InsertedDelivery[]): void {
    const createdByWebhook = new Map<string, string[]>();
    let due = false;
    for (const [index, result] of results.entries()) {
      if (!result.created) continue;
      if (!result.claimed && !result.skipped) due = true;
      const webhookId = deliveries[index]!.webhookId;
      const list = createdByWebhook.get(webhookId) ?? [];
      list.push(result.id);
      createdByWebhook.set(webhookId, list);
    }
    // Changes first: the wake-up then takes them along in its NOTIFY statement.
    this.announcer.announceChanges(createdByWebhook);
    if (due) this.announcer.announceWork();
  }

  private async insertNow(
    deliveries: readonly NewDelivery[],
    announce = true,
    leases: ReadonlyMap<NewDelivery, InsertLease> = new Map(),
  ): Promise<InsertedDelivery[]> {
    // The first occurrence of a key in this call wins; later ones resolve to it.
    const firsts = new Map<string, NewDelivery>();
    for (const delivery of deliveries) {
      const key = keyOf(delivery);
      if (!firsts.has(key)) firsts.set(key, delivery);
    }
    const rows = [...firsts.values()].map((d) => ({
      lease_owner: leases.get(d)?.owner ?? null,
      lease_until: leases.get(d)?.until ?? null,
      lease_now: leases.get(d)?.now ?? null,
      id: d.id,
      account_id: d.accountId,
      webhook_id: d.webhookId,
      event_id: d.eventId,
      person_id: d.personId,
      activity_id: d.activityId,
      source: d.source,
      message_id: d.messageId,
      message: d.message,
      occurred_at: d.occurredAt,
      created_at: d.createdAt,
      config_version: d.configVersion ?? null,
    }));
    const inserted = await this.sql.insertDeliveries(rows);
    const holders = new Map<string, InsertedDelivery>();
    const createdByWebhook = new Map<string, string[]>();
    // Skipped deliveries are never due: they alone wake no worker.
    let due = false;
    for (const row of inserted) {
      const key = keyOf({
        webhookId: row.webhook_id as string,
        source: row.source as string,
        eventId: row.event_id as string,
      });
      const holder: InsertedDelivery = { id: row.id as string, messageId: row.message_id as string, created: true };
      if (row.status === 'skipped') holder.skipped = true;
      else due = true;
      const d = firsts.get(key);
      if (row.lease_owner !== null && d) {
        // Claim at insert: leased by this very INSERT, with the webhook read by the same statement.
        holder.claimed = claimedAtInsert(d, num(row.next_attempt_at), {
          writeKeyCiphertext: row.write_key_ciphertext as string,
          writeKeyFingerprint: row.write_key_fingerprint as string,
          region: row.region as ClaimedDelivery['region'],
          webhookVersion: num(row.webhook_version),
        });
      }
      holders.set(key, holder);
      const list = createdByWebhook.get(row.webhook_id as string) ?? [];
      list.push(row.id as string);
      createdByWebhook.set(row.webhook_id as string, list);
    }
    const missing = [...firsts.entries()].filter(([key]) => !holders.has(key)).map(([, d]) => d);
    if (missing.length > 0) {
      // Keys that already existed (ON CONFLICT DO NOTHING waited for any concurrent inserter to commit).
      const existing = await this.sql.existingDeliveries(
        missing.map((d) => ({ webhook_id: d.webhookId, source: d.source, event_id: d.eventId })),
      );
      for (const row of existing) {
        holders.set(
          keyOf({ webhookId: row.webhook_id as string, source: row.source as string, eventId: row.event_id as string }),
          { id: row.id as string, messageId: row.message_id as string, created: false },
        );
      }
      const stillMissing = missing.filter((d) => !holders.has(keyOf(d)));
      if (stillMissing.length > 0) {
        // The existing delivery was deleted between the two statements (pruned or its webhook deleted):
        // insert again.
        const again = await this.insertNow(stillMissing);
        stillMissing.forEach((d, i) => {
          holders.set(keyOf(d), again[i]!);
        });
      }
    }
    if (createdByWebhook.size > 0 && announce) {
      // Changes first: the wake-up then takes them along in its NOTIFY statement.
      this.announcer.announceChanges(createdByWebhook);
      if (due) this.announcer.announceWork();
    }
    return deliveries.map((d) => {
      const holder = holders.get(keyOf(d))!;
      // A later duplicate of a key created by this very call did not create anything itself.
      return holder.created && holder.id !== d.id ? { ...holder, created: false } : { ...holder };
    });
  }

  /**
   * Like inserts, concurrent lookups (one per `ingest` call) share a statement while
   * {@link MAX_ROUTE_STATEMENTS} are running.
   */
  private pumpRouteLookups(): void {
    while (this.routesRunning < MAX_ROUTE_STATEMENTS && this.routeQueue.length > 0) {
      const calls = this.routeQueue.splice(0, 1000);
      this.routesRunning += 1;
      void this.runRouteLookups(calls).finally(() => {
        this.routesRunning -= 1;
        this.pumpRouteLookups();
      });
    }
  }

  private async runRouteLookups(calls: RouteCall[]): Promise<void> {
    const pairs = new Map<string, { account_id: string; activity_id: string }>();
    for (const call of calls) {
      for (const activityId of call.activityIds) {
        pairs.set(JSON.stringify([call.accountId, activityId]), {
          account_id: call.accountId,
          activity_id: activityId,
        });
      }
    }
    let rows: Row[];
    try {
      rows = await this.sql.resolveRoutes([...pairs.values()]);
    } catch (error) {
      for (const call of calls) call.reject(error);
      return;
    }
    const found = new Map<string, Row>();
    for (const row of rows) found.set(JSON.stringify([row.route_account_id, row.route_activity_id]), row);
    for (const call of calls) {
      const result = new Map<string, WebhookRecord>();
      for (const activityId of call.activityIds) {
        const row = found.get(JSON.stringify([call.accountId, activityId]));
        // A fresh record per call: callers may mutate what they get.
        if (row) result.set(activityId, toWebhook(row));
      }
      call.resolve(result);
    }
  }
}
