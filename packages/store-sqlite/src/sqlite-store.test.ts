import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeStoreContract, webhookFixture } from '@segment-webhook/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteStore } from './sqlite-store';

const dir = mkdtempSync(path.join(tmpdir(), 'store-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const nextFile = () => path.join(dir, `store-${++counter}.db`);

describeStoreContract('sqliteStore (file)', () => sqliteStore({ filename: nextFile() }));
describeStoreContract('sqliteStore (:memory:)', () => sqliteStore({ filename: ':memory:', synchronous: 'NORMAL' }));

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
    const claim = plan(
      `SELECT d.seq FROM webhooks w LEFT JOIN key_pauses p ON p.fingerprint = w.write_key_fingerprint
       CROSS JOIN deliveries d INDEXED BY deliveries_due_webhook
       WHERE d.webhook_id = w.id AND d.status IN ('pending', 'retrying') AND d.next_attempt_at <= 1
         AND w.status = 'active' AND w.health_state = 'healthy' AND (p.paused_until IS NULL OR p.paused_until <= 1)
       ORDER BY d.next_attempt_at, d.seq LIMIT 10`,
    );
    // Held webhooks' deliveries are never scanned: the deliveries side is an index search per webhook.
    expect(claim).toMatch(/^SCAN w/);
    expect(claim).toContain('SEARCH d USING INDEX deliveries_due_webhook (webhook_id=? AND next_attempt_at<?)');
    const page = plan(
      `SELECT d.id FROM deliveries d INDEXED BY deliveries_page WHERE d.webhook_id = 'x' AND (d.created_at, d.id) < (1, 'a')
       ORDER BY d.created_at DESC, d.id DESC LIMIT 51`,
    );
    expect(page).toMatch(
      /SEARCH d USING (COVERING )?INDEX deliveries_page \(webhook_id=\? AND \(created_at,id\)<\(\?,\?\)\)/,
    );
    expect(page).not.toContain('TEMP B-TREE');
    raw.close();
  });
});
