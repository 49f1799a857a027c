/**
 * Which PostgreSQL errors are the database's state rather than the call's fault, and the wrapper that makes
 * the store throw them as core's `StoreFailure` (the service answers those 503 with `Retry-After`).
 */
import { type StorageWatch, type Store, StoreFailure } from '@segment-webhook/core';
import type pg from 'pg';

/** Socket errors of a server that is down, restarting or unreachable for a while. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * SQLSTATEs of a server that cannot serve anyone right now: 57P01 admin_shutdown, 57P02 crash_shutdown,
 * 57P03 cannot_connect_now (starting up or shutting down), 53300 too_many_connections. Class 08
 * (connection exceptions) is matched by its prefix.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** node-postgres' own errors for a lost or unobtainable connection (they carry no code). */
const DRIVER_MESSAGES = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect$/, // the pool's connectionTimeoutMillis
  /has encountered a connection error and is not queryable$/,
];

/**
 * Whether `error` means the database is unavailable for a while (connection refused, reset or dropped,
 * the server shutting down or starting up, no connection in time), not that the statement was wrong.
 */
export function isUnavailableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
    if (/^08[0-9A-Z]{3}$/.test(code)) return true;
  }
  if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // A connection to a host with several addresses fails with an AggregateError of each attempt.
  return Array.isArray(errors) && errors.length > 0 && errors.every(isUnavailableError);
}

/**
 * SQLSTATEs of a database with no room to write: 53100 disk_full (a full disk or tablespace: "could not
 * extend file", "could not write to file … No space left on device").
 */
const STORAGE_FULL_SQLSTATES = new Set(['53100']);

/** How long a caller is told to wait after a full disk: 10 s (freeing space takes a person or a job). */
export const STORAGE_FULL_RETRY_AFTER_MS = 10_000;

/** Whether `error` means the database has no room left to write (see {@link STORAGE_FULL_SQLSTATES}). */
export function isStorageFullError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && STORAGE_FULL_SQLSTATES.has(code);
}

/**
 * `error` as a `StoreFailure` when it is one of {@link isUnavailableError}'s (`unavailable`) or of
 * {@link isStorageFullError}'s (`storage_full`), else unchanged.
 */
export function classify(error: unknown): unknown {
  if (isStorageFullError(error)) {
    return new StoreFailure('storage_full', 'PostgreSQL has no room left to write (the disk or tablespace is full).', {
      cause: error,
      retryAfterMs: STORAGE_FULL_RETRY_AFTER_MS,
    });
  }
  if (!isUnavailableError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreFailure('unavailable', `PostgreSQL is unavailable: ${detail}`, { cause: error });
}

/**
 * `store` with every method's connection-class and full-disk errors thrown as `StoreFailure` (rejected promises
 * and synchronous throws alike), each one also shown to `watch` (when given). The methods are wrapped once, on
 * an object that delegates to the store.
 */
export function throwingStoreFailures<S extends Store>(store: S, watch?: StorageWatch): S {
  const wrapped = new Map<PropertyKey, unknown>();
  const fail = (error: unknown): never => {
    const classified = classify(error);
    watch?.saw(classified);
    throw classified;
  };
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = wrapped.get(property);
      if (!method) {
        method = (...args: unknown[]) => {
          let result: unknown;
          try {
            result = value.apply(target, args);
          } catch (error) {
            fail(error);
          }
          return result instanceof Promise ? result.catch(fail) : result;
        };
        wrapped.set(property, method);
      }
      return method;
    },
  });
}

/**
 * Guards a client checked out of the pool (`pool.connect()`) for the time it is used: when the server ends
 * its connection (a restart), node-postgres fails the running query *and* emits `error` on the client, which
 * would crash the process without a listener. Returns the function that gives the client back — destroyed
 * if its connection broke, so the pool opens a new one.
 */
export function guardCheckedOut(client: pg.PoolClient): () => void {
  let broken: Error | undefined;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  return () => {
    client.off('error', onError);
    client.release(broken);
  };
}
