/**
 * Rendering benchmark of the delivery logs (issue 5): the kit's virtualized `DeliveryList` with
 * 100,000 rows against a naive baseline that puts every row in the DOM (2,000 and 10,000 rows), in
 * real Chromium (Debian's), on a production Vite build of bench/ui-logs/.
 *
 * Per scenario it reports: time to first render (synchronous commit, and until the first frame is
 * on screen), rows and DOM nodes in the document, JS heap after a forced GC, and scrolling: frame
 * times (median / p95 / max) of N wheel-sized scroll steps and of random jumps across the whole list,
 * with React render time (Profiler) and Chromium's script + style + layout time per step.
 *
 * Run: `flock /tmp/browser.lock node --import tsx bench/ui-logs-render.ts`
 * (`BENCH_SCROLL_STEPS`, default 200; `BENCH_JUMPS`, default 50).
 * Figures only, no assertions: headless frame times are paced by Chromium's 60 Hz frame clock, so
 * ~16.7 ms is the floor of a frame; what matters is how far above it a step goes.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { type CDPSession, chromium, type Page } from 'playwright-core';
import { build } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const STEPS = Number(process.env.BENCH_SCROLL_STEPS ?? 200);
const JUMPS = Number(process.env.BENCH_JUMPS ?? 50);
const STEP_PX = 520; // about ten rows: a brisk wheel or trackpad flick per frame

const scenarios = [
  { name: 'virtualized', mode: 'virtual', rows: 100_000 },
  { name: 'virtualized', mode: 'virtual', rows: 2_000 },
  { name: 'naive (baseline)', mode: 'naive', rows: 2_000 },
  { name: 'naive (baseline)', mode: 'naive', rows: 10_000 },
] as const;

interface Figures {
  scenario: string;
  rows: number;
  dataMs: number;
  commitMs: number;
  firstFrameMs: number;
  domRows: number;
  domNodes: number;
  heapMb: number;
  scroll: StepFigures;
  jumps: StepFigures;
}

interface StepFigures {
  median: number;
  p95: number;
  max: number;
  reactMsPerStep: number;
  browserMsPerStep: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return Object.fromEntries(list.map((metric) => [metric.name, metric.value]));
}

/** Runs `positions` (scrollTop values) one per frame and measures each step until its frame is drawn. */
async function scrollRun(page: Page, cdp: CDPSession, kind: 'steps' | 'jumps', count: number): Promise<StepFigures> {
  const before = await metrics(cdp);
  // The loop runs in the page (bench/ui-logs/main.tsx), one step per frame.
  const result = await page.evaluate(({ kind, count, stepPx }) => window.__bench!.run(kind, count, stepPx), {
    kind,
    count,
    stepPx: STEP_PX,
  });
  const after = await metrics(cdp);
  const browserSeconds =
    (after.ScriptDuration ?? 0) -
    (before.ScriptDuration ?? 0) +
    ((after.RecalcStyleDuration ?? 0) - (before.RecalcStyleDuration ?? 0)) +
    ((after.LayoutDuration ?? 0) - (before.LayoutDuration ?? 0));
  const sorted = [...result.times].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted.at(-1) ?? Number.NaN,
    reactMsPerStep: result.renderMs / count,
    browserMsPerStep: (browserSeconds * 1000) / count,
  };
}

