/**
 * An in-memory `Store`: the same semantics as the SQLite and PostgreSQL stores (it runs the same
 * conformance suite), kept in plain maps. For tests, stories and in-browser demos: nothing survives the
 * page or the process. Browser-safe (no `node:` modules).
 */
import { deliveryMatchesFilter, heldReasonOf } from '../contract/rules';
import type { DeliveryStatus, JsonValue, TrackMessage } from '../contract/schemas';
import { WEBHOOK_PATCH_COLUMNS } from '../store/columns';
import { takeInTurns } from '../store/fair-share';
import { storeTimes } from '../store/times';
import {
  type AttemptRecord,
  type ClaimedDelivery,
  type DeliveryChangeNotice,
  type DeliveryDetailRecord,
  type DeliveryRecord,
  type DeliveryStats,
  type DeliveryWithMessage,
  type HistoryRecord,
  type InsertedDelivery,
  LAG_SAMPLE_SIZE,
  type NewHistoryEntry,
  type RouteRecord,
  type Store,
  type WebhookPatch,
  type WebhookRecord,
} from '../store/types';

/** A stored delivery: the record, its message and attempts, and who holds its lease. */
interface Row extends DeliveryRecord {
  /** Insertion order (claims and pruning go oldest first, as the SQL stores' row ids). */
  seq: number;
  message: TrackMessage;
  messageJson: string | undefined;
  attempts: AttemptRecord[];
  leaseOwner: string | null;
}

const copyWebhook = (webhook: WebhookRecord): WebhookRecord => ({
  ...webhook,
  fields: structuredClone(webhook.fields),
});

function copyDelivery(row: Row): DeliveryRecord {
  return {
    id: row.id,
    accountId: row.accountId,
    webhookId: row.webhookId,
    eventId: row.eventId,
    personId: row.personId,
    activityId: row.activityId,
    source: row.source,
    status: row.status,
    messageId: row.messageId,
    attemptCount: row.attemptCount,
    countedAttempts: row.countedAttempts,
    occurredAt: row.occurredAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    cycleStartedAt: row.cycleStartedAt,
    nextAttemptAt: row.nextAttemptAt,
    deliveredAt: row.deliveredAt,
    firstDeliveredAt: row.firstDeliveredAt,
    lastError: row.lastError,
    lastHttpStatus: row.lastHttpStatus,
    configVersion: row.configVersion,
  };
}

const copyHistory = (entry: HistoryRecord): HistoryRecord => ({ ...entry, changes: structuredClone(entry.changes) });

type Position = { createdAt: number; id: string };

