/**
 * `@segment-webhook/store-postgres`: the PostgreSQL `Store` for many processes on many machines sharing
 * one database (claims with `FOR UPDATE SKIP LOCKED`, wake-ups with `LISTEN/NOTIFY`, versioned migrations
 * under an advisory lock).
 */
export { type PostgresStore, type PostgresStoreOptions, postgresStore } from './store';
