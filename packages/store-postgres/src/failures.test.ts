/**
 * PostgreSQL only: which driver errors mean "the database is unavailable for a while" (the store throws
 * them as core's StoreFailure, the service answers 503) and which stay errors of the call.
 */
import { isStoreFailure } from '@segment-webhook/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { isUnavailableError } from './failures';
import { postgresStore } from './store';
import { DATABASE_URL, dropSchemas, uniqueSchema } from './test-database';

const schemas = new Set<string>();
afterAll(() => dropSchemas(schemas));

describe('isUnavailableError', () => {
  it('knows a server that is down, restarting or out of connections', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300']) {
      expect(isUnavailableError(coded(code)), code).toBe(true);
    }
    for (const code of ['08000', '08003', '08006', '08P01']) expect(isUnavailableError(coded(code)), code).toBe(true);
    for (const message of [
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'timeout exceeded when trying to connect',
      'Client has encountered a connection error and is not queryable',
    ]) {
      expect(isUnavailableError(new Error(message)), message).toBe(true);
    }
    const refusedTwice = new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'x');
    expect(isUnavailableError(refusedTwice)).toBe(true);
  });

  it('leaves errors of the call alone', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    // Undefined table, unique violation, invalid text, serialization failure, disk full (another reason).
    for (const code of ['42P01', '23505', '22021', '40001', '53100', 'ENOTFOUND']) {
      expect(isUnavailableError(coded(code)), code).toBe(false);
    }
    expect(isUnavailableError(new Error('Client was closed and is not queryable'))).toBe(false);
    expect(isUnavailableError(new AggregateError([coded('ECONNREFUSED'), coded('42P01')], 'x'))).toBe(false);
    expect(isUnavailableError('ECONNREFUSED')).toBe(false);
    expect(isUnavailableError(null)).toBe(false);
  });
});

describe('postgresStore errors', () => {
  it('throws a StoreFailure when the server cannot be reached', async () => {
    // Nothing listens on port 1.
    const store = postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/test', onError: () => {} });
    const error = await store.migrate().catch((e: unknown) => e);
    expect(isStoreFailure(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'unavailable', cause: { code: 'ECONNREFUSED' } });
    await store.close();
  });

  it('throws a StoreFailure for a call whose connection the server terminates; the next call works', async () => {
    const schema = uniqueSchema('swk_failures');
    schemas.add(schema);
    // The store's connections are found by their application_name.
    const url = new URL(DATABASE_URL);
    url.searchParams.set('application_name', schema);
    const store = postgresStore({ connectionString: url.toString(), schema, onError: () => {} });
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      // Hold the schema's migration lock, so the store's migrate() waits on it; then end that backend as a
      // restart does (pg_terminate_backend sends 57P01 too). Only this test's connection is touched.
      const key = `segment-webhook:migrate:${schema}`;
      await admin.query('BEGIN');
      await admin.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
      const migrating = store.migrate().catch((e: unknown) => e);
      let pid: number | undefined;
      while (pid === undefined) {
        // (Inside a transaction, pg_stat_activity is a snapshot: clear it before each look.)
        await admin.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await admin.query(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [schema],
        );
        pid = rows[0]?.pid;
      }
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const error = await migrating;
      expect(isStoreFailure(error)).toBe(true);
      expect(error).toMatchObject({ reason: 'unavailable', cause: { code: '57P01' } });
      await admin.query('COMMIT');
      // A new connection serves the next call.
      await store.migrate();
      expect(await store.listWebhooks('acct')).toEqual([]);
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('throws the driver’s error for a statement that is wrong', async () => {
    const schema = uniqueSchema('swk_failures');
    schemas.add(schema);
    const store = postgresStore({ connectionString: DATABASE_URL, schema, onError: () => {} });
    // Not migrated: the tables do not exist.
    const error = await store.listWebhooks('acct').catch((e: unknown) => e);
    expect(isStoreFailure(error)).toBe(false);
    expect(error).toMatchObject({ code: '42P01' });
    await store.close();
  });
});
