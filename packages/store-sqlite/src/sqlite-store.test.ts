import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  deliveryFixture,
  describeFairShare,
  describeStoreContract,
  webhookFixture,
} from '@segment-webhook/core/testing';
import { startSegmentSink } from '@segment-webhook/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations';
import { PERSON_SEARCH_SQL } from './person-search';
import { MESSAGE_NOT_DERIVED } from './rows';
import { sqliteStore } from './sqlite-store';
import { CLAIM_SQL } from './statements';

const dir = mkdtempSync(path.join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const nextFile = () => path.join(dir, `store-${++counter}.db`);

describeStoreContract('sqliteStore (file)', () => sqliteStore({ filename: nextFile() }));
// Runs of 3 rows: the contract's searches cross run boundaries and read both runs and the newest rows.
describeStoreContract('sqliteStore (:memory:, person search runs of 3 rows)', () =>
  sqliteStore({ filename: ':memory:', synchronous: 'NORMAL', searchRunRows: 3 }),
);
describeFairShare('sqliteStore: fair share across write keys', () => sqliteStore({ filename: nextFile() }), {
  startSink: () => startSegmentSink(),
});

describe('sqliteStore specifics', () => {
  it('applies migrations once, in WAL mode, and keeps data across reopening', async () => {
    const filename = nextFile();
    const first = sqliteStore({ filename });
    await first.migrate();
    const webhook = webhookFixture();
    await first.insertWebhook(webhook);
    await first.close();

    const second = sqliteStore({ filename });
    await second.migrate();
    expect(await second.getWebhook(webhook.accountId, webhook.id)).toEqual(webhook);
    await second.close();

    const raw = new Database(filename, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT version FROM schema_migrations').all()).toEqual([
      { version: 1 },
      { version: 2 },
      { version: 3 },
      { version: 4 },
      { version: 5 },
      { version: 6 },
      { version: 7 },
      { version: 8 },
    ]);
    raw.close();
  });

  it('lets two stores on one file hear each other’s wake-ups and share claims without overlap', async () => {
    const filename = nextFile();
    const a = sqliteStore({ filename });
    const b = sqliteStore({ filename });
    await a.migrate();
    await b.migrate();
    let woken = 0;
    const stop = b.onWork(() => {
      woken += 1;
    });
    const webhook = webhookFixture();
    await a.insertWebhook(webhook);
    await a.insertDeliveries(
      Array.from({ length: 10 }, (_, i) => ({
        id: `d${i}`,
        accountId: webhook.accountId,
        webhookId: webhook.id,
        eventId: `e${i}`,
        personId: 'p',
        activityId: null,
        source: 'activity' as const,
        messageId: `m${i}`,
        message: {
          type: 'track' as const,
          event: 'x',
          userId: 'p',
          messageId: `m${i}`,
          timestamp: new Date(0).toISOString(),
          properties: {},
          context: { library: { name: 'x', version: '1' } },
        },
        occurredAt: 0,
        createdAt: 0,
      })),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(woken).toBe(1);
    const [x, y] = await Promise.all([a.claimDeliveries('a', 1, 1000, 6), b.claimDeliveries('b', 1, 1000, 6)]);
    expect(x!.length + y!.length).toBe(10);
    expect(new Set([...x!, ...y!].map((d) => d.id)).size).toBe(10);
    stop();
    await a.close();
    await b.close();
  });

  it('plans claims through claimable webhooks only, and pages through the page index', async () => {
    const filename = nextFile();
    const store = sqliteStore({ filename });
    await store.migrate();
    await store.close();
    const raw = new Database(filename, { readonly: true });
    const plan = (sql: string) =>
      (raw.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    // The claim reads the claimable webhooks, then each one's oldest due deliveries: held webhooks'
    // deliveries are never scanned, and the per-webhook reads are index searches in claim order.
    const webhooks = plan(CLAIM_SQL.webhooks.replaceAll('?', '1'));
    expect(webhooks).toMatch(/^SCAN w/);
    expect(webhooks).toMatch(
      /SEARCH d (EXISTS )?USING INDEX deliveries_due_webhook \(webhook_id=\? AND next_attempt_at<\?\)/,
    );
    const due = plan(CLAIM_SQL.due.replace('?', "'x'").replaceAll('?', '1'));
    expect(due).toContain('SEARCH deliveries USING INDEX deliveries_due_webhook (webhook_id=? AND next_attempt_at<?)');
    expect(due).not.toContain('TEMP B-TREE');
    const page = plan(
      `SELECT d.id FROM deliveries d INDEXED BY deliveries_page WHERE d.webhook_id = 'x' AND (d.created_at, d.id) < (1, 'a')
       ORDER BY d.created_at DESC, d.id DESC LIMIT 51`,
    );
    expect(page).toMatch(
      /SEARCH d USING (COVERING )?INDEX deliveries_page \(webhook_id=\? AND \(created_at,id\)<\(\?,\?\)\)/,
    );
    expect(page).not.toContain('TEMP B-TREE');
    // The status index leaves pending rows out; other statuses page through it without sorting.
    const failed = plan(
      `SELECT d.id FROM deliveries d INDEXED BY deliveries_status_page WHERE d.webhook_id = 'x' AND d.status = 'failed'
       AND d.status != 'pending' ORDER BY d.created_at DESC, d.id DESC LIMIT 51`,
    );
    expect(failed).toMatch(/SEARCH d USING (COVERING )?INDEX deliveries_status_page \(webhook_id=\? AND status=\?\)/);
    expect(failed).not.toContain('TEMP B-TREE');
    // A completion updates its run of deliveries by rowid; a graceful stop reads only the claim queue.
    const complete = plan(
      `UPDATE deliveries SET status = 'delivered', attempts = json_insert(attempts, '$[#]', json_set('{}', '$.number', attempt_count + 1))
       WHERE seq IN (SELECT value FROM json_each('[1,2]'))`,
    );
    expect(complete).toContain('SEARCH deliveries USING INTEGER PRIMARY KEY (rowid=?)');
    const release = plan(
      `UPDATE deliveries INDEXED BY deliveries_due_webhook SET lease_owner = NULL, next_attempt_at = 1
       WHERE lease_owner = 'w' AND status IN ('pending', 'retrying')`,
    );
    expect(release).toContain('deliveries_due_webhook');
    expect(release).not.toMatch(/SCAN deliveries$/);
    // The search box: each branch is an index search. A person reads a group of runs ranked by their newest
    // row from the ranking index, in each one range of the run's key (the page's bounds included), each
    // row by row id; the rows not yet in a run by row id range.
    const inRuns = plan(
      PERSON_SEARCH_SQL.inRuns(
        "webhook_id = 'x' AND run >= 1 AND min_created <= 5",
        "(p.created_at, p.id) < (1, 'a') AND d.webhook_id = 'x' AND d.status != 'pending'",
      )
        .replace('?', '4')
        .replace('?', '0')
        .replace('?', "'x'")
        .replaceAll('?', '1'),
    );
    expect(inRuns).toMatch(/SEARCH search_runs USING COVERING INDEX search_runs_newest \(webhook_id=\?\)/);
    expect(inRuns).toMatch(
      /SEARCH p USING PRIMARY KEY \(webhook_id=\? AND run=\? AND person_id=\? AND \(created_at,id\)<\(\?,\?\)\).*SEARCH d USING INTEGER PRIMARY KEY \(rowid=\?\)/,
    );
    const runAt = plan(PERSON_SEARCH_SQL.runAt("webhook_id = 'x' AND run >= 1").replace('?', '3'));
    expect(runAt).toContain('SEARCH search_runs USING COVERING INDEX search_runs_newest (webhook_id=?)');
    expect(runAt).not.toContain('TEMP B-TREE');
    const tail = plan(PERSON_SEARCH_SQL.tail("d.webhook_id = 'x'").replaceAll('?', '1'));
    expect(tail).toContain('SEARCH d USING INTEGER PRIMARY KEY (rowid>?)');
    const message = plan(
      `SELECT seq FROM deliveries INDEXED BY deliveries_message WHERE webhook_id = 'x' AND message_id = 'm'
       AND ${MESSAGE_NOT_DERIVED}`,
    );
    expect(message).toContain('SEARCH deliveries USING INDEX deliveries_message (webhook_id=? AND message_id=?)');
    const skipped = plan(
      "SELECT COUNT(*) FROM deliveries INDEXED BY deliveries_skipped WHERE webhook_id = 'x' AND status = 'skipped' AND created_at >= 1",
    );
    expect(skipped).toContain('deliveries_skipped (webhook_id=? AND created_at>?)');
    raw.close();
  });

  it('fills the person buckets and first acceptances of existing deliveries (migration 6): old rows are found by person', async () => {
    const filename = nextFile();
    const raw = new Database(filename);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const migration of MIGRATIONS.filter((m) => m.version <= 5)) {
      raw.exec(migration.sql);
      raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(migration.version);
    }
    const webhook = webhookFixture();
    raw
      .prepare(
        `INSERT INTO webhooks (id, account_id, name, track_event_name, region, send_activity_payload, fields, status,
         health_state, refused_batches, write_key_ciphertext, write_key_hint, write_key_fingerprint, created_at, updated_at)
         VALUES (?, ?, 'W', 'E', 'us', 1, '[]', 'active', 'healthy', 0, 'c', 'hint', 'f', 0, 0)`,
      )
      .run(webhook.id, webhook.accountId);
    const insertDelivery = raw.prepare(
      `INSERT INTO deliveries (id, account_id, webhook_id, source, event_id, person_id, status, message_id, message,
         attempt_count, occurred_at, created_at, updated_at, cycle_started_at, delivered_at)
       VALUES (?, ?, ?, 'activity', ?, ?, ?, ?, '{"properties":{}}', 1, 0, ?, 0, 0, ?)`,
    );
    const people = ['ada', 'grace', 'p_42', 'Zoë', 'x'.repeat(150)];
    people.forEach((person, i) => {
      insertDelivery.run(`d${i}`, webhook.accountId, webhook.id, `e${i}`, person, 'delivered', `m${i}`, i, 100 + i);
    });
    raw.close();

    const store = sqliteStore({ filename });
    await store.migrate();
    for (const [i, person] of people.entries()) {
      const page = await store.listDeliveries(webhook.accountId, webhook.id, { q: person }, null, 10);
      expect(page.map((d) => [d.id, d.firstDeliveredAt, d.configVersion])).toEqual([[`d${i}`, 100 + i, null]]);
      expect(
        (await store.listDeliveries(webhook.accountId, webhook.id, { personId: person }, null, 10)).map((d) => d.id),
      ).toEqual([`d${i}`]);
    }
    expect(await store.getWebhook(webhook.accountId, webhook.id)).toMatchObject({ version: 1, disconnectedAt: null });
    await store.close();
  });

  it('moves the attempts of a version-4 database into their deliveries (migration 5), in order', async () => {
    const filename = nextFile();
    const raw = new Database(filename);
    raw.pragma('journal_mode = WAL');
    raw.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
    for (const migration of MIGRATIONS.filter((m) => m.version <= 4)) {
      raw.exec(migration.sql);
      raw.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)').run(migration.version);
    }
    const webhook = webhookFixture();
    raw
      .prepare(
        `INSERT INTO webhooks (id, account_id, name, track_event_name, region, send_activity_payload, fields, status,
         health_state, refused_batches, write_key_ciphertext, write_key_hint, write_key_fingerprint, created_at, updated_at)
         VALUES (?, ?, 'W', 'E', 'us', 1, '[]', 'active', 'healthy', 0, 'c', 'hint', 'f', 0, 0)`,
      )
      .run(webhook.id, webhook.accountId);
    const insertDelivery = raw.prepare(
      `INSERT INTO deliveries (id, account_id, webhook_id, source, event_id, person_id, status, message_id, message,
         attempt_count, occurred_at, created_at, updated_at, cycle_started_at)
       VALUES (?, ?, ?, 'activity', ?, 'p', ?, ?, '{}', ?, 0, 0, 0, 0)`,
    );
    insertDelivery.run('tried', webhook.accountId, webhook.id, 'e1', 'delivered', 'm1', 2);
    insertDelivery.run('untried', webhook.accountId, webhook.id, 'e2', 'pending', 'm2', 0);
    const insertAttempt = raw.prepare(
      `INSERT INTO attempts (delivery_id, number, at, http_status, latency_ms, outcome, error, response_body)
       VALUES ('tried', ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Inserted out of order: the migration orders them by number.
    insertAttempt.run(2, 2000, 200, 12.5, 'delivered', null, '{"success":true}');
    insertAttempt.run(1, 1000, 503, 30, 'retry', 'HTTP 503', 'busy');
    raw.close();

    const store = sqliteStore({ filename });
    await store.migrate();
    const tried = await store.getDelivery(webhook.accountId, webhook.id, 'tried');
    expect(tried?.attempts).toEqual([
      {
        number: 1,
        at: 1000,
        httpStatus: 503,
        latencyMs: 30,
        outcome: 'retry',
        error: 'HTTP 503',
        responseBody: 'busy',
        configVersion: null,
      },
      {
        number: 2,
        at: 2000,
        httpStatus: 200,
        latencyMs: 12.5,
        outcome: 'delivered',
        error: null,
        responseBody: '{"success":true}',
        configVersion: null,
      },
    ]);
    expect((await store.getDelivery(webhook.accountId, webhook.id, 'untried'))?.attempts).toEqual([]);
    await store.close();
    const after = new Database(filename, { readonly: true });
    expect(
      after.prepare("SELECT name FROM sqlite_master WHERE name IN ('attempts', 'deliveries_lease')").all(),
    ).toEqual([]);
    after.close();
  });

  // What person pages hold is the contract's (run above with runs of 3 rows); here, the runs themselves.
  it("cuts person search runs as rows arrive, drops a deleted webhook's runs, and a prune drops runs left empty", async () => {
    const filename = nextFile();
    const store = sqliteStore({ filename, synchronous: 'NORMAL', searchRunRows: 4 });
    await store.migrate();
    // b is disconnected: what it gets is skipped (finished), so a prune can remove it.
    const a = webhookFixture();
    const b = webhookFixture({ status: 'disconnected' });
    await store.insertWebhook(a);
    await store.insertWebhook(b);
    const T = 1_800_000_000_000;
    const insert = (count: number, from: number) =>
      store.insertDeliveries(
        Array.from({ length: count }, (_, k) =>
          deliveryFixture([a, b][k % 2]!, { eventId: `e${from + k}`, personId: `p${k % 3}`, createdAt: T + from + k }),
        ),
      );
    const raw = new Database(filename, { readonly: true });
    const count = (sql: string, ...params: unknown[]) =>
      raw
        .prepare(sql)
        .pluck()
        .get(...params) as number;
    const runsOf = (webhookId: string) => count('SELECT COUNT(*) FROM search_runs WHERE webhook_id = ?', webhookId);

    for (let i = 0; i < 30; i += 3) await insert(3, i);
    // Cut once 4 rows or more wait when a transaction ends: after 6, 12, … 30 rows (a's 20 in 5 runs).
    expect(count('SELECT indexed_seq FROM search_state')).toBe(30);
    expect(runsOf(a.id)).toBe(5);
    expect(count('SELECT COUNT(*) FROM person_runs WHERE webhook_id = ?', a.id)).toBe(20);
    // a's persons: p0 and p2 (each call's first and third row).
    expect(count('SELECT COUNT(*) FROM search_persons WHERE webhook_id = ?', a.id)).toBe(2);

    expect(await store.deleteWebhook(b.accountId, b.id, ['disconnected'])).toBe(true);
    expect(runsOf(b.id)).toBe(0);
    for (const table of ['person_runs', 'search_persons']) {
      expect(count(`SELECT COUNT(*) FROM ${table} WHERE webhook_id = ?`, b.id)).toBe(0);
    }
    // b's rows held the newest row ids: new rows get ids above the watermark all the same.
    const b2 = webhookFixture({ status: 'disconnected' });
    await store.insertWebhook(b2);
    await insert(1, 100);
    expect(count('SELECT MAX(seq) FROM deliveries')).toBe(31);

    // A prune removes b2's skipped row and a's older rows are kept: only runs left empty go.
    for (let i = 101; i < 110; i += 3)
      await store.insertDeliveries([deliveryFixture(b2, { eventId: `e${i}`, createdAt: T + i })]);
    const before = runsOf(a.id);
    expect(runsOf(b2.id)).toBeGreaterThan(0);
    await store.pruneDeliveries(T + 1_000, 1_000);
    expect(runsOf(b2.id)).toBe(0);
    expect(runsOf(a.id)).toBe(before);
    raw.close();
    await store.close();
  });

  it('pages pending deliveries of a large held backlog newest first, skipping the delivered ones', async () => {
    const store = sqliteStore({ filename: nextFile(), synchronous: 'NORMAL' });
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    // More pending rows than a pending page sorts from the claim queue: it walks the page order instead.
    const total = 20_010;
    const T = 1_800_000_000_000;
    const inputs = Array.from({ length: total }, (_, i) =>
      deliveryFixture(webhook, { id: `dlv_${String(i).padStart(6, '0')}`, eventId: `e${i}`, createdAt: T + i }),
    );
    await store.insertDeliveries(inputs);
    // The 5 oldest are delivered.
    const claimed = await store.claimDeliveries('w', T + total, 60_000, 5);
    await store.completeAttempts(
      'w',
      claimed.map((d) => ({
        deliveryId: d.id,
        attempt: {
          number: 1,
          at: T + total,
          httpStatus: 200,
          latencyMs: 1,
          outcome: 'delivered' as const,
          error: null,
          responseBody: null,
          configVersion: null,
        },
        counted: true,
        status: 'delivered' as const,
        nextAttemptAt: null,
        lastError: null,
      })),
      T + total,
    );
    const first = await store.listDeliveries(webhook.accountId, webhook.id, { status: 'pending' }, null, 3);
    expect(first.map((d) => d.id)).toEqual(['dlv_020009', 'dlv_020008', 'dlv_020007']);
    const tail = await store.listDeliveries(
      webhook.accountId,
      webhook.id,
      { status: 'pending' },
      { createdAt: T + 8, id: 'dlv_000008' },
      50,
    );
    expect(tail.map((d) => [d.id, d.status])).toEqual([
      ['dlv_000007', 'pending'],
      ['dlv_000006', 'pending'],
      ['dlv_000005', 'pending'],
    ]);
    const delivered = await store.listDeliveries(webhook.accountId, webhook.id, { status: 'delivered' }, null, 50);
    expect(delivered.map((d) => d.id)).toEqual(['dlv_000004', 'dlv_000003', 'dlv_000002', 'dlv_000001', 'dlv_000000']);
    await store.close();
  });

  it('serves ingest’s route lookups from a cache that every write, here or in another connection, clears', async () => {
    const filename = nextFile();
    const a = sqliteStore({ filename });
    const b = sqliteStore({ filename });
    await a.migrate();
    await b.migrate();
    const webhook = webhookFixture();
    const other = webhookFixture({ accountId: webhook.accountId });
    await a.insertWebhook(webhook);
    await a.insertWebhook(other);
    const resolve = async (store: typeof a) =>
      (await store.resolveRoutes(webhook.accountId, ['order-placed'])).get('order-placed');

    expect(await resolve(a)).toBeUndefined();
    // Another connection routes the activity: the next lookup sees it.
    await b.setRoute(webhook.accountId, 'order-placed', webhook.id, 10);
    expect((await resolve(a))?.id).toBe(webhook.id);
    // This connection re-routes it.
    await a.setRoute(webhook.accountId, 'order-placed', other.id, 10);
    expect((await resolve(a))?.id).toBe(other.id);
    // Another connection disconnects the webhook: the cached record's status is not served stale.
    await b.updateWebhook(webhook.accountId, other.id, { status: 'disconnected' });
    expect((await resolve(a))?.status).toBe('disconnected');
    await a.updateWebhook(webhook.accountId, other.id, { status: 'active' });
    expect((await resolve(a))?.status).toBe('active');
    // Unrouted in another connection.
    await b.deleteRoute(webhook.accountId, 'order-placed');
    expect(await resolve(a)).toBeUndefined();
    await a.close();
    await b.close();
  });

  it('sees route and webhook changes committed by another process from the next turn of the event loop', async () => {
    const filename = nextFile();
    const store = sqliteStore({ filename });
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    const resolve = async () => (await store.resolveRoutes(webhook.accountId, ['order-placed'])).get('order-placed');
    const nextTurn = () => new Promise((done) => setImmediate(done));
    expect(await resolve()).toBeUndefined();
    // A bare connection stands in for another process: nothing but the database tells this store.
    const other = new Database(filename);
    other
      .prepare('INSERT INTO routes (account_id, activity_id, webhook_id) VALUES (?, ?, ?)')
      .run(webhook.accountId, 'order-placed', webhook.id);
    await nextTurn();
    expect((await resolve())?.id).toBe(webhook.id);
    other.prepare("UPDATE webhooks SET status = 'disconnected' WHERE id = ?").run(webhook.id);
    await nextTurn();
    expect((await resolve())?.status).toBe('disconnected');
    other.prepare('DELETE FROM routes WHERE webhook_id = ?').run(webhook.id);
    await nextTurn();
    expect(await resolve()).toBeUndefined();
    other.close();
    await store.close();
  });
});
