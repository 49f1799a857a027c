/**
 * The store matrix: every behaviour suite runs once per store kind, each test on fresh data of its own —
 * a new SQLite file (a real file, never `:memory:`) or a new PostgreSQL schema on the shared server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Store } from '@segment-webhook/core';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { DATABASE_URL, dropSchemas, uniqueName } from './postgres';

/** The stores the kit ships. */
export type StoreKind = 'sqlite' | 'postgres';

/** Every store kind, for `describe.each(STORE_KINDS)`. */
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** A fresh store, and a way to open more on the same data. */
export interface OpenedStore {
  /** Migrated and empty. */
  store: Store;
  /**
   * Another store on the same data, with its own connection(s), as another process would have: the SQLite
   * file opened again, or a second pool on the same schema. The caller closes it.
   */
  another(): Promise<Store>;
  /**
   * Resolves once the store hears other stores on the same data: PostgreSQL's LISTEN connection is up (its
   * first connection wakes the store's workers once, as notifications may have been missed before it);
   * SQLite at once (stores on one file in a process hear each other directly).
   */
  listening(): Promise<void>;
  /**
   * The environment that points a worker process (`fixtures/worker-process.ts`) at the same data: `STORE`,
   * and `SQLITE_FILE` or `DATABASE_URL` and `SCHEMA`.
   */
  processEnv: Record<string, string>;
}

/** Opens fresh stores of one kind and removes what they left behind. */
export interface StoreFixture {
  readonly kind: StoreKind;
  /** A new, migrated, empty store (its own file or schema). */
  open(): Promise<OpenedStore>;
  /** Deletes the files or drops the schemas made by {@link StoreFixture.open}. Call it in `afterAll`. */
  cleanup(): Promise<void>;
}

/** Options of {@link storeFixture}. */
export interface StoreFixtureOptions {
  /** SQLite's durability mode (see `SqliteStoreOptions.synchronous`). Default the store's. */
  synchronous?: 'FULL' | 'NORMAL';
  /** PostgreSQL: the database the schemas are made in. Default {@link DATABASE_URL}. */
  databaseUrl?: string;
}

/** Fresh stores of `kind`; `label` names their files and schemas. */
export function storeFixture(kind: StoreKind, label: string, options: StoreFixtureOptions = {}): StoreFixture {
  if (kind === 'sqlite') {
    let dir: string | null = null;
    let files = 0;
    const openFile = (filename: string) =>
      sqliteStore({ filename, ...(options.synchronous ? { synchronous: options.synchronous } : {}) });
    return {
      kind,
      async open() {
        dir ??= mkdtempSync(path.join(tmpdir(), `swk-${label}-`));
        const filename = path.join(dir, `${label}-${++files}.db`);
        const store = openFile(filename);
        await store.migrate();
        return {
          store,
          async another() {
            const other = openFile(filename);
            await other.migrate();
            return other;
          },
          listening: async () => {},
          processEnv: { STORE: 'sqlite', SQLITE_FILE: filename },
        };
      },
      async cleanup() {
        if (dir) rmSync(dir, { recursive: true, force: true });
        dir = null;
      },
    };
  }
  const schemas = new Set<string>();
  const url = options.databaseUrl ?? DATABASE_URL;
  const openSchema = (schema: string) => postgresStore({ connectionString: url, schema, onError: () => {} });
  return {
    kind,
    async open() {
      const schema = uniqueName(`swk_${label}`);
      schemas.add(schema);
      const store = openSchema(schema);
      await store.migrate();
      return {
        store,
        async another() {
          const other = openSchema(schema);
          await other.migrate();
          return other;
        },
        listening: () => store.listening(),
        processEnv: { STORE: 'postgres', DATABASE_URL: url, SCHEMA: schema },
      };
    },
    async cleanup() {
      await dropSchemas(schemas, url);
      schemas.clear();
    },
  };
}

/**
 * `store` with `claimDeliveries` counted. A proxy, not a spread: the PostgreSQL store is a class instance
 * whose methods live on its prototype.
 */
export function countingClaims(store: Store): { store: Store; claims: { count: number } } {
  const claims = { count: 0 };
  const claimDeliveries: Store['claimDeliveries'] = (...args) => {
    claims.count += 1;
    return store.claimDeliveries(...args);
  };
  const proxy = new Proxy(store, {
    get(target, property) {
      if (property === 'claimDeliveries') return claimDeliveries;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: proxy, claims };
}
