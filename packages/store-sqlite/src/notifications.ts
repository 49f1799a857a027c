/**
 * Change notifications of the SQLite store: `onWork` and `onChanges`. SQLite has no way to tell another
 * process, so they reach every store on the same file in this process (e.g. the service's and the
 * worker's); other processes' workers find new work by polling.
 */
import type { DeliveryChangeNotice, StoreUnsubscribe } from '@segment-webhook/core';

/** In-process listeners per database file, so several stores on one file hear each other. */
const workListeners = new Map<string, Set<() => void>>();
const changeListeners = new Map<string, Set<(notice: DeliveryChangeNotice) => void>>();

function listenersOf<T>(map: Map<string, Set<T>>, key: string): Set<T> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

/** One store's side of its file's notifications. */
export interface FileNotifications {
  /** Tells every work listener on the file, after the current microtask (the commit's caller goes first). */
  emitWork(): void;
  /** Tells every change listener on the file: one notice per webhook. */
  emitChanges(byWebhook: ReadonlyMap<string, readonly string[]>): void;
  onWork(listener: () => void): StoreUnsubscribe;
  onChanges(listener: (notice: DeliveryChangeNotice) => void): StoreUnsubscribe;
  /** Removes this store's listeners. */
  close(): void;
}

/** The notifications of the database file `key` (its resolved path, or a unique key for `:memory:`). */
export function fileNotifications(key: string): FileNotifications {
  const ownWork = new Set<() => void>();
  const ownChanges = new Set<(notice: DeliveryChangeNotice) => void>();
  return {
    emitWork() {
      queueMicrotask(() => {
        for (const listener of [...listenersOf(workListeners, key)]) {
          try {
            listener();
          } catch {
            // A listener's failure must not break the writer.
          }
        }
      });
    },

    emitChanges(byWebhook) {
      if (byWebhook.size === 0) return;
      queueMicrotask(() => {
        for (const [webhookId, deliveryIds] of byWebhook) {
          for (const listener of [...listenersOf(changeListeners, key)]) {
            try {
              listener({ webhookId, deliveryIds: [...deliveryIds] });
            } catch {
              // See emitWork.
            }
          }
        }
      });
    },

    onWork(listener) {
      const wrapped = () => listener();
      listenersOf(workListeners, key).add(wrapped);
      ownWork.add(wrapped);
      return () => {
        listenersOf(workListeners, key).delete(wrapped);
        ownWork.delete(wrapped);
      };
    },

    onChanges(listener) {
      const wrapped = (notice: DeliveryChangeNotice) => listener(notice);
      listenersOf(changeListeners, key).add(wrapped);
      ownChanges.add(wrapped);
      return () => {
        listenersOf(changeListeners, key).delete(wrapped);
        ownChanges.delete(wrapped);
      };
    },

    close() {
      for (const listener of ownWork) listenersOf(workListeners, key).delete(listener);
      for (const listener of ownChanges) listenersOf(changeListeners, key).delete(listener);
      ownWork.clear();
      ownChanges.clear();
    },
  };
}

/** Delivery ids grouped by webhook, in order. */
export function groupByWebhook(pairs: Iterable<{ webhookId: string; id: string }>): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const { webhookId, id } of pairs) {
    const list = map.get(webhookId);
    if (list) list.push(id);
    else map.set(webhookId, [id]);
  }
  return map;
}
