/**
 * End-to-end tests of the demo in Debian's chromium. `webServer` builds and starts the demo on a
 * free port with a fresh DATA_DIR (SQLite) and the local Segment sink, exactly as `pnpm start` does.
 *
 *   flock /tmp/browser.lock pnpm exec playwright test -c apps/demo/playwright.config.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// The config is evaluated again in every worker: choose the port and the data directory once, in
// the runner, and hand them to the workers through the environment they inherit.
process.env.DEMO_E2E_PORT ??= execFileSync(
  process.execPath,
  ['-e', "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"],
  { encoding: 'utf8' },
).trim();
// DEMO_E2E_BASE_URL runs the tests against a demo that is already running (while developing).
const external = process.env.DEMO_E2E_BASE_URL;
if (!external) process.env.DEMO_E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'segment-webhook-demo-e2e-'));
const port = Number(process.env.DEMO_E2E_PORT);
const baseURL = external ?? `http://localhost:${port}`;

export default defineConfig({
  testDir: 'e2e',
  globalTeardown: './e2e/global-teardown.ts',
  outputDir: 'test-results',
  fullyParallel: false,
  // One demo server, shared state per account: tests use their own accounts and run in one worker.
  workers: 1,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: 'list',
  use: {
    baseURL,
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
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: external
    ? undefined
    : {
        command: 'pnpm start',
        cwd: import.meta.dirname,
        url: `${baseURL}/api/demo/info`,
        timeout: 120_000,
        reuseExistingServer: false,
        stdout: 'ignore',
        stderr: 'pipe',
        env: {
          PORT: String(port),
          DATA_DIR: process.env.DEMO_E2E_DATA_DIR ?? '',
          SEGMENT_RETRY_BASE_MS: '200',
          // Whatever the calling shell has: SQLite in the temp dir and the local sink, never real Segment.
          DATABASE_URL: '',
          SEGMENT_LIVE: '',
          SEGMENT_US_ENDPOINT: '',
          SEGMENT_EU_ENDPOINT: '',
          SEGMENT_ENCRYPTION_KEY: '',
        },
      },
});
