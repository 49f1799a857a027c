/**
 * The demo's environment variables, with the same meanings and defaults (see the root README):
 * PORT (3000), DATA_DIR (./.data), DATABASE_URL (unset: SQLite), SEGMENT_US_ENDPOINT / SEGMENT_EU_ENDPOINT
 * (unset), SEGMENT_LIVE (1: Segment's real hosts), SEGMENT_RETRY_BASE_MS (the engine's default),
 * SEGMENT_ENCRYPTION_KEY (generated once and kept in DATA_DIR).
 */
import path from 'node:path';

export interface ExampleEnv {
  port: number;
  dataDir: string;
  databaseUrl: string | null;
  /** `sink`: no endpoint and not live, so the local Segment sink stands in for Segment. */
  segment: { mode: 'sink' } | { mode: 'live' } | { mode: 'custom'; us: string | null; eu: string | null };
  retryBaseMs: number | null;
  encryptionKey: string | null;
}

function url(name: string, value: string | undefined): string | null {
  if (value === undefined || value.trim() === '') return null;
  const parsed = URL.canParse(value.trim()) ? new URL(value.trim()) : null;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
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

export function readEnv(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): ExampleEnv {
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must be a postgres:// URL (leave it unset for SQLite)');
  }
  const us = url('SEGMENT_US_ENDPOINT', env.SEGMENT_US_ENDPOINT);
  const eu = url('SEGMENT_EU_ENDPOINT', env.SEGMENT_EU_ENDPOINT);
  return {
    port: integer('PORT', env.PORT, 0, 65535) ?? 3000,
    dataDir: path.resolve(cwd, env.DATA_DIR?.trim() || '.data'),
    databaseUrl,
    segment: us || eu ? { mode: 'custom', us, eu } : env.SEGMENT_LIVE === '1' ? { mode: 'live' } : { mode: 'sink' },
    retryBaseMs: integer('SEGMENT_RETRY_BASE_MS', env.SEGMENT_RETRY_BASE_MS, 1, 3_600_000),
    encryptionKey: env.SEGMENT_ENCRYPTION_KEY?.trim() || null,
  };
}
