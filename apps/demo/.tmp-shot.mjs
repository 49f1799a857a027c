import { chromium } from 'playwright-core';

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--disable-background-networking',
  ],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on('console', (m) => {
  if (m.type() === 'error') console.log('console:', m.text());
});
page.on('pageerror', (e) => console.log('pageerror:', e.message));
const base = process.argv[2];
for (const [name, path] of [
  ['list', '/data-sources'],
  ['catalog', '/data-sources/new'],
  ['setup', '/data-sources/new/segment-webhook'],
  ['activities', '/activities'],
  ['journeys', '/journeys'],
]) {
  await page.goto(base + path);
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `/tmp/shot-${name}.png` });
}
await browser.close();
