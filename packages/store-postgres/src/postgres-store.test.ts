import type { NewDelivery } from '@segment-webhook/core';
import {
  deliveryFixture,
  describeFairShare,
  describeStoreContract,
  webhookFixture,
} from '@segment-webhook/core/testing';
import { startSegmentSink } from '@segment-webhook/testing';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations';
import { type PostgresStore, postgresStore } from './store';
import { DATABASE_URL, dropSchemas, uniqueSchema } from './test-database';

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

function freshSchema(): string {
  const schema = uniqueSchema('swk_test');
  schemas.add(schema);
  return schema;
}

describeStoreContract('postgresStore', () => postgresStore({ connectionString: DATABASE_URL, schema: freshSchema() }));
describeFairShare(
  'postgresStore: fair share across write keys',
  () => postgresStore({ connectionString: DATABASE_URL, schema: freshSchema() }),
  { startSink: () => startSegmentSink() },
);

describe('postgresStore with a pool of the host', () => {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  afterAll(() => pool.end());
  describeStoreContract('postgresStore (pool)', () => postgresStore({ pool, schema: freshSchema() }));
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('Condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('postgresStore specifics', () => {
  const open: PostgresStore[] = [];
  function make(schema: string): PostgresStore {
    const store = postgresStore({ connectionString: DATABASE_URL, schema, onError: () => {} });
    open.push(store);
    return store;
  }
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  it('applies each migration once when several processes start together, and again changes nothing', async () => {
    const schema = freshSchema();
    const stores = Array.from({ length: 4 }, () => make(schema));
    await Promise.all(stores.map((store) => store.migrate()));
    await stores[0]!.migrate();
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT version, name FROM "${schema}".schema_migrations`);
      expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    } finally {
      await client.end();
    }
  });

  it('keeps data across reopening', async () => {
    const schema = freshSchema();
    const first = make(schema);
    await first.migrate();
    const webhook = webhookFixture();
    await first.insertWebhook(webhook);
    await first.close();
    const second = make(schema);
    await second.migrate();
    expect(await second.getWebhook(webhook.accountId, webhook.id)).toEqual(webhook);
  });

  it('rejects schema names that are not plain identifiers, and a missing connection', () => {
    expect(() => postgresStore({ connectionString: DATABASE_URL, schema: 'x"; DROP TABLE y; --' })).toThrow(
      /invalid schema name/,
    );
    expect(() => postgresStore({ schema: 'ok' })).toThrow(/connectionString or a pool/);
  });

  it('orders ids byte-wise like SQLite and JavaScript, whatever the database collation', async () => {
    const store = make(freshSchema());
    await store.migrate();
    await store.insertWebhook(webhookFixture({ id: 'wh_b' }));
    await store.insertWebhook(webhookFixture({ id: 'wh_B' }));
    await store.insertWebhook(webhookFixture({ id: 'wh_a' }));
    expect((await store.listWebhooks('acct_a')).map((w) => w.id)).toEqual(['wh_B', 'wh_a', 'wh_b']);
  });

  it('wakes and notifies the other processes sharing the database', async () => {
    const schema = freshSchema();
    const writer = make(schema);
    const reader = make(schema);
    await writer.migrate();
    await reader.migrate();
    let woken = 0;
    const notices: { webhookId: string; deliveryIds: string[] }[] = [];
    reader.onWork(() => {
      woken += 1;
    });
    reader.onChanges((notice) => notices.push(notice));
    await reader.listening();
    woken = 0;

    const webhook = webhookFixture();
    await writer.insertWebhook(webhook);
    const deliveries = Array.from({ length: 400 }, (_, i) =>
      deliveryFixture(webhook, { id: `dlv_${'x'.repeat(40)}_${i}` }),
    );
    await writer.insertDeliveries(deliveries);
    await waitUntil(() => woken >= 1);
    // 400 long ids do not fit one NOTIFY payload (8,000 bytes): they arrive in several notices.
    await waitUntil(() => notices.flatMap((n) => n.deliveryIds).length >= 400);
    expect(notices.length).toBeGreaterThan(1);
    expect(notices.every((n) => n.webhookId === webhook.id)).toBe(true);
    expect(new Set(notices.flatMap((n) => n.deliveryIds))).toEqual(new Set(deliveries.map((d) => d.id)));

    const before = woken;
    await writer.signalWork();
    await waitUntil(() => woken > before);
  });

  it('sends change notices of many commits in one NOTIFY statement, and a wake-up at once with them', async () => {
    const schema = freshSchema();
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    const notifyStatements: number[] = [];
    const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
    (pool as { query: unknown }).query = (...args: unknown[]) => {
      const config = args[0] as string | { text?: string };
      const text = typeof config === 'string' ? config : (config.text ?? '');
      if (text.includes('pg_notify')) notifyStatements.push(Date.now());
      return query(...args);
    };
    // Notices wait far longer than the test takes for company: no timer decides what shares a statement.
    const writer = postgresStore({ pool, schema, onError: () => {}, changeNoticeDelayMs: 600_000 });
    const reader = make(schema);
    try {
      await writer.migrate();
      const notices: string[] = [];
      reader.onChanges((notice) => notices.push(...notice.deliveryIds));
      let woken = 0;
      reader.onWork(() => {
        woken += 1;
      });
      await reader.listening();
      const webhook = webhookFixture();
      await writer.insertWebhook(webhook);
      // Twenty commits in a row, leased at insert (no wake-ups): their notices wait together.
      const lease = { owner: 'w1', now: T0, until: T0 + 60_000, max: 1 };
      for (let i = 0; i < 20; i += 1) {
        await writer.insertDeliveries([deliveryFixture(webhook, { id: `dlv_${i}`, eventId: `evt_${i}` })], { lease });
      }
      expect(notifyStatements).toHaveLength(0);
      // A due delivery wakes the other processes without waiting, and the notices go with it: one statement.
      await writer.insertDeliveries([deliveryFixture(webhook, { id: 'dlv_due', eventId: 'evt_due' })]);
      expect(notifyStatements).toHaveLength(1);
      await waitUntil(() => notices.length >= 21 && woken >= 1);
      expect(new Set(notices).size).toBe(21);
      expect(notifyStatements).toHaveLength(1);
    } finally {
      await writer.close();
      await pool.end();
    }
  });

  it('sends a change notice by itself after the delay when nothing else comes', async () => {
    const schema = freshSchema();
    const writer = make(schema);
    const reader = make(schema);
    await writer.migrate();
    const notices: string[] = [];
    reader.onChanges((notice) => notices.push(...notice.deliveryIds));
    await reader.listening();
    const webhook = webhookFixture();
    await writer.insertWebhook(webhook);
    const lease = { owner: 'w1', now: T0, until: T0 + 60_000, max: 1 };
    await writer.insertDeliveries([deliveryFixture(webhook, { id: 'dlv_alone', eventId: 'evt_alone' })], { lease });
    await waitUntil(() => notices.length >= 1);
    expect(notices).toEqual(['dlv_alone']);
  });

  it('reconnects its LISTEN connection after it is killed, and wakes the workers when it is back', async () => {
    const schema = freshSchema();
    const writer = make(schema);
    const reader = make(schema);
    await writer.migrate();
    await reader.migrate();
    let woken = 0;
    reader.onWork(() => {
      woken += 1;
    });
    await reader.listening();
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      const channel = `swk_${schema}`;
      const listeners = async () =>
        (
          await admin.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND datname = current_database()`,
            [`LISTEN "${channel}"`],
          )
        ).rows[0].n as number;
      expect(await listeners()).toBe(1);
      woken = 0;
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1 AND datname = current_database()`,
        [`LISTEN "${channel}"`],
      );
      // Back on its own: the reconnection itself wakes the workers (notifications may have been missed).
      await waitUntil(async () => woken >= 1 && (await listeners()) === 1);
      const before = woken;
      await writer.signalWork();
      await waitUntil(() => woken > before);
    } finally {
      await admin.end();
    }
  });

  it('shares claims between stores without overlap', async () => {
    const schema = freshSchema();
    const stores = [make(schema), make(schema), make(schema)];
    await stores[0]!.migrate();
    const webhook = webhookFixture();
    await stores[0]!.insertWebhook(webhook);
    const deliveries: NewDelivery[] = Array.from({ length: 300 }, (_, i) =>
      deliveryFixture(webhook, { createdAt: T0 + i }),
    );
    await stores[0]!.insertDeliveries(deliveries);
    const claimed: string[] = [];
    await Promise.all(
      stores.map(async (store, index) => {
        for (;;) {
          const batch = await store.claimDeliveries(`w${index}`, T0 + 1000, 60_000, 7);
          if (batch.length === 0) return;
          claimed.push(...batch.map((d) => d.id));
        }
      }),
    );
    expect(claimed).toHaveLength(300);
    expect(new Set(claimed).size).toBe(300);
  });

  it('de-duplicates concurrent inserts of the same events from several processes', async () => {
    const schema = freshSchema();
    const stores = [make(schema), make(schema), make(schema)];
    await stores[0]!.migrate();
    const webhook = webhookFixture();
    await stores[0]!.insertWebhook(webhook);
    const results = await Promise.all(
      stores.map((store, s) =>
        store.insertDeliveries(
          Array.from({ length: 50 }, (_, i) => deliveryFixture(webhook, { id: `dlv_${s}_${i}`, eventId: `e${i}` })),
        ),
      ),
    );
    for (let i = 0; i < 50; i++) {
      const holders = results.map((result) => result[i]!);
      expect(new Set(holders.map((h) => h.id)).size).toBe(1);
      expect(holders.filter((h) => h.created)).toHaveLength(1);
    }
    const page = await stores[1]!.listDeliveries(webhook.accountId, webhook.id, {}, null, 200);
    expect(page).toHaveLength(50);
  });

  it('commits concurrent insert calls together, each resolving with its own results', async () => {
    const store = make(freshSchema());
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    // 40 calls at once, each with 3 deliveries; event e<k> appears in several calls.
    const calls = Array.from({ length: 40 }, (_, c) =>
      [0, 1, 2].map((j) => deliveryFixture(webhook, { id: `dlv_${c}_${j}`, eventId: `e${(c * 3 + j) % 50}` })),
    );
    const results = await Promise.all(calls.map((deliveries) => store.insertDeliveries(deliveries)));
    const holderOf = new Map<string, string>();
    let created = 0;
    results.forEach((result, c) => {
      expect(result).toHaveLength(3);
      result.forEach((holder, j) => {
        const eventId = calls[c]![j]!.eventId;
        expect(holder.id).toBe(holderOf.get(eventId) ?? holder.id);
        holderOf.set(eventId, holder.id);
        if (holder.created) {
          created += 1;
          expect(holder.id).toBe(calls[c]![j]!.id);
        }
      });
    });
    expect(created).toBe(50);
    expect(await store.listDeliveries(webhook.accountId, webhook.id, {}, null, 200)).toHaveLength(50);
  });

  it('fails only the bad call of a group commit', async () => {
    const store = make(freshSchema());
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    const missingWebhook = webhookFixture();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, (_, c) =>
        store.insertDeliveries([deliveryFixture(c === 4 ? missingWebhook : webhook, { eventId: `e${c}` })]),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual(
      Array.from({ length: 10 }, (_, c) => (c === 4 ? 'rejected' : 'fulfilled')),
    );
    expect(await store.listDeliveries(webhook.accountId, webhook.id, {}, null, 200)).toHaveLength(9);
  });

  it('commits a small call beside a large import instead of behind it (PostgreSQL group commit)', async () => {
    const store = make(freshSchema());
    await store.migrate();
    const importing = webhookFixture({ writeKeyFingerprint: 'fp_import' });
    const live = webhookFixture({ writeKeyFingerprint: 'fp_live' });
    await store.insertWebhook(importing);
    await store.insertWebhook(live);
    const done: string[] = [];
    const backlog = Array.from({ length: 5000 }, () => deliveryFixture(importing));
    const large = store.insertDeliveries(backlog).then(() => done.push('large'));
    // Queued while the large statement runs: one customer's import does not hold up another's event.
    const small = store.insertDeliveries([deliveryFixture(live)]).then(() => done.push('small'));
    await Promise.all([large, small]);
    expect(done).toEqual(['small', 'large']);
    // Calls below the threshold still share one statement at a time (as the delivery benchmark tuned it).
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, (_, c) =>
        store.insertDeliveries([deliveryFixture(live)]).then(() => {
          order.push(c);
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('relaxes the commit of claims and attempts for their own transaction only', async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
    const store = postgresStore({ pool, schema: freshSchema() });
    try {
      await store.migrate();
      const webhook = webhookFixture();
      await store.insertWebhook(webhook);
      const [delivery] = [deliveryFixture(webhook)];
      await store.insertDeliveries([delivery!]);
      expect(await store.claimDeliveries('w1', T0, 30_000, 10)).toHaveLength(1);
      const { rows } = await pool.query('SHOW synchronous_commit');
      expect(rows[0].synchronous_commit).toBe('on');
      const attempt = {
        number: 1,
        at: T0 + 1,
        httpStatus: 200,
        latencyMs: 3,
        outcome: 'delivered' as const,
        error: null,
        responseBody: null,
        configVersion: null,
      };
      expect(
        await store.completeAttempts(
          'w1',
          [
            {
              deliveryId: delivery!.id,
              attempt,
              counted: true,
              status: 'delivered',
              nextAttemptAt: null,
              lastError: null,
            },
          ],
          T0 + 2,
        ),
      ).toEqual([delivery!.id]);
      const after = await pool.query('SHOW synchronous_commit');
      expect(after.rows[0].synchronous_commit).toBe('on');
    } finally {
      await store.close();
      await pool.end();
    }
  });

  it('answers concurrent route lookups of several accounts together, each with its own account only', async () => {
    const store = make(freshSchema());
    await store.migrate();
    const a = webhookFixture({ accountId: 'acct_a' });
    const b = webhookFixture({ accountId: 'acct_b' });
    await store.insertWebhook(a);
    await store.insertWebhook(b);
    await store.setRoute('acct_a', 'order-placed', a.id, 10);
    await store.setRoute('acct_b', 'order-placed', b.id, 10);
    await store.setRoute('acct_b', 'checkout', b.id, 10);
    const accounts = ['acct_a', 'acct_b', 'acct_c'];
    const lookups = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store.resolveRoutes(accounts[i % 3]!, ['order-placed', 'checkout', 'order-placed']),
      ),
    );
    lookups.forEach((routes, i) => {
      const account = accounts[i % 3];
      if (account === 'acct_a') expect([...routes].map(([k, w]) => [k, w.id])).toEqual([['order-placed', a.id]]);
      if (account === 'acct_b') {
        expect(new Map([...routes].map(([k, w]) => [k, w.id]))).toEqual(
          new Map([
            ['order-placed', b.id],
            ['checkout', b.id],
          ]),
        );
      }
      if (account === 'acct_c') expect(routes.size).toBe(0);
    });
    // Fresh records per call, down to the fields.
    const [first, second] = [lookups[0]!.get('order-placed')!, lookups[3]!.get('order-placed')!];
    expect(first).not.toBe(second);
    first.fields.push({ key: 'mutated', value: 1 });
    expect(second.fields).toEqual(a.fields);
  });

  it('finishes the calls already made when it closes', async () => {
    const schema = freshSchema();
    const store = make(schema);
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    const pending = Array.from({ length: 8 }, (_, i) =>
      store.insertDeliveries([deliveryFixture(webhook, { id: `late_${i}`, eventId: `late_${i}` })]),
    );
    await store.close();
    expect((await Promise.all(pending)).map(([result]) => result!.created)).toEqual(Array(8).fill(true));
    const reopened = make(schema);
    expect(await reopened.getDeliveries(Array.from({ length: 8 }, (_, i) => `late_${i}`))).toHaveLength(8);
  });
});