async function measure(page: Page, url: string, scenario: (typeof scenarios)[number]): Promise<Figures> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${url}/?mode=${scenario.mode}&rows=${scenario.rows}`);
  await page.waitForFunction(() => window.__bench !== undefined, undefined, { timeout: 120_000 });
  const first = await page.evaluate(() => {
    const bench = window.__bench!;
    return {
      dataMs: bench.dataMs,
      commitMs: bench.commitMs,
      firstFrameMs: bench.firstFrameMs,
      domRows: document.querySelectorAll('[role="option"]').length,
    };
  });
  await cdp.send('HeapProfiler.collectGarbage');
  const afterRender = await metrics(cdp);
  const scroll = await scrollRun(page, cdp, 'steps', STEPS);
  const jumps = await scrollRun(page, cdp, 'jumps', JUMPS);
  await cdp.detach();
  return {
    scenario: scenario.name,
    rows: scenario.rows,
    ...first,
    domNodes: afterRender.Nodes ?? Number.NaN,
    heapMb: (afterRender.JSHeapUsedSize ?? Number.NaN) / 1024 / 1024,
    scroll,
    jumps,
  };
}

function serve(root: string): Promise<{ url: string; close: () => void }> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = path.join(root, pathname === '/' ? 'index.html' : pathname);
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    });
  });
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '—');

async function main() {
  const outDir = mkdtempSync(path.join(os.tmpdir(), 'swk-ui-logs-bench-'));
  console.log('Building bench/ui-logs (Vite, production)…');
  await build({
    root: path.join(here, 'ui-logs'),
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    plugins: [react()],
    // React's profiling build, so <Profiler onRender> reports render times in production mode.
    resolve: { alias: [{ find: /^react-dom\/client$/, replacement: 'react-dom/profiling' }] },
    build: { outDir, emptyOutDir: true, minify: true },
  });
  const server = await serve(outDir);
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
  const results: Figures[] = [];
  try {
    for (const scenario of scenarios) {
      // A fresh page per scenario, so heap and DOM figures are not shared.
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      results.push(await measure(page, server.url, scenario));
      await page.close();
      const last = results.at(-1)!;
      console.log(`  ${last.scenario}, ${last.rows.toLocaleString('en-US')} rows: done`);
    }
  } finally {
    await browser.close();
    server.close();
    rmSync(outDir, { recursive: true, force: true });
  }

  console.log(
    `\nDelivery logs rendering, Chromium ${browser.version()} headless, viewport 1280×900, list 520 px high; ` +
      `${STEPS} scroll steps of ${STEP_PX} px and ${JUMPS} random jumps\n`,
  );
  console.log(
    '| scenario | rows | first commit ms | first frame ms | rows in DOM | DOM nodes | JS heap MB | scroll frame median / p95 / max ms | scroll React ms/step | scroll script+style+layout ms/step | jump frame median / p95 ms | jump React ms/step |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|');
  for (const r of results) {
    console.log(
      `| ${r.scenario} | ${r.rows.toLocaleString('en-US')} | ${f1(r.commitMs)} | ${f1(r.firstFrameMs)} | ${r.domRows} | ${r.domNodes} | ${f1(r.heapMb)} | ${f1(r.scroll.median)} / ${f1(r.scroll.p95)} / ${f1(r.scroll.max)} | ${f1(r.scroll.reactMsPerStep)} | ${f1(r.scroll.browserMsPerStep)} | ${f1(r.jumps.median)} / ${f1(r.jumps.p95)} | ${f1(r.jumps.reactMsPerStep)} |`,
    );
  }
  const virtual = results.find((r) => r.scenario === 'virtualized' && r.rows === 100_000)!;
  const naive = results.filter((r) => r.scenario.startsWith('naive'));
  console.log('');
  for (const r of naive) {
    console.log(
      `naive ${r.rows.toLocaleString('en-US')} rows: ${((r.firstFrameMs / r.rows) * 1000).toFixed(1)} µs and ${(r.domNodes / r.rows).toFixed(1)} DOM nodes per row to first frame → ` +
        `100,000 rows would take ≈ ${(((r.firstFrameMs / r.rows) * 100_000) / 1000).toFixed(1)} s and ≈ ${Math.round((r.domNodes / r.rows) * 100_000).toLocaleString('en-US')} nodes`,
    );
  }
  console.log(
    `virtualized 100,000 rows: first frame ${f1(virtual.firstFrameMs)} ms with ${virtual.domRows} rows in the DOM ` +
      `(data generation, not counted: ${f1(virtual.dataMs)} ms)`,
  );
}

await main();
