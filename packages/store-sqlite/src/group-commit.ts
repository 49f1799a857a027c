/**
 * Write batching of the SQLite store: `insertDeliveries` calls share transactions (group commit) and
 * durable commits share fsyncs of the WAL, run off the event loop.
 */
import fs from 'node:fs';
import type { InsertedDelivery, InsertLease, NewDelivery } from '@segment-webhook/core';

/** One waiting `insertDeliveries` call. */
export interface InsertCall {
  deliveries: readonly NewDelivery[];
  lease: InsertLease | undefined;
  resolve: (results: InsertedDelivery[]) => void;
  reject: (error: unknown) => void;
}

/** What committing a group of calls produced (see `Statements.insertDeliveries`). */
export interface InsertCommit {
  /** The results of each call, in call order. */
  perCall: InsertedDelivery[][];
  /** The deliveries created, for the change notices. */
  created: { webhookId: string; id: string }[];
  /** How many of them are due (not leased at insert). */
  due: number;
}

/** Options of {@link createGroupCommit}. */
export interface GroupCommitOptions {
  /** Commits the calls in one transaction (throws to roll them all back). */
  commit: (calls: readonly InsertCall[]) => InsertCommit;
  /** Called once a commit's calls are about to resolve, to announce what it created. */
  announce: (commit: InsertCommit) => void;
  /**
   * The WAL file to fsync before a commit's calls resolve, or null when commits are durable (or need not
   * be) by themselves: `:memory:`, `synchronous: 'NORMAL'`, or no WAL.
   */
  walFile: string | null;
}

/** The group commit of one store. */
export interface GroupCommit {
  /** Queues a call; it resolves once its deliveries are committed (and on disk, with a WAL file). */
  insert(deliveries: readonly NewDelivery[], lease: InsertLease | undefined): Promise<InsertedDelivery[]>;
  /** Commits the queued calls now and waits for the fsyncs in flight; then releases the WAL file. */
  close(): Promise<void>;
}

/**
 * Group commit: the `insertDeliveries` calls made in one turn of the event loop share one transaction, and
 * the transactions committed while an fsync is in flight share the next fsync, so a host reporting events
 * one by one pays one commit per burst instead of per event. Each call still resolves only after its
 * deliveries are on disk; a lone call waits only for `setImmediate` and one fsync. Merged in call order, so
 * keys repeated across calls resolve as they would one call after another.
 *
 * Durable commits without blocking the event loop: accepted events commit with `synchronous = NORMAL` (the
 * WAL frames reach the OS, not yet the disk), then one `fsync` of the WAL file runs on libuv's thread pool,
 * and the calls resolve only when it returns: the same guarantee as `FULL`, but the process keeps working
 * meanwhile. A checkpoint under NORMAL syncs the WAL before copying it into the database, so nothing
 * acknowledged can be lost to one.
 */
export function createGroupCommit(options: GroupCommitOptions): GroupCommit {
  const { commit, announce, walFile } = options;
  let pending: InsertCall[] = [];
  let walFd: number | null = null;
  let syncing: Promise<void> | null = null;
  let awaitingSync: (() => void)[] = [];
  let failedSync: ((error: unknown) => void)[] = [];

  function afterSync(resolve: () => void, reject: (error: unknown) => void): void {
    if (walFile === null) {
      resolve();
      return;
    }
    awaitingSync.push(resolve);
    failedSync.push(reject);
    syncing ??= syncLoop(walFile);
  }

  async function syncLoop(file: string): Promise<void> {
    try {
      while (awaitingSync.length > 0) {
        const done = awaitingSync;
        const failed = failedSync;
        awaitingSync = [];
        failedSync = [];
        try {
          walFd ??= fs.openSync(file, 'r');
          const fd = walFd;
          await new Promise<void>((resolve, reject) => {
            fs.fsync(fd, (error) => (error ? reject(error) : resolve()));
          });
        } catch (error) {
          const failure = new Error('The accepted events were committed but could not be synced to disk.', {
            cause: error,
          });
          for (const reject of failed) reject(failure);
          continue;
        }
        for (const resolve of done) resolve();
      }
    } finally {
      syncing = null;
    }
  }

  /** Commits `list` in one transaction, then resolves its calls once the commit is on disk. */
  function commitAndSettle(list: readonly InsertCall[]): void {
    const committed = commit(list);
    afterSync(
      () => {
        if (committed.created.length > 0) announce(committed);
        list.forEach((call, index) => {
          call.resolve(committed.perCall[index]!);
        });
      },
      (error) => {
        for (const call of list) call.reject(error);
      },
    );
  }

  function flush(): void {
    const calls = pending;
    pending = [];
    if (calls.length === 0) return;
    try {
      commitAndSettle(calls);
    } catch (error) {
      if (calls.length === 1) {
        calls[0]!.reject(error);
        return;
      }
      // One bad call must not fail the others: run them one by one.
      for (const call of calls) {
        try {
          commitAndSettle([call]);
        } catch (callError) {
          call.reject(callError);
        }
      }
    }
  }

  return {
    insert(deliveries, lease) {
      return new Promise((resolve, reject) => {
        pending.push({ deliveries, lease, resolve, reject });
        if (pending.length === 1) setImmediate(flush);
      });
    },

    async close() {
      flush();
      while (syncing) await syncing;
      if (walFd !== null) {
        fs.closeSync(walFd);
        walFd = null;
      }
    },
  };
}
