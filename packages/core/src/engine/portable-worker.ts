/**
 * The delivery worker: claims due deliveries from the store's outbox with a lease, sends them to Segment
 * in batches grouped per (write key, region), and records every outcome. Any number of workers, in any
 * number of processes, may share one store. Browser-safe: the platform's Segment client and write-key
 * cipher are passed in (see `createDeliveryWorker` for Node and `@segment-webhook/core/browser`).
 */
import { backoffDelay } from '../contract/rules';
import type { WriteKeyCipherLike } from '../crypto/web-cipher';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../segment/retry';
import type { MessageResult, SegmentClient } from '../segment/types';
import { uuidv4 } from '../service/ids';
import { type Logger, silentLogger } from '../service/logger';
import { isStoreFailure } from '../store/failure';
import { takeInTurns } from '../store/fair-share';
import type { AttemptCompletion, BatchResult, ClaimedDelivery, Store } from '../store/types';
import {
  type AlertHooks,
  callHook,
  createFailureSummaries,
  DEFAULT_FAILURE_SUMMARY_INTERVAL_MS,
  type FailedDeliverySample,
  type MetricsRecorder,
  statusClassOf,
} from './observe';
import { createRateBudget } from './rate-budget';

/** Default most deliveries claimed (and sent) per round: 500. */
export const DEFAULT_BATCH_SIZE = 500;
/** Default rounds in flight at once: 4. */
export const DEFAULT_CONCURRENCY = 4;
/**
 * Default lease on claimed deliveries: 60 s (several client timeouts, for split and bisected batches). A
 * lease that runs out early only causes a repeat with the same messageId, which Segment de-duplicates.
 */
export const DEFAULT_LEASE_MS = 60_000;
/** Default fallback poll when no wake-up arrives: 1 s. */
export const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Default consecutive refused batches that make a webhook need attention: 5. */
export const DEFAULT_NEEDS_ATTENTION_AFTER = 5;
/**
 * Default requests per second per write key and worker: 250 (Segment allows about 1,000 per workspace; a
 * 429 beyond that pauses the key for every worker).
 */
export const DEFAULT_REQUESTS_PER_SECOND_PER_KEY = 250;
/** Default age after which the worker prunes finished deliveries: 30 days. */
export const DEFAULT_WORKER_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
/** First delay before claiming again after a claim failed; it doubles up to the poll interval. */
const CLAIM_RETRY_MIN_MS = 100;
/** Default interval between two prunes: 1 hour. */
export const DEFAULT_PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/**
 * Default longest wait of {@link DeliveryWorker.stop} for the requests in flight: 15 s (the client's default
 * 10 s timeout, and time to record the outcomes).
 */
export const DEFAULT_STOP_TIMEOUT_MS = 15_000;

/**
 * Options of a delivery worker shared by every platform (see `createDeliveryWorker`, and the browser-safe
 * one of `@segment-webhook/core/browser`, which adds the Segment client and the write-key cipher).
 */
export interface DeliveryWorkerBaseOptions extends AlertHooks {
  /** The store the service writes to. */
  store: Store;
  /**
   * Where the worker's measurements go (deliveries by outcome, Segment requests): e.g.
   * `createPrometheusMetrics(...)` of `@segment-webhook/prometheus`. Default: none.
   */
  metrics?: MetricsRecorder | undefined;
  /** Shortest interval between two `onDeliveriesFailed` summaries of one webhook, in ms. Default 60,000. */
  failureSummaryIntervalMs?: number | undefined;
  /** Backoff and limits; missing fields come from `DEFAULT_RETRY_POLICY` (500 ms × 2ⁿ up to 60 s, 10 attempts, 12 h). */
  retryPolicy?: Partial<RetryPolicy>;
  /** Most deliveries claimed per round. Default 500. */
  batchSize?: number;
  /** Rounds (claim → send → record) in flight at once. Default 4. */
  concurrency?: number;
  /** Lease on claimed deliveries, in ms; a crashed worker's deliveries are claimed again after it. Default 60_000. */
  leaseMs?: number;
  /** Fallback poll interval when idle, in ms (wake-ups make new work go out at once). Default 1000. */
  pollIntervalMs?: number;
  /** Consecutive permanently refused batches after which a webhook needs attention. Default 5. */
  needsAttentionAfter?: number;
  /** Requests per second per write key in this worker (a token bucket with that burst). Default 250. */
  requestsPerSecondPerKey?: number;
  /**
   * Finished deliveries older than this are pruned while the worker runs (at start, then every
   * `pruneIntervalMs`), in batches of 1,000; null turns pruning off. Default 30 days.
   */
  retentionMs?: number | null;
  /** Interval between two prunes, in ms. Default 1 hour. */
  pruneIntervalMs?: number;
  /**
   * Longest wait of `stop()` for the requests in flight, in ms; past it, the worker releases its leases
   * anyway (a request still in flight may then be sent again by another worker, with the same messageId).
   * Default 15,000.
   */
  stopTimeoutMs?: number;
  /** Default: silent. */
  logger?: Logger;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Jitter source for the backoff, [0, 1). Default `Math.random`. */
  random?: () => number;
  /** This worker's lease owner id. Default a random UUID. */
  workerId?: string;
  /**
   * Most deliveries handed off in memory ({@link DeliveryWorker.reserve}) waiting to be sent; beyond it the
   * service inserts them due and they are claimed from the store as usual. Default `batchSize × concurrency`.
   */
  maxHandoff?: number;
  /**
   * Share delivery capacity across write keys (default true), so that one customer's backlog does not take
   * "real time" away from the others: the hand-off is taken in turns per write key (as the store's claims
   * are), and while both the hand-off and the store have work, each round takes half from each. False
   * restores the earlier order — hand-offs first in, first out, the store's due work before them — as the
   * baseline of the fairness benchmark.
   */
  fairShare?: boolean;
}

