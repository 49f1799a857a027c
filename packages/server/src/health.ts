/**
 * Health checks a host mounts next to the API (`GET /healthz`, `GET /readyz`), as fetch handlers: the
 * liveness check answers as long as the process's event loop does; the readiness check asks the store (it
 * answers, its migrations are applied, it has room to write) and the delivery worker (its loop went round
 * recently, it is not stopping). A load balancer or an orchestrator sends traffic only to a ready process and
 * restarts one that is not alive. Web APIs only, like the rest of this package.
 */
import type { DeliveryWorker, Store, StoreHealth } from '@segment-webhook/core';
import { isStoreFailure } from '@segment-webhook/core';

/** Why a process is not ready (the `reason` of a 503 from the readiness check). */
export type NotReadyReason =
  /** The database cannot be reached (or did not answer within `timeoutMs`). */
  | 'unavailable'
  /** The database has no room left to write (a full disk or tablespace): ingest answers 507. */
  | 'storage_full'
  /** The database's schema is older than this release's: `store.migrate()` has not run (yet). */
  | 'migrations_pending'
  /** The store's check failed in another way (see the store check's `detail`). */
  | 'store_error'
  /** The delivery worker is not running: never started, stopping (SIGTERM) or stopped. */
  | 'worker_not_running'
  /** The delivery loop has not gone round for longer than `maxTickAgeMs`. */
  | 'worker_stalled';

/** The readiness check's answer (the JSON body of `GET /readyz`). */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  /** The first reason, when not ready. */
  reason?: NotReadyReason;
  checks: {
    store: { status: 'ok' | 'unavailable' | 'storage_full' | 'error'; detail?: string };
    migrations: { status: 'ok' | 'pending' | 'unknown'; schemaVersion?: number; expectedSchemaVersion?: number };
    /** Absent when no worker was given (a process that only serves the API). */
    worker?: { status: 'ok' | 'not_running' | 'stalled'; state: string; lastTickAt: string | null };
  };
}

/** Options of {@link createHealthHandlers}. */
export interface HealthHandlerOptions {
  /** The store the service and the worker use. */
  store: Pick<Store, 'checkHealth'>;
  /** The delivery worker of this process, if it runs one (its loop is then part of readiness). */
  worker?: Pick<DeliveryWorker, 'status'> | null | undefined;
  /**
   * Longest time since the delivery loop last went round before the process is not ready, in ms. Default
   * 30,000 (or 3 poll intervals, if more): the loop goes round every poll interval when idle and whenever a
   * round of requests to Segment (10 s timeout) ends.
   */
  maxTickAgeMs?: number | undefined;
  /** Longest wait for the store's check, in ms; beyond it the store counts as unavailable. Default 3,000. */
  timeoutMs?: number | undefined;
  /** The clock, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The two checks, as fetch handlers, and the readiness check as data. */
export interface HealthHandlers {
  /** `GET /healthz`: `200 {"status":"ok"}` while the event loop answers (HEAD: no body). */
  liveness(request?: Request): Response;
  /** `GET /readyz`: `200` with the {@link ReadinessReport}, or `503` with it and its `reason`. */
  readiness(request?: Request): Promise<Response>;
  /** The readiness report without HTTP. */
  check(): Promise<ReadinessReport>;
}

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
/** Default longest time without a loop tick: 30 s. */
export const DEFAULT_MAX_TICK_AGE_MS = 30_000;
/** Default longest wait for the store's check: 3 s. */
export const DEFAULT_HEALTH_TIMEOUT_MS = 3_000;

function json(body: unknown, status: number, request: Request | undefined, extra: Record<string, string> = {}) {
  const head = request?.method.toUpperCase() === 'HEAD';
  return new Response(head ? null : JSON.stringify(body), { status, headers: { ...HEADERS, ...extra } });
}

/**
 * The liveness and readiness checks of a process running the kit. Mount them where the orchestrator looks:
 *
 * ```ts
 * const health = createHealthHandlers({ store, worker: kit.worker });
 * app.get('/healthz', (c) => health.liveness(c.req.raw)); // Hono; Express: toNodeListener(health.liveness)
 * app.get('/readyz', (c) => health.readiness(c.req.raw));
 * ```
 *
 * Readiness answers 503 with a JSON `reason` while the database is down (`unavailable`), full
 * (`storage_full`) or not migrated, or while the worker is stopping or stuck; and 200 again as soon as that
 * passes, without a restart.
 */
export function createHealthHandlers(options: HealthHandlerOptions): HealthHandlers {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
  const worker = options.worker ?? null;

  async function storeHealth(): Promise<StoreHealth> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`The store did not answer within ${timeoutMs} ms.`), { timeout: true })),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([options.store.checkHealth(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function check(): Promise<ReadinessReport> {
    const reasons: NotReadyReason[] = [];
    const checks: ReadinessReport['checks'] = { store: { status: 'ok' }, migrations: { status: 'unknown' } };
    try {
      const health = await storeHealth();
      checks.migrations = {
        status: health.schemaVersion >= health.expectedSchemaVersion ? 'ok' : 'pending',
        schemaVersion: health.schemaVersion,
        expectedSchemaVersion: health.expectedSchemaVersion,
      };
      if (health.storage === 'storage_full') {
        checks.store = { status: 'storage_full', detail: 'The database has no room left to write.' };
        reasons.push('storage_full');
      }
      if (checks.migrations.status === 'pending') reasons.push('migrations_pending');
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      if ((isStoreFailure(error) && error.reason === 'unavailable') || (error as { timeout?: boolean }).timeout) {
        checks.store = { status: 'unavailable', detail };
        reasons.push('unavailable');
      } else if (isStoreFailure(error) && error.reason === 'storage_full') {
        checks.store = { status: 'storage_full', detail };
        reasons.push('storage_full');
      } else {
        checks.store = { status: 'error', detail };
        reasons.push('store_error');
      }
    }
    if (worker) {
      const status = worker.status();
      const maxTickAgeMs = options.maxTickAgeMs ?? Math.max(DEFAULT_MAX_TICK_AGE_MS, 3 * status.pollIntervalMs);
      const lastTickAt = status.lastTickAt === null ? null : new Date(status.lastTickAt).toISOString();
      if (status.state !== 'running') {
        checks.worker = { status: 'not_running', state: status.state, lastTickAt };
        reasons.push('worker_not_running');
      } else if (status.lastTickAt !== null && now() - status.lastTickAt > maxTickAgeMs) {
        checks.worker = { status: 'stalled', state: status.state, lastTickAt };
        reasons.push('worker_stalled');
      } else {
        checks.worker = { status: 'ok', state: status.state, lastTickAt };
      }
    }
    return reasons.length === 0 ? { status: 'ready', checks } : { status: 'not_ready', reason: reasons[0]!, checks };
  }

  return {
    liveness(request) {
      return json({ status: 'ok' }, 200, request);
    },
    async readiness(request) {
      const report = await check();
      if (report.status === 'ready') return json(report, 200, request);
      // A full disk or a database away: ask the balancer's probes (and clients) to come back in a while.
      const retryAfter = report.reason === 'storage_full' ? '10' : report.reason === 'unavailable' ? '1' : undefined;
      return json(report, 503, request, retryAfter ? { 'retry-after': retryAfter } : {});
    },
    check,
  };
}
