/**
 * The person search of the SQLite store (the `personId` filter and the person branch of `q`), through
 * sorted runs that trail the inserts (migration 8).
 *
 * Why not an index on the deliveries: an index keyed by person puts each insert on a page of its own, so
 * a commit of 100 events rewrites ~100 pages instead of the few the appended rows fill. Hashing persons
 * into 64 buckets of the page order (migration 6) still dirtied up to 64 pages per commit: WAL bytes per
 * event 4,300 against 2,300 without it, ingest over HTTP ~30 % slower (BENCHMARKS.md).
 *
 * Instead, every `runRows` inserted rows (all webhooks together, the rows with `seq` above the
 * watermark `search_state.indexed_seq`) are copied in one statement, sorted by webhook, person and page
 * order, into `person_runs` under a run number (the last `seq` of the run): one sorted append per webhook
 * per run, a few pages per thousand events. `search_runs` lists each webhook's runs with their time span;
 * `search_persons` the persons each webhook has had, with the first run that holds them (a new person
 * costs one entry; one already known, a lookup).
 *
 * A search reads the rows not yet in a run (at most `runRows`) by row id; then, if the webhook has had
 * the person, its runs from the person's first one, newest first, in growing groups, each group one
 * statement reading one index range per run, until no older run can hold a row newer than the page's
 * last. Deliveries keep their `seq` for life and a `seq` is never given twice (see
 * {@link PersonSearch.beginInsert}), so a run entry whose row is gone just finds no row.
 */
import type { DeliveryCursor } from '@segment-webhook/core';
import type Database from 'better-sqlite3';

/** Rows per run by default: the most a search reads by row id, and the inserts between two runs. */
export const SEARCH_RUN_ROWS = 2048;

/** The search's reads, given the list's conditions (on `d`, and on `p` for a run). */
export const PERSON_SEARCH_SQL = {
  /** The person's rows not yet in a run: at most `runRows`, by row id (NOT INDEXED keeps the row id range). */
  tail: (where: string) =>
    `SELECT d.created_at, d.id, d.seq FROM deliveries d NOT INDEXED
     WHERE d.seq > ? AND d.person_id = ? AND ${where}
     ORDER BY d.created_at DESC, d.id DESC LIMIT ?`,
  /**
   * The person's newest entries in a group of the webhook's runs: the runs (filtered by `runFilter`)
   * ranked by their newest row, `LIMIT ? OFFSET ?` of them; in each, one range of the run's key, each row
   * then read by row id; the newest `limit` kept.
   */
  inRuns: (runFilter: string, conditions: string) =>
    `SELECT p.created_at, p.id, p.seq FROM
       (SELECT run FROM search_runs INDEXED BY search_runs_newest WHERE ${runFilter}
        ORDER BY max_created DESC LIMIT ? OFFSET ?) r
     CROSS JOIN person_runs p CROSS JOIN deliveries d
     WHERE p.webhook_id = ? AND p.run = r.run AND p.person_id = ? AND d.seq = p.seq${conditions ? ` AND ${conditions}` : ''}
     ORDER BY p.created_at DESC, p.id DESC LIMIT ?`,
  /** The newest row's time of the run at a rank (the next group's first). */
  runAt: (runFilter: string) =>
    `SELECT max_created FROM search_runs INDEXED BY search_runs_newest WHERE ${runFilter}
     ORDER BY max_created DESC LIMIT 1 OFFSET ?`,
};

/** What a person search must honour besides the person. */
export interface PersonSearchQuery {
  webhookId: string;
  personId: string;
  /** The list's conditions on `d` (the deliveries row), with their parameters. */
  where: readonly string[];
  whereParams: readonly unknown[];
  from: number | undefined;
  to: number | undefined;
  after: DeliveryCursor | null;
  limit: number;
}

/** `[created_at, id, seq]` of one matching row. */
type Hit = [number, string, number];

/** Newest first, as the list orders: `created_at` then `id`, both descending. */
function newestFirst(a: Hit, b: Hit): number {
  return b[0] - a[0] || (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0);
}

export interface PersonSearch {
  /**
   * Called first in an inserting transaction. `seq`: the one to give the next inserted row, minus one —
   * above every row's and above the watermark, so a row inserted after the newest rows were deleted never
   * gets a `seq` already copied into a run (or below the watermark, where no run would ever copy it).
   * `watermark`: the last `seq` in a run, for {@link PersonSearch.afterInsert}.
   */
  beginInsert(): { seq: number; watermark: number };
  /**
   * Called last in the inserting transaction, with its last `seq` and what `beginInsert` answered: copies
   * the rows above the watermark into a run once `runRows` wait.
   */
  afterInsert(lastSeq: number, watermark: number): void;
  /** The `seq`s of the `limit` newest rows of the person that match the query. */
  search(query: PersonSearchQuery): number[];
  /** A deleted webhook's runs. */
  dropWebhook(webhookId: string): void;
  /** Drops the runs older than `olderThan` whose rows are all gone (after a prune). */
  collect(olderThan: number): number;
}

