/**
 * Seeds a webhook's delivery rows straight into a SQLite store's file (1,000,000 rows take seconds this way,
 * minutes through the API), shaped as the kit writes them: messageIds derived from the event ids, one message
 * per row, and the person search's runs of SEARCH_RUN_ROWS rows as ingest would have cut them. Row i was created i seconds after the first; every tenth failed, the
 * others were delivered; person `p_<i mod 5000>`.
 */
import Database from 'better-sqlite3';
import { createPersonSearch, SEARCH_RUN_ROWS } from '../packages/store-sqlite/src/person-search';

export interface SeedOptions {
  filename: string;
  accountId: string;
  webhookId: string;
  activityId: string;
  rows: number;
  /** The time of the newest row, in ms. */
  now: number;
}

export function seedDeliveries({ filename, accountId, webhookId, activityId, rows, now }: SeedOptions): void {
  const db = new Database(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const message = (eventId: string) =>
    `'{"type":"track","event":"Activity","userId":"p","messageId":"${webhookId}:' || ${eventId} || '","timestamp":"${new Date(now).toISOString()}","properties":{"activity":"${activityId}","amount":42.5,"email":"ada@example.com"},"context":{"library":{"name":"segment-webhook-kit","version":"0.1.0"}}}'`;
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @rows)
     INSERT INTO deliveries (id, account_id, webhook_id, source, event_id, person_id, activity_id, status,
       message_id, message, attempt_count, counted_attempts, occurred_at, created_at, updated_at, cycle_started_at,
       next_attempt_at, delivered_at, first_delivered_at, last_error, last_http_status, config_version)
     SELECT @webhook || printf('_dlv_%08d', i), @account, @webhook, 'activity', printf('evt_%08d', i), printf('p_%d', i % 5000), @activity, CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'delivered' END,
       @webhook || ':' || printf('evt_%08d', i), ${message("printf('evt_%08d', i)")}, 1, 1,
       @now - (@rows - i) * 1000, @now - (@rows - i) * 1000, @now - (@rows - i) * 1000, @now - (@rows - i) * 1000,
       NULL, CASE WHEN i % 10 = 0 THEN NULL ELSE @now - (@rows - i) * 1000 + 150 END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE @now - (@rows - i) * 1000 + 150 END,
       CASE WHEN i % 10 = 0 THEN 'Segment answered 400' ELSE NULL END,
       CASE WHEN i % 10 = 0 THEN 400 ELSE 200 END, 1
     FROM n`,
  ).run({ rows, account: accountId, webhook: webhookId, activity: activityId, now });
  db.prepare(
    `INSERT INTO delivery_counts (webhook_id, status, n) SELECT webhook_id, status, COUNT(*) FROM deliveries
     WHERE webhook_id = ? GROUP BY status ON CONFLICT (webhook_id, status) DO UPDATE SET n = excluded.n`,
  ).run(webhookId);
  // The person search's runs, cut by the store's own code every SEARCH_RUN_ROWS rows as ingest would (the
  // last run may be shorter: nothing is left waiting).
  const last = db.prepare('SELECT MAX(seq) FROM deliveries').pluck().get() as number;
  const runs = createPersonSearch((sql) => db.prepare(sql), 1);
  const cut = db.transaction(() => {
    for (let { watermark } = runs.beginInsert(); watermark < last; watermark += SEARCH_RUN_ROWS) {
      runs.afterInsert(Math.min(watermark + SEARCH_RUN_ROWS, last), watermark);
    }
  });
  cut();
  db.exec('ANALYZE');
  db.close();
}
