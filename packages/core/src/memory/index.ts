/**
 * `@segment-webhook/core/memory`: an in-memory `Store` with the semantics of the SQLite and PostgreSQL
 * stores (same conformance suite), for tests, stories and in-browser demos. Browser-safe.
 */
export { memoryStore } from './memory-store';
