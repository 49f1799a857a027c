import { chromium } from 'playwright-core';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
const root = '/tmp/sb-check';
const server = http.createServer((req, res) => {
  let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (p === '/') p = '/index.html';
  const f = path.join(root, p);
  if (!fs.existsSync(f)) { res.statusCode = 404; return res.end(); }
  const ext = path.extname(f);
  res.setHeader('content-type', { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' }[ext] ?? 'application/octet-stream');
  fs.createReadStream(f).pipe(res);
}).listen(6111);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
for (const [id, globals] of process.argv.slice(2).map((a) => a.split('|'))) {
  await page.goto(`http://localhost:6111/iframe.html?id=${id}&viewMode=story${globals ? `&globals=${globals}` : ''}`);
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `/tmp/shot-${id}.png`, fullPage: true });
}
await browser.close(); server.close();
