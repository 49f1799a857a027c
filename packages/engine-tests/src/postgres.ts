/**
 * The shared PostgreSQL of the tests (`DATABASE_URL`, default the local one of these machines) and what
 * keeps parallel test files and reruns apart on it: a schema or a whole database of their own.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test database: `DATABASE_URL`, or the local PostgreSQL of these machines. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A name no other test run uses (test files and reruns run in parallel on one server): letters, digits, `_`. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs `work` with a client connected to `url` (default {@link DATABASE_URL}). */
export async function withClient<T>(work: (client: pg.Client) => Promise<T>, url = DATABASE_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Drops the schemas with everything in them. */
export async function dropSchemas(schemas: Iterable<string>, url = DATABASE_URL): Promise<void> {
  const list = [...schemas];
  if (list.length === 0) return;
  await withClient(async (client) => {
    for (const schema of list) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }, url);
}

/** A database of its own on the server of `url`, for a program that is configured by a URL alone (the demo). */
export interface FreshDatabase {
  /** Its name. */
  name: string;
  /** `url` with this database in place of the original one. */
  url: string;
  /** Drops it, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/** Creates an empty database on the server of `url` (default {@link DATABASE_URL}). */
export async function createFreshDatabase(prefix: string, url = DATABASE_URL): Promise<FreshDatabase> {
  const name = uniqueName(prefix);
  await withClient((client) => client.query(`CREATE DATABASE "${name}"`), url);
  const fresh = new URL(url);
  fresh.pathname = `/${name}`;
  return {
    name,
    url: fresh.toString(),
    drop: () => withClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`), url).then(),
  };
}
