import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfig } from './config';

describe('readConfig', () => {
  it('uses the documented defaults on an empty environment', () => {
    expect(readConfig({}, { cwd: '/srv/demo' })).toEqual({
      port: 3000,
      dataDir: path.resolve('/srv/demo', '.data'),
      databaseUrl: null,
      segment: { mode: 'sink' },
      retryBaseMs: null,
      encryptionKey: null,
      simulate: false,
    });
  });

  it('reads every variable', () => {
    const config = readConfig(
      {
        PORT: '4123',
        DATA_DIR: 'tmp/data',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
        SEGMENT_US_ENDPOINT: 'http://127.0.0.1:9000/',
        SEGMENT_RETRY_BASE_MS: '50',
        SEGMENT_ENCRYPTION_KEY: 'k'.repeat(44),
      },
      { cwd: '/srv/demo', argv: ['--simulate'] },
    );
    expect(config).toEqual({
      port: 4123,
      dataDir: path.resolve('/srv/demo', 'tmp/data'),
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      segment: { mode: 'custom', us: 'http://127.0.0.1:9000', eu: null },
      retryBaseMs: 50,
      encryptionKey: 'k'.repeat(44),
      simulate: true,
    });
  });

  it('sends to Segment itself only with SEGMENT_LIVE=1 and no endpoint', () => {
    expect(readConfig({ SEGMENT_LIVE: '1' }).segment).toEqual({ mode: 'live' });
    expect(readConfig({ SEGMENT_LIVE: 'true' }).segment).toEqual({ mode: 'sink' });
    expect(readConfig({ SEGMENT_LIVE: '1', SEGMENT_EU_ENDPOINT: 'https://eu.example.com' }).segment).toEqual({
      mode: 'custom',
      us: null,
      eu: 'https://eu.example.com',
    });
  });

  it('rejects invalid values with the variable name', () => {
    expect(() => readConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => readConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => readConfig({ SEGMENT_RETRY_BASE_MS: '0' })).toThrow(/SEGMENT_RETRY_BASE_MS/);
    expect(() => readConfig({ SEGMENT_US_ENDPOINT: 'ftp://segment' })).toThrow(/SEGMENT_US_ENDPOINT/);
    expect(() => readConfig({ DATABASE_URL: 'mysql://localhost/db' })).toThrow(/DATABASE_URL/);
  });
});