/** What a worker is doing, for a readiness check (see {@link DeliveryWorker.status}). */
export interface DeliveryWorkerStatus {
  /** `idle` before `start()`, `running`, `stopping` once `stop()` was called, `stopped` when it returned. */
  state: 'idle' | 'running' | 'stopping' | 'stopped';
  /**
   * When the delivery loop last went round (ms since the epoch): it does at least every poll interval while
   * idle, and whenever a round finishes; null before the first. A loop stuck for long is not ready.
   */
  lastTickAt: number | null;
  /** The fallback poll interval (the longest the loop waits when idle), in ms. */
  pollIntervalMs: number;
}

/** A running (or startable) delivery worker. */
export interface DeliveryWorker {
  /** What it is doing now (the readiness check of `@segment-webhook/server`'s health handlers reads it). */
  status(): DeliveryWorkerStatus;
  /** The lease owner id. */
  readonly id: string;
  /** The lease on claimed deliveries, in ms (also the lease of deliveries handed off at insert). */
  readonly leaseMs: number;
  /**
   * In-process hand-off (claim at insert), used by the service's `worker` option: reserves room for up to
   * `count` deliveries in the worker's memory and returns how many it may take (0 when stopped or full).
   * The caller then inserts that many already leased to {@link DeliveryWorker.id}
   * (`store.insertDeliveries(rows, { lease })`) and must call {@link DeliveryWorker.accept} with the
   * result, also on failure (with none), to give back the reservation.
   */
  reserve(count: number): number;
  /**
   * Takes deliveries leased to this worker at insert (at most the `reserved` count) and sends them like
   * claimed ones, without a claim query; frees the rest of the reservation. When the worker has stopped,
   * it releases their leases instead.
   */
  accept(claimed: readonly ClaimedDelivery[], reserved: number): void;
  /** Starts the loop (idempotent). It runs until {@link DeliveryWorker.stop}. */
  start(): void;
  /**
   * Graceful stop: claims nothing more and starts no new request (deliveries waiting for their key's rate
   * budget stay unsent), lets the requests in flight finish and record their outcomes for up to
   * `stopTimeoutMs`, then releases every lease it still holds so that any worker claims those deliveries at
   * once. Closes the default client.
   */
  stop(): Promise<void>;
  /**
   * One round without the loop (tests, cron-style hosts): claims up to `batchSize` due deliveries, sends
   * them and records the outcomes. Resolves to how many were claimed.
   */
  runOnce(): Promise<number>;
}

function describeAttempt(result: MessageResult): string {
  const { attempt } = result;
  if (attempt.error) return attempt.error;
  if (attempt.httpStatus !== null) return `HTTP ${attempt.httpStatus}`;
  return 'No answer';
}

/** The platform's parts of a worker: the Segment client and how write keys are decrypted. */
export interface WorkerParts {
  client: SegmentClient;
  /** Whether `stop()` closes the client (the worker made it). */
  ownsClient: boolean;
  cipher: WriteKeyCipherLike;
}

/** Lets the event loop run (between prune batches): `setImmediate` where there is one, else a 0 ms timer. */
const yieldToEventLoop = (): Promise<void> =>
  new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else setTimeout(resolve, 0);
  });