export function createPersonSearch(
  stmt: (sql: string) => Database.Statement,
  runRows: number = SEARCH_RUN_ROWS,
): PersonSearch {
  const watermark = (): number => stmt('SELECT indexed_seq FROM search_state WHERE id = 1').pluck().get() as number;

  return {
    beginInsert() {
      const max = (stmt('SELECT MAX(seq) FROM deliveries').pluck().get() as number | null) ?? 0;
      const indexed = watermark();
      return { seq: Math.max(max, indexed), watermark: indexed };
    },

    afterInsert(lastSeq, from) {
      if (lastSeq - from < runRows) return;
      // Sorted as the run's key, so the rows of each webhook append in order.
      stmt(
        `INSERT INTO person_runs (webhook_id, run, person_id, created_at, id, seq)
         SELECT webhook_id, ?, person_id, created_at, id, seq FROM deliveries WHERE seq > ? AND seq <= ?
         ORDER BY webhook_id, person_id, created_at DESC, id DESC`,
      ).run(lastSeq, from, lastSeq);
      stmt(
        `INSERT INTO search_runs (webhook_id, run, first_seq, min_created, max_created)
         SELECT webhook_id, ?, MIN(seq), MIN(created_at), MAX(created_at) FROM deliveries WHERE seq > ? AND seq <= ?
         GROUP BY webhook_id`,
      ).run(lastSeq, from, lastSeq);
      stmt(
        `INSERT OR IGNORE INTO search_persons (webhook_id, person_id, first_run)
         SELECT webhook_id, person_id, ? FROM deliveries WHERE seq > ? AND seq <= ? ORDER BY webhook_id, person_id`,
      ).run(lastSeq, from, lastSeq);
      stmt('UPDATE search_state SET indexed_seq = ? WHERE id = 1').run(lastSeq);
    },

    search({ webhookId, personId, where, whereParams, from, to, after, limit }) {
      if (limit <= 0) return [];
      let hits = stmt(PERSON_SEARCH_SQL.tail(where.join(' AND ')))
        .raw(true)
        .all(watermark(), personId, ...whereParams, limit) as Hit[];
      const firstRun = stmt('SELECT first_run FROM search_persons WHERE webhook_id = ? AND person_id = ?')
        .pluck()
        .get(webhookId, personId) as number | undefined;
      if (firstRun === undefined) return hits.map((hit) => hit[2]);
      // The page's bounds, on the run entries' own key (each run's range starts where the page can start)
      // and on the runs' time spans (the runs that can hold a row of the page, from the person's first).
      const bounds: string[] = [];
      const boundParams: unknown[] = [];
      const runFilter = ['webhook_id = ?', 'run >= ?'];
      const runParams: unknown[] = [webhookId, firstRun];
      const bound = (entry: string, entryParams: unknown[], run: string, runParam: number) => {
        bounds.push(entry);
        boundParams.push(...entryParams);
        runFilter.push(run);
        runParams.push(runParam);
      };
      if (from !== undefined) bound('p.created_at >= ?', [from], 'max_created >= ?', from);
      if (to !== undefined) bound('p.created_at < ?', [to], 'min_created < ?', to);
      if (after)
        bound('(p.created_at, p.id) < (?, ?)', [after.createdAt, after.id], 'min_created <= ?', after.createdAt);
      const conditions = [...bounds, ...where].join(' AND ');
      const filter = runFilter.join(' AND ');
      const inRuns = stmt(PERSON_SEARCH_SQL.inRuns(filter, conditions)).raw(true);
      const runAt = stmt(PERSON_SEARCH_SQL.runAt(filter)).pluck();
      // Groups of 1, 2, 4, … runs (a statement has a fixed cost; a group reads all of the person's entries
      // in its runs): a frequent person fills the page from the newest run, a rare one costs a few
      // statements whatever the number of runs.
      for (let start = 0, size = 1; ; start += size, size *= 2) {
        const newest = runAt.get(...runParams, start) as number | undefined;
        if (newest === undefined) break;
        // Ranked by their newest row: once a run's newest is older than the page's last, so are the rest.
        if (hits.length >= limit && newest < hits[limit - 1]![0]) break;
        const found = inRuns.all(
          ...runParams,
          size,
          start,
          webhookId,
          personId,
          ...boundParams,
          ...whereParams,
          limit,
        ) as Hit[];
        if (found.length > 0) hits = hits.concat(found).sort(newestFirst).slice(0, limit);
      }
      return hits.sort(newestFirst).map((hit) => hit[2]);
    },

    dropWebhook(webhookId) {
      stmt('DELETE FROM person_runs WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM search_runs WHERE webhook_id = ?').run(webhookId);
      stmt('DELETE FROM search_persons WHERE webhook_id = ?').run(webhookId);
    },

    collect(olderThan) {
      const candidates = stmt('SELECT webhook_id, run, first_seq FROM search_runs WHERE max_created < ?')
        .raw(true)
        .all(olderThan) as [string, number, number][];
      let dropped = 0;
      for (const [webhookId, run, firstSeq] of candidates) {
        const alive = stmt('SELECT 1 FROM deliveries WHERE seq >= ? AND seq <= ? AND webhook_id = ? LIMIT 1')
          .pluck()
          .get(firstSeq, run, webhookId);
        if (alive) continue;
        stmt('DELETE FROM person_runs WHERE webhook_id = ? AND run = ?').run(webhookId, run);
        stmt('DELETE FROM search_runs WHERE webhook_id = ? AND run = ?').run(webhookId, run);
        dropped += 1;
      }
      return dropped;
    },
  };
}
