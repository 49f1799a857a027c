/**
 * Which SQLite errors are the database's state rather than the call's fault — a full disk — and the wrapper
 * that makes the store throw them as core's `StoreFailure` (the service answers `storage_full` with a 507 and
 * `Retry-After`), and remembers them for the readiness check.
 */
import { type StorageWatch, type Store, StoreFailure } from '@segment-webhook/core';

/** How long a caller is told to wait after a full disk: 10 s (freeing space takes a person or a job). */
export const STORAGE_FULL_RETRY_AFTER_MS = 10_000;

/** Error codes of a disk with no room: SQLite's own, and the system's (an fsync of the WAL, say). */
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

/** Whether `error` (or its cause) means the disk or its quota is full. */
export function isStorageFullError(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 4; depth++) {
    const { code } = current as { code?: unknown };
    if (typeof code === 'string' && FULL_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** `error` as a `StoreFailure('storage_full')` when it is one of {@link isStorageFullError}'s, else unchanged. */
export function classify(error: unknown): unknown {
  if (!isStorageFullError(error)) return error;
  return new StoreFailure('storage_full', 'The SQLite database has no room left to write (the disk is full).', {
    cause: error,
    retryAfterMs: STORAGE_FULL_RETRY_AFTER_MS,
  });
}

/**
 * `store` with every method's full-disk errors thrown as `StoreFailure('storage_full')` (rejected promises and
 * synchronous throws alike), each one also shown to `watch`.
 */
export function throwingStoreFailures(store: Store, watch: StorageWatch): Store {
  const fail = (error: unknown): never => {
    const classified = classify(error);
    watch.saw(classified);
    throw classified;
  };
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store) as [string, unknown][]) {
    if (typeof method !== 'function') {
      wrapped[name] = method;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = (method as (...a: unknown[]) => unknown).apply(store, args);
      } catch (error) {
        fail(error);
      }
      return result instanceof Promise ? result.catch(fail) : result;
    };
  }
  return wrapped as unknown as Store;
}