/**
 * Creates a delivery worker with the platform's parts (`createDeliveryWorker` for Node and the
 * browser-safe one call it). Call `start()`; it wakes at once on new work (the store's `onWork`), so a
 * lone event goes out immediately, and under load each round claims what accumulated (adaptive batching).
 * Outcomes: delivered; retried with the policy's backoff or the server's `Retry-After`; failed when Segment
 * refuses permanently or the attempts or age run out. A 429 pauses the write key (for every webhook with
 * that key, in every process) without counting as an attempt. Write key and region are read at claim time.
 */
export function createWorkerWith(options: DeliveryWorkerBaseOptions, parts: WorkerParts): DeliveryWorker {
  const { store } = options;
  const { cipher, client, ownsClient } = parts;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retryPolicy };
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const threshold = options.needsAttentionAfter ?? DEFAULT_NEEDS_ATTENTION_AFTER;
  const logger = options.logger ?? silentLogger;
  const clock = options.now ?? Date.now;
  // Whole milliseconds at the store boundary (its times are integers), whatever the clock.
  const now = () => Math.ceil(clock());
  const random = options.random ?? Math.random;
  const id = options.workerId ?? `worker-${uuidv4()}`;
  const budget = createRateBudget(options.requestsPerSecondPerKey ?? DEFAULT_REQUESTS_PER_SECOND_PER_KEY);
  const metrics = options.metrics ?? null;
  const failures = createFailureSummaries({
    hook: options.onDeliveriesFailed,
    intervalMs: options.failureSummaryIntervalMs ?? DEFAULT_FAILURE_SUMMARY_INTERVAL_MS,
    now,
    logger,
  });
  let state: DeliveryWorkerStatus['state'] = 'idle';
  let lastTickAt: number | null = null;

  let running = false;
  let loopDone: Promise<void> | null = null;
  const inFlight = new Set<Promise<void>>();
  let woken = false;
  let wakeWaiter: (() => void) | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let timerAt = Number.POSITIVE_INFINITY;
  let unsubscribe: (() => void) | null = null;
  let migrated: Promise<void> | null = null;
  const retentionMs = options.retentionMs === undefined ? DEFAULT_WORKER_RETENTION_MS : options.retentionMs;
  const pruneIntervalMs = options.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS;
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  /** Set by `stop()`: no request starts any more (also for `runOnce` callers, which never `start()`). */
  let stopping = false;
  /** When a stop gives up waiting for the requests in flight (infinite until `stop()`). */
  let stopDeadline = Number.POSITIVE_INFINITY;
  /** Leases given back by `accept` after the worker stopped; `stop()` waits for them. */
  const releasing = new Set<Promise<unknown>>();
  let pruneTimer: ReturnType<typeof setInterval> | null = null;
  let pruning: Promise<void> | null = null;
  /** Deliveries leased at insert and handed over in memory, waiting for a round. */
  let handoff: ClaimedDelivery[] = [];
  let reserved = 0;
  const maxHandoff = Math.max(0, options.maxHandoff ?? batchSize * concurrency);
  const fairShare = options.fairShare ?? true;
  /** Whether the last round asked the store (rounds of one delivery alternate between the two sources). */
  let lastRoundFromStore = false;
  /** When this worker last asked the store for due deliveries (the hand-off never starves the store). */
  let lastStoreClaim = Number.NEGATIVE_INFINITY;
  let storeHadMore = false;
  /** Delay before claiming again after a failed claim (0 after a successful one). */
  let claimRetryMs = 0;
  /** Per write key and region, the group waiting for that key's rate budget (see `sendGroup`). */
  const waitingForBudget = new Map<string, ClaimedDelivery[]>();
  /** Decrypted write keys by ciphertext, briefly (a key fixed in the store has a new ciphertext). */
  const keyCache = new Map<string, { key: string; until: number }>();
  const KEY_CACHE_MS = 60_000;

  /** The write key, from the cache or the cipher; a promise only when an asynchronous cipher must decrypt. */
  function decryptKey(ciphertext: string): string | Promise<string> {
    const at = now();
    const cached = keyCache.get(ciphertext);
    if (cached && cached.until > at) return cached.key;
    const remember = (key: string) => {
      if (keyCache.size >= 1000) keyCache.clear();
      keyCache.set(ciphertext, { key, until: at + KEY_CACHE_MS });
      return key;
    };
    const key = cipher.decrypt(ciphertext);
    return typeof key === 'string' ? remember(key) : key.then(remember);
  }

  /** Deletes old finished deliveries in bounded batches, yielding between them so deliveries keep flowing. */
  function prune(): void {
    if (retentionMs === null || pruning || !running) return;
    pruning = (async () => {
      await ready();
      const olderThan = now() - retentionMs;
      let total = 0;
      for (;;) {
        const removed = await store.pruneDeliveries(olderThan, 1000);
        total += removed;
        if (removed < 1000 || !running) break;
        await yieldToEventLoop();
      }
      if (total > 0) logger.info({ count: total }, 'Old deliveries pruned');
    })()
      .catch((error: unknown) => {
        logger.error(
          {
            error: error instanceof Error ? error.message : String(error),
          },
          'Pruning old deliveries failed',
        );
      })
      .finally(() => {
        pruning = null;
      });
  }

  const ready = (): Promise<void> => {
    migrated ??= store.migrate().catch((error: unknown) => {
      migrated = null;
      throw error;
    });
    return migrated;
  };

  function wake(): void {
    woken = true;
    const waiter = wakeWaiter;
    wakeWaiter = null;
    waiter?.();
  }

  /** Waits for a wake-up or `ms`, whichever comes first; returns at once if one came meanwhile. */
  function idle(ms: number): Promise<void> {
    if (woken || !running || handoff.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        wakeWaiter = null;
        resolve();
      }, ms);
      wakeWaiter = () => {
        clearTimeout(timeout);
        resolve();
      };
    });
  }

  /** Wakes the loop at `at` (a retry or the end of a pause this worker scheduled). */
  function wakeAt(at: number): void {
    if (!running || at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = null;
        timerAt = Number.POSITIVE_INFINITY;
        wake();
      },
      Math.max(0, at - now()),
    );
    timer.unref?.();
  }

  function outcomeFor(delivery: ClaimedDelivery, result: MessageResult, sentAt: number): AttemptCompletion {
    const attempt = {
      number: delivery.attemptCount + 1,
      at: sentAt,
      httpStatus: result.attempt.httpStatus,
      latencyMs: result.attempt.latencyMs,
      responseBody: result.attempt.responseBody,
      // The settings (write key, region) it was sent with were read at claim time.
      configVersion: delivery.webhookVersion,
    };
    const { outcome } = result;
    switch (outcome.kind) {
      case 'delivered':
        return {
          deliveryId: delivery.id,
          attempt: { ...attempt, outcome: 'delivered', error: null },
          counted: true,
          status: 'delivered',
          nextAttemptAt: null,
          lastError: null,
        };
      case 'failed':
        return {
          deliveryId: delivery.id,
          attempt: { ...attempt, outcome: 'failed', error: outcome.reason },
          counted: true,
          status: 'failed',
          nextAttemptAt: null,
          lastError: outcome.reason,
        };
      case 'retry': {
        const error = describeAttempt(result);
        // A 429 is Segment pacing us, not the message failing: it does not use up an attempt.
        const counted = !outcome.rateLimited;
        const attempts = delivery.countedAttempts + (counted ? 1 : 0);
        const delay = outcome.retryAfterMs ?? backoffDelay(policy, Math.max(0, attempts - 1), random);
        // Whole milliseconds at the store boundary, whatever the clock, policy or header produced.
        const at = Math.ceil(now());
        let giveUp: string | null = null;
        if (attempts >= policy.maxAttempts) giveUp = `Gave up after ${attempts} attempts: ${error}`;
        else if (at + delay - delivery.cycleStartedAt > policy.maxAgeMs) {
          giveUp = `Gave up after the maximum age of ${Math.round(policy.maxAgeMs / 60_000)} min: ${error}`;
        }
        if (giveUp) {
          return {
            deliveryId: delivery.id,
            attempt: { ...attempt, outcome: 'failed', error },
            counted,
            status: 'failed',
            nextAttemptAt: null,
            lastError: giveUp,
          };
        }
        return {
          deliveryId: delivery.id,
          attempt: { ...attempt, outcome: 'retry', error },
          counted,
          status: 'retrying',
          nextAttemptAt: Math.ceil(at + delay),
          lastError: error,
        };
      }
    }
  }

  /**
   * A store write that must not be lost because its work is done (outcomes of requests already sent):
   * while the store is unavailable (a `StoreFailure`, e.g. PostgreSQL restarting), it is tried again with
   * backoff until `deadline` (the leases' end, when another worker would send the deliveries again anyway)
   * or the stop's deadline. Other errors are thrown at once.
   */
  async function persist<T>(write: () => Promise<T>, deadline: number): Promise<T> {
    let delay = 100;
    for (;;) {
      try {
        return await write();
      } catch (error) {
        const until = Math.min(deadline, stopDeadline);
        if (!isStoreFailure(error) || now() + delay >= until) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 2000);
      }
    }
  }
  /** Sends one group of deliveries that share a write key and region, and records the outcomes. */
  async function sendGroup(group: ClaimedDelivery[]): Promise<void> {
    const first = group[0]!;
    const fingerprint = first.writeKeyFingerprint;
    let writeKey: string;
    try {
      // A synchronous cipher (Node's) keeps this step synchronous: no extra turn on the hot path.
      const key = decryptKey(first.writeKeyCiphertext);
      writeKey = typeof key === 'string' ? key : await key;
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'The write key could not be decrypted.';
      for (const delivery of firstOfEachWebhook(group)) {
        logger.error(
          { accountId: delivery.accountId, webhookId: delivery.webhookId, error: reason },
          'A webhook’s write key could not be decrypted; its deliveries failed',
        );
      }
      const at = now();
      const applied = await store.completeAttempts(
        id,
        group.map((d) => ({
          deliveryId: d.id,
          attempt: {
            number: d.attemptCount + 1,
            at,
            httpStatus: null,
            latencyMs: 0,
            outcome: 'failed',
            error: reason,
            responseBody: null,
            configVersion: d.webhookVersion,
          },
          counted: true,
          status: 'failed',
          nextAttemptAt: null,
          lastError: reason,
        })),
        at,
      );
      recordOutcomes(
        group,
        applied,
        group.map(() => ({ status: 'failed' as const, error: reason, httpStatus: null })),
      );
      return;
    }

    // A key out of rate budget: what is dispatched for it while one group waits joins that group (up to
    // a batch), so the wait fills one request instead of queueing more small ones behind it.
    const waitKey = `${fingerprint}\u0000${first.region}`;
    const waiting = waitingForBudget.get(waitKey);
    if (waiting && waiting.length + group.length <= batchSize) {
      for (const delivery of group) waiting.push(delivery);
      return;
    }
    waitingForBudget.set(waitKey, group);
    try {
      await budget.acquire(fingerprint);
    } finally {
      if (waitingForBudget.get(waitKey) === group) waitingForBudget.delete(waitKey);
    }
    // Stopped while waiting for the budget: not sent; `stop()` releases the leases for another worker.
    if (stopping) return;
    const sentAt = now();
    const report = await client.send({
      writeKey,
      region: first.region,
      messages: group.map((d) => d.message),
      json: group.map((d) => d.messageJson),
      retryCount: Math.max(...group.map((d) => d.attemptCount)),
    });
    if (metrics && report.requests) {
      for (const request of report.requests) {
        metrics.segmentRequest({
          region: first.region,
          statusClass: statusClassOf(request.httpStatus),
          durationSeconds: request.latencyMs / 1000,
          messages: request.messages,
        });
      }
    }

    const completions: AttemptCompletion[] = [];
    let pauseUntil: number | null = null;
    const perWebhook = new Map<string, { delivered: number; failed: number; total: number; last: string | null }>();
    group.forEach((delivery, index) => {
      const result = report.results[index];
      if (!result) return; // Not sent: the lease expires and it is claimed again.
      const completion = outcomeFor(delivery, result, sentAt);
      completions.push(completion);
      if (result.outcome.kind === 'retry' && result.outcome.rateLimited) {
        pauseUntil = Math.max(pauseUntil ?? 0, completion.nextAttemptAt ?? now());
      }
      const stats = perWebhook.get(delivery.webhookId) ?? { delivered: 0, failed: 0, total: 0, last: null };
      stats.total += 1;
      if (result.outcome.kind === 'delivered') stats.delivered += 1;
      if (result.outcome.kind === 'failed') {
        stats.failed += 1;
        stats.last = result.attempt.httpStatus
          ? `HTTP ${result.attempt.httpStatus}${result.attempt.responseBody ? ` “${result.attempt.responseBody.slice(0, 200)}”` : ''}`
          : result.outcome.reason;
      }
      perWebhook.set(delivery.webhookId, stats);
    });

    // The leases of this group end `leaseMs` after the claim; the outcomes are worth keeping until then.
    const leaseEnd = sentAt + leaseMs;
    if (pauseUntil !== null) {
      const until = pauseUntil;
      await persist(() => store.pauseWriteKey(fingerprint, until), leaseEnd);
      for (const delivery of firstOfEachWebhook(group)) {
        logger.warn(
          {
            accountId: delivery.accountId,
            webhookId: delivery.webhookId,
            pausedUntil: new Date(pauseUntil).toISOString(),
          },
          'Segment rate-limited a write key; its deliveries are paused',
        );
      }
    }
    const applied = await persist(() => store.completeAttempts(id, completions, now()), leaseEnd);
    const byDelivery = new Map(completions.map((c) => [c.deliveryId, c]));
    recordOutcomes(
      group,
      applied,
      group.map((delivery) => {
        const completion = byDelivery.get(delivery.id);
        return completion
          ? { status: completion.status, error: completion.lastError, httpStatus: completion.attempt.httpStatus }
          : null;
      }),
    );

    // Delivered batches reset the refused count in completeAttempts; only refusals are recorded here.
    const batches: BatchResult[] = [];
    for (const [webhookId, stats] of perWebhook) {
      if (stats.delivered === 0 && stats.failed === stats.total) {
        batches.push({
          webhookId,
          refused: true,
          reason: `Segment refused every message of the last ${threshold} batch${threshold === 1 ? '' : 'es'} (last answer: ${stats.last}). Check the write key, region and fields, then save or resume.`,
        });
      }
    }
    if (batches.length > 0) {
      const tipped = await store.recordBatches(batches, threshold, now());
      // The store tipped each of these in this call only (atomically), whatever other workers do: one alert
      // per change.
      for (const webhookId of tipped) {
        const accountId = group.find((d) => d.webhookId === webhookId)!.accountId;
        await reportNeedsAttention(accountId, webhookId);
      }
    }
    const next = completions.reduce(
      (min, c) => (c.status === 'retrying' && c.nextAttemptAt !== null ? Math.min(min, c.nextAttemptAt) : min),
      Number.POSITIVE_INFINITY,
    );
    if (Number.isFinite(next)) wakeAt(next);
  }

  /** The first delivery of each webhook in `group` (for one log line per webhook). */
  function firstOfEachWebhook(group: readonly ClaimedDelivery[]): ClaimedDelivery[] {
    const seen = new Map<string, ClaimedDelivery>();
    for (const delivery of group) if (!seen.has(delivery.webhookId)) seen.set(delivery.webhookId, delivery);
    return [...seen.values()];
  }

  /**
   * Counts the applied completions of `group` (metrics) and gathers its failed deliveries (the
   * `onDeliveriesFailed` summaries). `outcomes[i]` is what was recorded for `group[i]` (null: not sent).
   */
  function recordOutcomes(
    group: readonly ClaimedDelivery[],
    applied: readonly string[],
    outcomes: readonly ({
      status: AttemptCompletion['status'];
      error: string | null;
      httpStatus: number | null;
    } | null)[],
  ): void {
    const done = new Set(applied);
    const counts = new Map<
      string,
      { accountId: string; delivered: number; retried: number; failed: FailedDeliverySample[] }
    >();
    group.forEach((delivery, index) => {
      const outcome = outcomes[index];
      if (!outcome || !done.has(delivery.id)) return;
      let count = counts.get(delivery.webhookId);
      if (!count) {
        count = { accountId: delivery.accountId, delivered: 0, retried: 0, failed: [] };
        counts.set(delivery.webhookId, count);
      }
      if (outcome.status === 'delivered') count.delivered += 1;
      else if (outcome.status === 'retrying') count.retried += 1;
      else {
        count.failed.push({
          deliveryId: delivery.id,
          eventId: delivery.eventId,
          messageId: delivery.messageId,
          error: outcome.error ?? 'Failed',
          httpStatus: outcome.httpStatus,
        });
      }
    });
    for (const [webhookId, count] of counts) {
      if (metrics) {
        if (count.delivered > 0) metrics.deliveriesCompleted('delivered', count.accountId, webhookId, count.delivered);
        if (count.retried > 0) metrics.deliveriesCompleted('retried', count.accountId, webhookId, count.retried);
        if (count.failed.length > 0) {
          metrics.deliveriesCompleted('failed', count.accountId, webhookId, count.failed.length);
        }
      }
      failures.add(count.accountId, webhookId, count.failed);
    }
  }

  /** Logs a webhook the store just tipped into needs attention, and tells the host (`onWebhookHealthChange`). */
  async function reportNeedsAttention(accountId: string, webhookId: string): Promise<void> {
    const webhook = await store.getWebhook(accountId, webhookId).catch(() => null);
    const reason = webhook?.healthReason ?? 'Segment refused its batches.';
    logger.warn({ accountId, webhookId, reason }, 'Segment webhook needs attention: its new deliveries are held');
    callHook(
      'onWebhookHealthChange',
      options.onWebhookHealthChange,
      {
        accountId,
        webhookId,
        name: webhook?.name ?? '',
        from: 'healthy',
        to: 'needs_attention',
        reason,
        at: new Date(webhook?.healthSince ?? now()).toISOString(),
      },
      logger,
    );
  }

  async function processClaim(claimed: ClaimedDelivery[]): Promise<void> {
    const groups = new Map<string, ClaimedDelivery[]>();
    for (const delivery of claimed) {
      const key = `${delivery.writeKeyFingerprint}\u0000${delivery.region}`;
      const list = groups.get(key);
      if (list) list.push(delivery);
      else groups.set(key, [delivery]);
    }
    await Promise.all(
      [...groups.values()].map((group) =>
        sendGroup(group).catch((error: unknown) => {
          // The leases expire and the deliveries are claimed again (same messageId: Segment de-duplicates).
          for (const delivery of firstOfEachWebhook(group)) {
            logger.error(
              {
                accountId: delivery.accountId,
                webhookId: delivery.webhookId,
                error: error instanceof Error ? error.message : String(error),
                deliveries: group.filter((d) => d.webhookId === delivery.webhookId).length,
              },
              'Delivering a batch failed; it will be claimed again after its lease',
            );
          }
        }),
      ),
    );
  }

  async function claim(limit = batchSize): Promise<ClaimedDelivery[]> {
    await ready();
    lastStoreClaim = now();
    return store.claimDeliveries(id, lastStoreClaim, leaseMs, limit);
  }

  /** Up to `max` of the hand-off: in turns per write key (fair share), or first in, first out. */
  function takeHandoff(max = batchSize): ClaimedDelivery[] {
    if (handoff.length <= max) {
      const taken = handoff;
      handoff = [];
      return taken;
    }
    if (!fairShare) return handoff.splice(0, max);
    const { taken, rest } = takeInTurns(handoff, (delivery) => delivery.writeKeyFingerprint, max);
    handoff = rest;
    return taken;
  }

  /**
   * How much of a round that asks the store goes to the hand-off: none without fair share (the store's
   * due work first, as before); with it, half, so that a key waiting in either source goes out in the
   * next round (each source shares its part across write keys itself). A round of one alternates.
   */
  function handoffShare(): number {
    if (!fairShare || handoff.length === 0) return 0;
    if (batchSize > 1) return Math.floor(batchSize / 2);
    return lastRoundFromStore ? 1 : 0;
  }

  function dispatch(claimed: ClaimedDelivery[]): void {
    const task: Promise<void> = processClaim(claimed).finally(() => {
      lastTickAt = now();
      inFlight.delete(task);
    });
    inFlight.add(task);
  }

  async function loop(): Promise<void> {
    while (running) {
      lastTickAt = now();
      if (inFlight.size >= concurrency) {
        await Promise.race(inFlight);
        continue;
      }
      // The store is asked when it signalled work, when its last claim found some (there may be more),
      // or when a poll interval passed; otherwise hand-offs go out, or the loop waits for either. With fair
      // share, a round that asks the store also takes from the hand-off (see handoffShare): a key waiting
      // in one source is not held back by another key's backlog in the other.
      const sinceClaim = now() - lastStoreClaim;
      if (!woken && !storeHadMore && sinceClaim < pollIntervalMs) {
        if (handoff.length > 0) dispatch(takeHandoff());
        else await idle(pollIntervalMs - sinceClaim);
        continue;
      }
      woken = false;
      const fromHandoff = takeHandoff(handoffShare());
      const limit = batchSize - fromHandoff.length;
      let claimed: ClaimedDelivery[] = [];
      let claimFailed = false;
      try {
        if (limit > 0) {
          claimed = await claim(limit);
          claimRetryMs = 0;
        }
      } catch (error) {
        claimFailed = true;
        // Tried again soon, then less often (a store that is restarting is back within seconds; one that is
        // down for long is not hammered), and at once on a wake-up (e.g. the store's connection is back).
        claimRetryMs = Math.min(pollIntervalMs, claimRetryMs === 0 ? CLAIM_RETRY_MIN_MS : claimRetryMs * 2);
        logger.error(
          {
            error: error instanceof Error ? error.message : String(error),
            retryInMs: claimRetryMs,
          },
          'Claiming deliveries failed; retrying',
        );
      }
      if (limit > 0) storeHadMore = claimed.length > 0;
      lastRoundFromStore = limit > 0;
      const round = fromHandoff.length > 0 ? fromHandoff.concat(claimed) : claimed;
      if (round.length > 0) dispatch(round);
      else if (handoff.length > 0) dispatch(takeHandoff());
      else if (claimFailed) {
        // The next claim waits for this delay, not for the poll interval since this attempt.
        await idle(claimRetryMs);
        lastStoreClaim = Number.NEGATIVE_INFINITY;
      } else await idle(pollIntervalMs);
    }
  }

  const worker: DeliveryWorker = {
    id,
    leaseMs,
    status() {
      return { state, lastTickAt, pollIntervalMs };
    },
    reserve(count) {
      if (!running || count <= 0) return 0;
      const granted = Math.max(0, Math.min(count, maxHandoff - handoff.length - reserved));
      reserved += granted;
      return granted;
    },
    accept(claimed, count) {
      reserved = Math.max(0, reserved - count);
      if (claimed.length === 0) return;
      if (!running) {
        // Stopped meanwhile: give the leases back so any worker takes them now rather than at expiry.
        const release: Promise<unknown> = store
          .releaseLeases(id, now())
          .catch(() => undefined)
          .finally(() => releasing.delete(release));
        releasing.add(release);
        return;
      }
      for (const delivery of claimed) handoff.push(delivery);
      const waiter = wakeWaiter;
      wakeWaiter = null;
      waiter?.();
    },
    start() {
      if (running) return;
      running = true;
      state = 'running';
      stopping = false;
      stopDeadline = Number.POSITIVE_INFINITY;
      unsubscribe = store.onWork(wake);
      if (retentionMs !== null) {
        prune();
        pruneTimer = setInterval(prune, pruneIntervalMs);
        pruneTimer.unref?.();
      }
      loopDone = loop().catch((error: unknown) => {
        logger.error(
          {
            error: error instanceof Error ? error.message : String(error),
          },
          'The delivery worker stopped unexpectedly',
        );
      });
    },

    async stop() {
      const wasRunning = running;
      running = false;
      stopping = true;
      state = 'stopping';
      stopDeadline = Math.min(stopDeadline, now() + stopTimeoutMs);
      unsubscribe?.();
      unsubscribe = null;
      if (timer) clearTimeout(timer);
      timer = null;
      timerAt = Number.POSITIVE_INFINITY;
      if (pruneTimer) clearInterval(pruneTimer);
      pruneTimer = null;
      wake();
      // The loop ends (it may be waiting for a round to finish), then the requests in flight finish and
      // record their outcomes: all of it for up to stopTimeoutMs.
      const loop = loopDone;
      const settled = (async () => {
        await loop;
        await Promise.allSettled([...inFlight, ...(pruning ? [pruning] : [])]);
      })();
      let timeout: ReturnType<typeof setTimeout> | undefined;
      const gaveUp = await Promise.race([
        settled.then(() => false),
        new Promise<boolean>((resolve) => {
          timeout = setTimeout(() => resolve(true), Math.max(0, stopDeadline - now()));
        }),
      ]);
      clearTimeout(timeout);
      loopDone = null;
      if (gaveUp) {
        logger.warn(
          {
            inFlight: inFlight.size,
            stopTimeoutMs,
          },
          'The delivery worker stopped before its requests in flight finished',
        );
      }
      await Promise.allSettled([...releasing]);
      handoff = [];
      if (wasRunning || migrated) {
        try {
          const released = await store.releaseLeases(id, now());
          if (released > 0) logger.info({ released }, 'Delivery worker released its leases');
        } catch (error) {
          logger.error(
            {
              error: error instanceof Error ? error.message : String(error),
            },
            'Releasing leases failed; they expire on their own',
          );
        }
      }
      // The failures gathered for a later summary are told now rather than never.
      failures.flush();
      if (ownsClient) {
        // A request still in flight after the timeout is abandoned rather than awaited.
        if (gaveUp) void client.close().catch(() => undefined);
        else await client.close();
      }
      state = 'stopped';
    },

    async runOnce() {
      const claimed = handoff.length > 0 ? takeHandoff() : await claim();
      if (claimed.length > 0) await processClaim(claimed);
      return claimed.length;
    },
  };
  return worker;
}
