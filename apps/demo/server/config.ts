/**
 * The demo server's configuration, read from the environment (issue 6's table). Pure: takes the
 * environment and returns a validated config, or throws a readable error.
 */
import path from 'node:path';

/** Where the demo sends Segment messages. */
export type SegmentTarget =
  /** Segment's real hosts (`SEGMENT_LIVE=1`). */
  | { mode: 'live' }
  /** Base URLs that replace Segment's hosts (`SEGMENT_US_ENDPOINT` / `SEGMENT_EU_ENDPOINT`). */
  | { mode: 'custom'; us: string | null; eu: string | null }
  /** The local Segment sink from `@segment-webhook/testing`, for both regions (the default). */
  | { mode: 'sink' };

/** The demo's configuration. */
export interface DemoConfig {
  /** HTTP port. `PORT`, default 3000. */
  port: number;
  /** Where the SQLite file and the generated encryption key live. `DATA_DIR`, default `./.data`. */
  dataDir: string;
  /** A `postgres://` URL switches to the PostgreSQL store. `DATABASE_URL`, default unset (SQLite). */
  databaseUrl: string | null;
  segment: SegmentTarget;
  /** First retry delay in ms. `SEGMENT_RETRY_BASE_MS`, default the engine's. */
  retryBaseMs: number | null;
  /** Key for write keys at rest. `SEGMENT_ENCRYPTION_KEY`, default generated once and kept in `DATA_DIR`. */
  encryptionKey: string | null;
  /** `--simulate`: stream simulated activity events into the default account while running. */
  simulate: boolean;
}

function url(name: string, value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(value.trim());
  } catch {
    throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return parsed.toString().replace(/\/$/, '');
}

function integer(name: string, value: string | undefined, min: number, max: number): number | null {
  if (value === undefined || value.trim() === '') return null;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** Reads the configuration from `env` (and the command-line `argv`), resolving paths against `cwd`. */
export function readConfig(
  env: Record<string, string | undefined>,
  { argv = [], cwd = process.cwd() }: { argv?: readonly string[]; cwd?: string } = {},
): DemoConfig {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)');
  }
  const us = url('SEGMENT_US_ENDPOINT', env.SEGMENT_US_ENDPOINT);
  const eu = url('SEGMENT_EU_ENDPOINT', env.SEGMENT_EU_ENDPOINT);
  const segment: SegmentTarget =
    us || eu ? { mode: 'custom', us, eu } : env.SEGMENT_LIVE === '1' ? { mode: 'live' } : { mode: 'sink' };
  return {
    port: integer('PORT', env.PORT, 0, 65535) ?? 3000,
    dataDir: path.resolve(cwd, env.DATA_DIR?.trim() || '.data'),
    databaseUrl,
    segment,
    retryBaseMs: integer('SEGMENT_RETRY_BASE_MS', env.SEGMENT_RETRY_BASE_MS, 1, 3_600_000),
    encryptionKey: env.SEGMENT_ENCRYPTION_KEY?.trim() || null,
    simulate: argv.includes('--simulate') || env.DEMO_SIMULATE === '1',
  };
}
