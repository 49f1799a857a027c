/**
 * `@segment-webhook/store-sqlite`: the embedded default `Store` of the Segment webhook kit — one SQLite
 * file (better-sqlite3, WAL), zero set-up.
 */
export { type SqliteStoreOptions, sqliteStore } from './sqlite-store';
