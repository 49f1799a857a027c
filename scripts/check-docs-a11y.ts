// The accessibility check of Storybook's docs pages (Introduction, Foundations and every component's
// autodocs page), as the stories get theirs: axe on each page of a built Storybook, in Debian's Chromium,
// with the rules Storybook's a11y addon uses (all of axe's, `region` off). The stories inside a page are
// frames, checked by their own tests; the page around them (text, tables, props, headings) is checked here.
//
//   node --import tsx scripts/check-docs-a11y.ts [storybook-static]
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../vitest.config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.resolve(root, process.argv[2] ?? 'storybook-static');
if (!existsSync(path.join(dir, 'index.json'))) {
  console.error(`No built Storybook in ${dir} (run \`pnpm exec storybook build --output-dir ${dir}\`).`);
  process.exit(1);
}
// axe-core as the a11y addon ships it.
const fromAddon = createRequire(createRequire(import.meta.url).resolve('@storybook/addon-a11y/package.json'));
const axeSource = readFileSync(fromAddon.resolve('axe-core/axe.min.js'), 'utf8');

const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8')) as {
  entries: Record<string, { id: string; type: 'docs' | 'story'; title: string; name: string }>;
};
const docs = Object.values(index.entries).filter((entry) => entry.type === 'docs');

const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};
const server = createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const file = path.join(dir, decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
  if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(response);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

const browser = await chromium.launch({ ...chromiumLaunchOptions, headless: true });
let failed = 0;
try {
  const page = await browser.newPage();
  for (const entry of docs) {
    await page.goto(`http://127.0.0.1:${port}/iframe.html?viewMode=docs&id=${entry.id}`);
    // The page is rendered once its title is in (every docs page starts with one).
    await page.locator('#storybook-docs h1').first().waitFor({ timeout: 30_000 });
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<unknown> } }).axe;
      const result = (await axe.run(
        { include: [['#storybook-docs']], exclude: [['iframe']] },
        { rules: { region: { enabled: false } } },
      )) as { violations: Violation[] };
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes }));
    });
    if (violations.length === 0) {
      console.log(`✔ ${entry.title}`);
      continue;
    }
    failed += 1;
    console.log(`✘ ${entry.title}: ${violations.length} violation${violations.length === 1 ? '' : 's'}`);
    for (const violation of violations) {
      console.log(`  - ${violation.id} (${violation.impact}): ${violation.help}`);
      for (const node of violation.nodes.slice(0, 5)) console.log(`      ${node.target.join(' ')}`);
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`${docs.length - failed} of ${docs.length} docs pages pass the accessibility check`);
process.exit(failed === 0 ? 0 : 1);
