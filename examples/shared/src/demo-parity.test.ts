import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveAccount as demoAccount } from '../../../apps/demo/server/accounts';
import { readConfig } from '../../../apps/demo/server/config';
import { accountOf } from './account';
import { readEnv } from './env';

// The examples read the demo's environment variables with the same meanings and defaults, and resolve the
// account by the same rule: pinned against the demo's own code on generated input.
const value = fc.oneof(
  fc.constantFrom(undefined, '', ' ', '0', '1', '50', 'abc', '-3', '70000', '3.5'),
  fc.constantFrom('http://127.0.0.1:4100', 'https://proxy.example/', 'ftp://x', 'not a url', 'postgres://u@h/db'),
  fc.string({ maxLength: 12 }),
);
const environment = fc.record(
  {
    PORT: value,
    DATA_DIR: fc.oneof(value, fc.constantFrom('data', '/tmp/x', '../up')),
    DATABASE_URL: value,
    SEGMENT_US_ENDPOINT: value,
    SEGMENT_EU_ENDPOINT: value,
    SEGMENT_LIVE: value,
    SEGMENT_RETRY_BASE_MS: value,
    SEGMENT_ENCRYPTION_KEY: value,
  },
  { requiredKeys: [] },
);

function outcome<T>(read: () => T): T | { error: string } {
  try {
    return read();
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('the examples and the demo', () => {
  it('read the same environment variables to the same configuration, or the same error', () => {
    fc.assert(
      fc.property(environment, (env) => {
        const demo = outcome(() => {
          const { simulate: _simulate, ...config } = readConfig(env, { cwd: '/srv/app' });
          return config;
        });
        expect(outcome(() => readEnv(env, '/srv/app'))).toEqual(demo);
      }),
      { numRuns: 500 },
    );
  });

  it('resolve the account from the x-account-id header, else the account cookie, else demo', () => {
    const id = fc.oneof(
      fc.constantFrom('demo', 'globex', 'a-b_c', '', 'has space', '%41', 'x'.repeat(65)),
      fc.string(),
    );
    const cookie = fc.oneof(
      fc.constant(undefined),
      id.map((account) => `account=${account}`),
      fc.tuple(id, id).map(([a, b]) => `theme=dark; account=${a}; account=${b}`),
      fc.constantFrom('account=%E0%A4%A', 'myaccount=globex', 'account', 'account=globex;'),
    );
    fc.assert(
      fc.property(fc.option(id, { nil: undefined }), cookie, (header, cookieHeader) => {
        const headers: Record<string, string | undefined> = { 'x-account-id': header, cookie: cookieHeader };
        expect(accountOf(header, cookieHeader)).toBe(demoAccount({ headers }));
      }),
      { numRuns: 1000 },
    );
  });
});