/** Oldest first: `createdAt`, then `id` (`listDeliveries` reads it backwards: newest first). */
function olderFirst(a: Position, b: Position): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The first index of `list` (oldest first) whose row is not older than `position`. */
function lowerBound(list: readonly Row[], position: Position): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (olderFirst(list[middle]!, position) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

const isUnfinished = (status: DeliveryStatus) => status === 'pending' || status === 'retrying';

/**
 * Creates an empty in-memory store. Every method behaves as the `Store` interface documents (atomic, account
 * scoped, fresh copies, integer times — a time that is not whole milliseconds is a `TypeError`); change and
 * work notifications reach the listeners of this store object, after the call's changes are applied.
 */
export function memoryStore(): Store {
  const webhooks = new Map<string, WebhookRecord>();
  /** `${accountId}\0${activityId}` → route. */
  const routes = new Map<string, RouteRecord>();
  const deliveries = new Map<string, Row>();
  /** `${webhookId}\0${source}\0${eventId}` → delivery id. */
  const byKey = new Map<string, string>();
  /** Per webhook, its deliveries newest first (the `listDeliveries` order), for keyset pages. */
  const byWebhook = new Map<string, Row[]>();
  /** Deliveries still pending or retrying (what a claim looks at). */
  const open = new Set<Row>();
  const pauses = new Map<string, number>();
  /** Per webhook, its history entries, oldest version first. */
  const histories = new Map<string, HistoryRecord[]>();
  const workListeners = new Set<() => void>();
  const changeListeners = new Set<(notice: DeliveryChangeNotice) => void>();
  let seq = 0;
  let closed = false;

  function live(): void {
    if (closed) throw new Error('The memory store is closed.');
  }

  function emitWork(): void {
    // After the call's changes, as a commit: listeners may call the store again.
    queueMicrotask(() => {
      for (const listener of [...workListeners]) {
        try {
          listener();
        } catch {
          // A listener's failure must not break the writer.
        }
      }
    });
  }

  function emitChanges(rows: Iterable<{ webhookId: string; id: string }>): void {
    const grouped = new Map<string, string[]>();
    for (const { webhookId, id } of rows) {
      const list = grouped.get(webhookId);
      if (list) list.push(id);
      else grouped.set(webhookId, [id]);
    }
    if (grouped.size === 0) return;
    queueMicrotask(() => {
      for (const [webhookId, deliveryIds] of grouped) {
        for (const listener of [...changeListeners]) {
          try {
            listener({ webhookId, deliveryIds: [...deliveryIds] });
          } catch {
            // See emitWork.
          }
        }
      }
    });
  }

  function ownWebhook(accountId: string, webhookId: string): WebhookRecord | null {
    const webhook = webhooks.get(webhookId);
    return webhook && webhook.accountId === accountId ? webhook : null;
  }

  function pausedAt(fingerprint: string, now: number): boolean {
    const until = pauses.get(fingerprint);
    return until !== undefined && until > now;
  }

  /** Whether a claim at `now` could take deliveries of this webhook (active, healthy, key not paused). */
  function claimable(webhook: WebhookRecord | undefined, now: number): webhook is WebhookRecord {
    return (
      webhook !== undefined &&
      webhook.status === 'active' &&
      webhook.healthState === 'healthy' &&
      !pausedAt(webhook.writeKeyFingerprint, now)
    );
  }

  function claimed(row: Row, webhook: WebhookRecord): ClaimedDelivery {
    return {
      ...copyDelivery(row),
      message: structuredClone(row.message),
      ...(row.messageJson !== undefined ? { messageJson: row.messageJson } : {}),
      writeKeyCiphertext: webhook.writeKeyCiphertext,
      writeKeyFingerprint: webhook.writeKeyFingerprint,
      region: webhook.region,
      webhookVersion: webhook.version,
    };
  }

  function record(webhookId: string, version: number, entry: NewHistoryEntry): void {
    let list = histories.get(webhookId);
    if (!list) {
      list = [];
      histories.set(webhookId, list);
    }
    list.push({ webhookId, version, at: entry.at, actor: entry.actor, changes: structuredClone(entry.changes) });
  }

  function setStatus(row: Row, status: DeliveryStatus): void {
    row.status = status;
    if (isUnfinished(status)) open.add(row);
    else open.delete(row);
  }

  function addToWebhookList(row: Row): void {
    let list = byWebhook.get(row.webhookId);
    if (!list) {
      list = [];
      byWebhook.set(row.webhookId, list);
    }
    // New deliveries are usually the newest: appended at the end.
    if (list.length === 0 || olderFirst(row, list[list.length - 1]!) > 0) list.push(row);
    else list.splice(lowerBound(list, row), 0, row);
  }

  function forget(row: Row): void {
    deliveries.delete(row.id);
    byKey.delete(`${row.webhookId}\u0000${row.source}\u0000${row.eventId}`);
    open.delete(row);
  }

  function removeDelivery(row: Row): void {
    forget(row);
    const list = byWebhook.get(row.webhookId);
    if (!list) return;
    const index = lowerBound(list, row);
    if (list[index] === row) list.splice(index, 1);
    if (list.length === 0) byWebhook.delete(row.webhookId);
  }

  function streamsOf(accountId: string): number {
    let streams = 0;
    for (const route of routes.values()) {
      if (route.accountId !== accountId) continue;
      const webhook = webhooks.get(route.webhookId);
      if (webhook && webhook.status !== 'archived') streams += 1;
    }
    return streams;
  }

  function deleteRoutesTo(webhookId: string): void {
    for (const [key, route] of routes) if (route.webhookId === webhookId) routes.delete(key);
  }

  const store: Store = {
    async migrate() {
      live();
    },

    async close() {
      closed = true;
      workListeners.clear();
      changeListeners.clear();
    },

    async checkHealth() {
      live();
      // Nothing to migrate, and memory never fills up the way a disk does.
      return { schemaVersion: 1, expectedSchemaVersion: 1, storage: 'ok' };
    },

    async queueStats() {
      live();
      let pending = 0;
      let retrying = 0;
      let held = 0;
      let oldestUnfinishedAt: number | null = null;
      for (const row of open) {
        const webhook = webhooks.get(row.webhookId);
        if (!webhook) continue;
        if (heldReasonOf(webhook) !== null) {
          held += 1;
          continue;
        }
        if (row.status === 'pending') pending += 1;
        else retrying += 1;
        if (oldestUnfinishedAt === null || row.cycleStartedAt < oldestUnfinishedAt) {
          oldestUnfinishedAt = row.cycleStartedAt;
        }
      }
      let webhooksNeedingAttention = 0;
      for (const webhook of webhooks.values()) {
        if (webhook.healthState === 'needs_attention' && webhook.status !== 'archived') webhooksNeedingAttention += 1;
      }
      return { pending, retrying, held, oldestUnfinishedAt, webhooksNeedingAttention };
    },

    // Webhooks ---------------------------------------------------------------------------------

    async insertWebhook(webhook, history) {
      live();
      storeTimes.insertWebhook(webhook);
      if (history) storeTimes.now('insertWebhook', history.at, 'history.at');
      if (webhooks.has(webhook.id)) throw new Error(`A webhook with id ${webhook.id} already exists.`);
      webhooks.set(webhook.id, copyWebhook(webhook));
      if (history) record(webhook.id, webhook.version, history);
    },

    async getWebhook(accountId, webhookId) {
      live();
      const webhook = ownWebhook(accountId, webhookId);
      return webhook ? copyWebhook(webhook) : null;
    },

    async listWebhooks(accountId, status) {
      live();
      return [...webhooks.values()]
        .filter((w) => w.accountId === accountId && (status === undefined || w.status === status))
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(copyWebhook);
    },

    async updateWebhook(accountId, webhookId, patch, ifStatus, options = {}) {
      live();
      storeTimes.updateWebhook(patch, options);
      const webhook = ownWebhook(accountId, webhookId);
      if (!webhook || (ifStatus && !ifStatus.includes(webhook.status))) return null;
      if (options.ifVersion !== undefined && webhook.version !== options.ifVersion) return null;
      if (options.ifHealth !== undefined && webhook.healthState !== options.ifHealth) return null;
      const updated: WebhookRecord = copyWebhook(webhook);
      for (const column of Object.keys(WEBHOOK_PATCH_COLUMNS) as (keyof WebhookPatch)[]) {
        const value = patch[column];
        if (value !== undefined) (updated as unknown as Record<string, unknown>)[column] = structuredClone(value);
      }
      if (options.history) {
        updated.version = webhook.version + 1;
        record(webhookId, updated.version, options.history);
      }
      webhooks.set(webhookId, updated);
      if (patch.status === 'archived') {
        deleteRoutesTo(webhookId);
        // Archiving drops what was skipped while it was disconnected.
        for (const row of [...(byWebhook.get(webhookId) ?? [])]) if (row.status === 'skipped') removeDelivery(row);
      }
      return copyWebhook(updated);
    },

    async listWebhookHistory(accountId, webhookId, beforeVersion, limit) {
      live();
      if (!ownWebhook(accountId, webhookId)) return [];
      const out: HistoryRecord[] = [];
      const list = histories.get(webhookId) ?? [];
      for (let i = list.length - 1; i >= 0 && out.length < limit; i--) {
        const entry = list[i]!;
        if (beforeVersion === null || entry.version < beforeVersion) out.push(copyHistory(entry));
      }
      return out;
    },

    async deleteWebhook(accountId, webhookId, ifStatus) {
      live();
      const webhook = ownWebhook(accountId, webhookId);
      if (!webhook || !ifStatus.includes(webhook.status)) return false;
      webhooks.delete(webhookId);
      histories.delete(webhookId);
      deleteRoutesTo(webhookId);
      for (const row of byWebhook.get(webhookId) ?? []) forget(row);
      byWebhook.delete(webhookId);
      return true;
    },

    async recordBatches(results, threshold, now) {
      live();
      storeTimes.now('recordBatches', now);
      const tipped: string[] = [];
      for (const result of results) {
        const webhook = webhooks.get(result.webhookId);
        if (!webhook) continue;
        if (!result.refused) {
          webhook.refusedBatches = 0;
          continue;
        }
        webhook.refusedBatches += 1;
        if (webhook.refusedBatches >= threshold && webhook.healthState === 'healthy') {
          webhook.healthState = 'needs_attention';
          webhook.healthReason = result.reason;
          webhook.healthSince = now;
          tipped.push(webhook.id);
        }
      }
      return tipped;
    },

    // Routes -----------------------------------------------------------------------------------

    async listRoutes(accountId) {
      live();
      return [...routes.values()]
        .filter((r) => r.accountId === accountId)
        .sort((a, b) => (a.activityId < b.activityId ? -1 : a.activityId > b.activityId ? 1 : 0))
        .map((r) => ({ ...r }));
    },

    async setRoute(accountId, activityId, webhookId, limit) {
      live();
      const webhook = ownWebhook(accountId, webhookId);
      if (!webhook) return { ok: false, reason: 'webhook_not_found' };
      if (webhook.status === 'archived') return { ok: false, reason: 'webhook_archived' };
      const key = `${accountId}\u0000${activityId}`;
      const existing = routes.get(key);
      const counted = existing !== undefined && webhooks.get(existing.webhookId)?.status !== 'archived';
      if (!counted) {
        const streams = streamsOf(accountId);
        if (streams >= limit) return { ok: false, reason: 'limit_reached', streams };
      }
      const route: RouteRecord = { accountId, activityId, webhookId };
      routes.set(key, route);
      return { ok: true, route: { ...route } };
    },

    async deleteRoute(accountId, activityId) {
      live();
      return routes.delete(`${accountId}\u0000${activityId}`);
    },

    async countStreams(accountId) {
      live();
      return streamsOf(accountId);
    },

    async resolveRoutes(accountId, activityIds) {
      live();
      const resolved = new Map<string, WebhookRecord>();
      for (const activityId of activityIds) {
        const route = routes.get(`${accountId}\u0000${activityId}`);
        const webhook = route ? ownWebhook(accountId, route.webhookId) : null;
        if (webhook) resolved.set(activityId, copyWebhook(webhook));
      }
      return resolved;
    },

    // Deliveries: the outbox ---------------------------------------------------------------------

    async insertDeliveries(input, options = {}) {
      live();
      const { lease } = options;
      storeTimes.insertDeliveries(input, options);
      // A delivery of a webhook that does not exist (deleted meanwhile) refuses the whole call.
      for (const delivery of input) {
        if (!webhooks.has(delivery.webhookId)) {
          throw new Error(`insertDeliveries: webhook ${delivery.webhookId} does not exist; nothing was inserted.`);
        }
      }
      const results: InsertedDelivery[] = [];
      const created: Row[] = [];
      let leased = 0;
      let due = false;
      for (const delivery of input) {
        const key = `${delivery.webhookId}\u0000${delivery.source}\u0000${delivery.eventId}`;
        const existingId = byKey.get(key);
        const existing = existingId === undefined ? undefined : deliveries.get(existingId);
        if (existing) {
          results.push({ id: existing.id, messageId: existing.messageId, created: false });
          continue;
        }
        const webhook = webhooks.get(delivery.webhookId);
        // A webhook that is not active records what is routed to it as skipped (never sent unless requeued).
        const skipped = webhook?.status !== 'active';
        const row: Row = {
          id: delivery.id,
          accountId: delivery.accountId,
          webhookId: delivery.webhookId,
          eventId: delivery.eventId,
          personId: delivery.personId,
          activityId: delivery.activityId,
          source: delivery.source,
          status: skipped ? 'skipped' : 'pending',
          messageId: delivery.messageId,
          attemptCount: 0,
          countedAttempts: 0,
          occurredAt: delivery.occurredAt,
          createdAt: delivery.createdAt,
          updatedAt: delivery.createdAt,
          cycleStartedAt: delivery.createdAt,
          nextAttemptAt: skipped ? null : delivery.createdAt,
          deliveredAt: null,
          firstDeliveredAt: null,
          lastError: null,
          lastHttpStatus: null,
          configVersion: delivery.configVersion ?? null,
          seq: ++seq,
          message: structuredClone(delivery.message),
          messageJson: delivery.messageJson,
          attempts: [],
          leaseOwner: null,
        };
        deliveries.set(row.id, row);
        byKey.set(key, row.id);
        addToWebhookList(row);
        created.push(row);
        if (skipped) {
          results.push({ id: row.id, messageId: row.messageId, created: true, skipped: true });
          continue;
        }
        open.add(row);
        if (lease && leased < lease.max && claimable(webhook, lease.now)) {
          leased += 1;
          row.leaseOwner = lease.owner;
          row.nextAttemptAt = lease.until;
          results.push({ id: row.id, messageId: row.messageId, created: true, claimed: claimed(row, webhook) });
        } else {
          due = true;
          results.push({ id: row.id, messageId: row.messageId, created: true });
        }
      }
      if (due) emitWork();
      emitChanges(created);
      return results;
    },

    async claimDeliveries(owner, now, leaseMs, limit) {
      live();
      storeTimes.claimDeliveries(now, leaseMs);
      const candidates: Row[] = [];
      for (const row of open) {
        if (row.nextAttemptAt !== null && row.nextAttemptAt <= now && claimable(webhooks.get(row.webhookId), now)) {
          candidates.push(row);
        }
      }
      candidates.sort((a, b) => a.nextAttemptAt! - b.nextAttemptAt! || a.seq - b.seq);
      // Shared across write keys in turns (the Store contract's fair share), oldest due first within a key.
      const { taken } = takeInTurns(candidates, (row) => webhooks.get(row.webhookId)!.writeKeyFingerprint, limit);
      return taken.map((row) => {
        row.leaseOwner = owner;
        row.nextAttemptAt = now + leaseMs;
        return claimed(row, webhooks.get(row.webhookId)!);
      });
    },

    async completeAttempts(owner, completions, now) {
      live();
      storeTimes.completeAttempts(completions, now);
      const applied: Row[] = [];
      for (const completion of completions) {
        const row = deliveries.get(completion.deliveryId);
        if (!row || row.leaseOwner !== owner || !isUnfinished(row.status)) continue;
        const { attempt } = completion;
        row.attemptCount += 1;
        row.attempts.push({
          number: row.attemptCount,
          at: attempt.at,
          httpStatus: attempt.httpStatus,
          latencyMs: attempt.latencyMs,
          outcome: attempt.outcome,
          error: attempt.error,
          responseBody: attempt.responseBody,
          configVersion: attempt.configVersion ?? null,
        });
        if (completion.counted) row.countedAttempts += 1;
        setStatus(row, completion.status);
        row.lastError = completion.lastError;
        row.lastHttpStatus = attempt.httpStatus;
        row.updatedAt = now;
        row.nextAttemptAt = completion.status === 'retrying' ? (completion.nextAttemptAt ?? now) : null;
        row.deliveredAt = completion.status === 'delivered' ? attempt.at : null;
        if (completion.status === 'delivered') row.firstDeliveredAt ??= attempt.at;
        row.leaseOwner = null;
        if (completion.status === 'delivered') {
          const webhook = webhooks.get(row.webhookId);
          if (webhook) webhook.refusedBatches = 0;
        }
        applied.push(row);
      }
      emitChanges(applied);
      return applied.map((row) => row.id);
    },

    async releaseLeases(owner, now) {
      live();
      storeTimes.now('releaseLeases', now);
      let released = 0;
      for (const row of open) {
        if (row.leaseOwner !== owner) continue;
        row.leaseOwner = null;
        row.nextAttemptAt = now;
        released += 1;
      }
      return released;
    },

    async pauseWriteKey(fingerprint, until) {
      live();
      storeTimes.now('pauseWriteKey', until, 'until');
      pauses.set(fingerprint, Math.max(until, pauses.get(fingerprint) ?? Number.NEGATIVE_INFINITY));
    },

    async writeKeyPausedUntil(fingerprint, now) {
      live();
      storeTimes.now('writeKeyPausedUntil', now);
      const until = pauses.get(fingerprint);
      return until !== undefined && until > now ? until : null;
    },

    async requeueFailed(accountId, webhookId, now, deliveryIds) {
      live();
      storeTimes.now('requeueFailed', now);
      const rows = deliveryIds
        ? deliveryIds.map((id) => deliveries.get(id))
        : [...(byWebhook.get(webhookId) ?? [])].sort((a, b) => a.seq - b.seq);
      const requeued: Row[] = [];
      for (const row of rows) {
        if (!row || row.accountId !== accountId || row.webhookId !== webhookId || row.status !== 'failed') continue;
        if (requeued.includes(row)) continue;
        setStatus(row, 'pending');
        row.nextAttemptAt = now;
        row.cycleStartedAt = now;
        row.updatedAt = now;
        row.countedAttempts = 0;
        row.leaseOwner = null;
        requeued.push(row);
      }
      if (requeued.length > 0) {
        emitWork();
        emitChanges(requeued);
      }
      return requeued.map((row) => row.id);
    },

    async requeueDeliveries(accountId, webhookId, now, deliveryIds, statuses) {
      live();
      storeTimes.now('requeueDeliveries', now);
      const requeued: Row[] = [];
      for (const id of new Set(deliveryIds)) {
        const row = deliveries.get(id);
        if (!row || row.accountId !== accountId || row.webhookId !== webhookId || !statuses.includes(row.status)) {
          continue;
        }
        setStatus(row, 'pending');
        row.nextAttemptAt = now;
        row.cycleStartedAt = now;
        row.updatedAt = now;
        row.countedAttempts = 0;
        row.deliveredAt = null;
        row.leaseOwner = null;
        requeued.push(row);
      }
      if (requeued.length > 0) {
        emitWork();
        emitChanges(requeued);
      }
      return requeued.map((row) => ({ id: row.id, firstDeliveredAt: row.firstDeliveredAt }));
    },

    // Deliveries: reading ------------------------------------------------------------------------

    async listDeliveries(accountId, webhookId, filter, after, limit) {
      live();
      storeTimes.listDeliveries(filter, after);
      const list = byWebhook.get(webhookId) ?? [];
      const page: DeliveryRecord[] = [];
      // Newest first, from just before the cursor's position (keyset: strictly older than it).
      for (let i = (after ? lowerBound(list, after) : list.length) - 1; i >= 0 && page.length < limit; i--) {
        const row = list[i]!;
        if (row.accountId === accountId && deliveryMatchesFilter(row, filter)) page.push(copyDelivery(row));
      }
      return page;
    },

    async listDeliveriesWithMessages(accountId, webhookId, filter, after, limit) {
      live();
      storeTimes.listDeliveries(filter, after, 'listDeliveriesWithMessages');
      const list = byWebhook.get(webhookId) ?? [];
      const page: DeliveryWithMessage[] = [];
      for (let i = (after ? lowerBound(list, after) : list.length) - 1; i >= 0 && page.length < limit; i--) {
        const row = list[i]!;
        if (row.accountId === accountId && deliveryMatchesFilter(row, filter)) {
          page.push({ ...copyDelivery(row), messageJson: row.messageJson ?? JSON.stringify(row.message) });
        }
      }
      return page;
    },

    async countSkipped(accountId, webhookId, since) {
      live();
      storeTimes.now('countSkipped', since, 'since');
      let count = 0;
      for (const row of byWebhook.get(webhookId) ?? []) {
        if (row.accountId === accountId && row.status === 'skipped' && row.createdAt >= since) count += 1;
      }
      return count;
    },

    async sampleMessageProperties(accountId, webhookId, since, until, limit) {
      live();
      storeTimes.now('sampleMessageProperties', since, 'since');
      storeTimes.now('sampleMessageProperties', until, 'until');
      const list = byWebhook.get(webhookId) ?? [];
      const out: Record<string, JsonValue>[] = [];
      for (let i = lowerBound(list, { createdAt: until, id: '' }) - 1; i >= 0 && out.length < limit; i--) {
        const row = list[i]!;
        if (row.createdAt < since) break;
        if (row.accountId === accountId) out.push(structuredClone(row.message.properties));
      }
      return out;
    },

    async getDelivery(accountId, webhookId, deliveryId) {
      live();
      const row = deliveries.get(deliveryId);
      if (!row || row.accountId !== accountId || row.webhookId !== webhookId) return null;
      const detail: DeliveryDetailRecord = {
        ...copyDelivery(row),
        message: structuredClone(row.message),
        attempts: row.attempts.map((attempt) => ({ ...attempt })),
      };
      return detail;
    },

    async getDeliveries(deliveryIds) {
      live();
      const found: DeliveryRecord[] = [];
      for (const id of new Set(deliveryIds)) {
        const row = deliveries.get(id);
        if (row) found.push(copyDelivery(row));
      }
      return found;
    },

    async deliveryStats(accountId, webhookId, query) {
      live();
      storeTimes.deliveryStats(query);
      const counts: Record<DeliveryStatus, number> = { pending: 0, retrying: 0, delivered: 0, failed: 0, skipped: 0 };
      const buckets = new Map<number, { start: number; delivered: number; failed: number }>();
      const lags: [deliveredAt: number, lag: number][] = [];
      let lastDeliveredAt: number | null = null;
      const bucketOf = (at: number) => {
        const start = query.since + Math.floor((at - query.since) / query.bucketMs) * query.bucketMs;
        let bucket = buckets.get(start);
        if (!bucket) {
          bucket = { start, delivered: 0, failed: 0 };
          buckets.set(start, bucket);
        }
        return bucket;
      };
      const inRange = (at: number) => at >= query.since && at < query.until;
      for (const row of byWebhook.get(webhookId) ?? []) {
        if (row.accountId !== accountId) continue;
        counts[row.status] += 1;
        if (row.status === 'delivered' && row.deliveredAt !== null) {
          lastDeliveredAt = Math.max(lastDeliveredAt ?? row.deliveredAt, row.deliveredAt);
          if (inRange(row.deliveredAt)) {
            bucketOf(row.deliveredAt).delivered += 1;
            lags.push([row.deliveredAt, row.deliveredAt - row.occurredAt]);
          }
        } else if (row.status === 'failed' && inRange(row.updatedAt)) {
          bucketOf(row.updatedAt).failed += 1;
        }
      }
      // The latest LAG_SAMPLE_SIZE deliveries of the range (the Store contract's bound, as the SQL stores).
      const sample = lags
        .sort((a, b) => b[0] - a[0])
        .slice(0, LAG_SAMPLE_SIZE)
        .map(([, lag]) => lag)
        .sort((a, b) => a - b);
      const rank = (p: number) => (sample.length === 0 ? null : sample[Math.max(0, Math.ceil(p * sample.length) - 1)]!);
      const stats: DeliveryStats = {
        counts,
        buckets: [...buckets.values()].sort((a, b) => a.start - b.start),
        lastDeliveredAt,
        lagP50: rank(0.5),
        lagP95: rank(0.95),
      };
      return stats;
    },

    // Maintenance --------------------------------------------------------------------------------

    async pruneDeliveries(olderThan, limit) {
      live();
      storeTimes.now('pruneDeliveries', olderThan, 'olderThan');
      if (limit <= 0) return 0;
      const old = [...deliveries.values()]
        .filter((row) => !isUnfinished(row.status) && row.createdAt < olderThan)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit);
      for (const row of old) removeDelivery(row);
      return old.length;
    },

    // Notifications ------------------------------------------------------------------------------

    onWork(listener) {
      const wrapped = () => listener();
      workListeners.add(wrapped);
      return () => {
        workListeners.delete(wrapped);
      };
    },

    async signalWork() {
      live();
      emitWork();
    },

    onChanges(listener) {
      const wrapped = (notice: DeliveryChangeNotice) => listener(notice);
      changeListeners.add(wrapped);
      return () => {
        changeListeners.delete(wrapped);
      };
    },
  };
  return store;
}
