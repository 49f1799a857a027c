/**
 * Takes the README's screenshot (apps/demo/docs/screenshot.png): starts the demo in-process on a
 * temporary DATA_DIR, seeds two Segment webhooks and a few minutes of simulated activity through the
 * REST API, and photographs a webhook's logs beside the Segment debugger in Debian's chromium.
 *
 *   pnpm --filter @segment-webhook/demo build
 *   flock /tmp/browser.lock pnpm --filter @segment-webhook/demo exec tsx e2e/readme-screenshot.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startDemo } from '../server/app';
import { readConfig } from '../server/config';
import { generateActivityEvents, postActivityEvents } from '../src/simulator';

const output = path.resolve(import.meta.dirname, '../docs/screenshot.png');
const dataDir = mkdtempSync(path.join(tmpdir(), 'demo-screenshot-'));
const quiet = { info() {}, warn() {}, error: console.error };
const demo = await startDemo(readConfig({ PORT: '0', DATA_DIR: dataDir }), quiet);
const api = `${demo.url}/api/segment-webhooks`;
const headers = { 'content-type': 'application/json', 'x-account-id': 'demo' };

async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

try {
  const orders = await call<{ id: string }>('POST', '/webhooks', {
    name: 'Orders to Segment',
    trackEventName: 'Order placed',
    writeKey: 'wk_live_8c1f2a9d4e7b3a60',
    fields: [
      { key: 'email', from: 'person.email' },
      { key: 'tier', from: 'person.tier' },
      { key: 'source', value: 'relay' },
    ],
  });
  const surveys = await call<{ id: string }>('POST', '/webhooks', {
    name: 'Survey answers',
    trackEventName: 'Survey completed',
    writeKey: 'wk_live_51d0e3b7a2c94f18',
    region: 'eu',
  });
  await call('PUT', '/activities/order-placed/destination', { webhookId: orders.id });
  await call('PUT', '/activities/survey-completed/destination', { webhookId: surveys.id });
  for (let batch = 0; batch < 4; batch++) {
    await postActivityEvents(api, generateActivityEvents({ count: 60 }), { headers });
  }
  await demo.sink!.waitFor(30, { timeoutMs: 10_000 });

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--disable-background-networking',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.addInitScript(() => window.localStorage.setItem('relay.debugger', 'open'));
  await page.goto(`${demo.url}/data-sources/segment-webhook/${orders.id}?tab=logs`);
  await page.getByRole('listbox', { name: 'Deliveries' }).getByRole('option').first().waitFor();
  const received = page.getByRole('list', { name: 'Events received by Segment' });
  await received.getByRole('listitem').filter({ hasText: 'Order placed' }).first().getByRole('button').click();
  // Let the live badges and the detail panel settle before the photograph.
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: output });
  await browser.close();
  console.log(`Saved ${path.relative(process.cwd(), output)}`);
} finally {
  await demo.close();
  rmSync(dataDir, { recursive: true, force: true });
}
