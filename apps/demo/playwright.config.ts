/**
 * End-to-end tests of the demo in Debian's chromium, once per store: the `sqlite` project against a demo
 * with a fresh DATA_DIR, the `postgres` project against a demo with DATABASE_URL set to a database
 * created for this run (and dropped after it) and a SEGMENT_ENCRYPTION_KEY. Both use the local Segment
 * sink. `webServer` starts them one after the other: the first builds and starts the demo exactly as
 * `pnpm start` does, the second serves that build (`pnpm serve`'s command). SIGTERM stops them gracefully.
 *
 *   flock /tmp/browser.lock pnpm exec playwright test -c apps/demo/playwright.config.ts
 *   flock /tmp/browser.lock pnpm exec playwright test -c apps/demo/playwright.config.ts --project sqlite
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// The config is evaluated again in every worker: choose the ports, data directories and key once, in
// the runner, and hand them to the workers through the environment they inherit.
const freePort = () =>
  execFileSync(
    process.execPath,
    [
      '-e',
      "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
    ],
    { encoding: 'utf8' },
  ).trim();
process.env.DEMO_E2E_PORT ??= freePort();
process.env.DEMO_E2E_POSTGRES_PORT ??= freePort();
// DEMO_E2E_BASE_URL runs the tests against a demo that is already running (while developing).
const external = process.env.DEMO_E2E_BASE_URL;
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'segment-webhook-demo-e2e-'));
if (!external) {
  process.env.DEMO_E2E_DATA_DIR ??= tempDir();
  process.env.DEMO_E2E_POSTGRES_DATA_DIR ??= tempDir();
  process.env.DEMO_E2E_ENCRYPTION_KEY ??= randomBytes(32).toString('base64');
}
const port = Number(process.env.DEMO_E2E_PORT);
const postgresPort = Number(process.env.DEMO_E2E_POSTGRES_PORT);
const sqliteURL = `http://localhost:${port}`;
const postgresURL = `http://localhost:${postgresPort}`;

/** Whatever the calling shell has: the local sink, never real Segment. */
const segmentEnv = {
  SEGMENT_RETRY_BASE_MS: '200',
  SEGMENT_LIVE: '',
  SEGMENT_US_ENDPOINT: '',
  SEGMENT_EU_ENDPOINT: '',
};
/** SIGTERM, as a host's process manager stops it: the demo stops gracefully (and the database is dropped). */
const gracefulShutdown = { signal: 'SIGTERM' as const, timeout: 20_000 };

export default defineConfig({
  testDir: 'e2e',
  globalTeardown: './e2e/global-teardown.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  // One demo server per store, shared state per account: tests use their own accounts and run in one worker.
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--disable-background-networking',
      ],
    },
  },
  projects: external
    ? [{ name: 'chromium', use: { browserName: 'chromium', baseURL: external } }]
    : [
        { name: 'sqlite', use: { browserName: 'chromium', baseURL: sqliteURL } },
        { name: 'postgres', use: { browserName: 'chromium', baseURL: postgresURL } },
      ],
  webServer: external
    ? undefined
    : [
        {
          command: 'pnpm start',
          cwd: import.meta.dirname,
          url: `${sqliteURL}/api/demo/info`,
          timeout: 120_000,
          reuseExistingServer: false,
          gracefulShutdown,
          stdout: 'ignore',
          stderr: 'pipe',
          env: {
            ...segmentEnv,
            PORT: String(port),
            DATA_DIR: process.env.DEMO_E2E_DATA_DIR ?? '',
            DATABASE_URL: '',
            SEGMENT_ENCRYPTION_KEY: '',
          },
        },
        {
          // Started after the first one is up, so the build is there.
          command: 'node --import tsx e2e/with-fresh-database.ts node --import tsx server/main.ts',
          cwd: import.meta.dirname,
          url: `${postgresURL}/api/demo/info`,
          timeout: 60_000,
          reuseExistingServer: false,
          gracefulShutdown,
          stdout: 'ignore',
          stderr: 'pipe',
          env: {
            ...segmentEnv,
            PORT: String(postgresPort),
            DATA_DIR: process.env.DEMO_E2E_POSTGRES_DATA_DIR ?? '',
            // The server the fresh database is created on (with-fresh-database.ts replaces it with that one).
            DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
            SEGMENT_ENCRYPTION_KEY: process.env.DEMO_E2E_ENCRYPTION_KEY ?? '',
          },
        },
      ],
});
