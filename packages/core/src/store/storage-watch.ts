/**
 * How a store knows it ran out of room, for its readiness check (`Store.checkHealth`): a write that failed
 * with `StoreFailure('storage_full')` marks the storage full; while marked, each check makes a small probe
 * write, and the first that succeeds clears the mark. A store that never ran out of room never probes, so
 * the check stays a read. Shared by the SQLite and PostgreSQL stores.
 */
import { isStoreFailure } from './failure';

/** The storage state of one store. */
export interface StorageWatch {
  /** Sees an error one of the store's methods threw: a `storage_full` failure marks the storage full. */
  saw(error: unknown): void;
  /** Whether the storage is marked full. */
  readonly full: boolean;
  /**
   * The storage state now: `ok` when not marked full; otherwise runs `probe` (a write that needs new room),
   * `ok` (and the mark cleared) when it succeeds, `storage_full` when it fails for lack of room. Other
   * failures of the probe are thrown (e.g. `StoreFailure('unavailable')`). Concurrent checks share one probe.
   */
  check(probe: () => Promise<void>): Promise<'ok' | 'storage_full'>;
}

/** A new {@link StorageWatch}, not marked full. */
export function createStorageWatch(): StorageWatch {
  let full = false;
  let probing: Promise<'ok' | 'storage_full'> | null = null;
  const isFull = (error: unknown) => isStoreFailure(error) && error.reason === 'storage_full';
  return {
    saw(error) {
      if (isFull(error)) full = true;
    },
    get full() {
      return full;
    },
    check(probe) {
      if (!full) return Promise.resolve('ok');
      probing ??= probe()
        .then(
          () => {
            full = false;
            return 'ok' as const;
          },
          (error: unknown) => {
            if (isFull(error)) return 'storage_full' as const;
            throw error;
          },
        )
        .finally(() => {
          probing = null;
        });
      return probing;
    },
  };
}
