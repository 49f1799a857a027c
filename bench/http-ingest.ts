/**
 * HTTP benchmark of `@segment-webhook/express-adapter` (issue 4), one command:
 *
 *   pnpm exec tsx bench/http-ingest.ts
 *
 * With autocannon against a server in a child process (`bench/http-server.ts`), in the same run:
 * 1. `POST /events` with batches of 100 events (fresh event ids in every request, so every event is a
 *    new durable delivery) → events/s and p99, against a bare Express `express.json()` echo of the same
 *    body (the baseline);
 * 2. `GET /webhooks/:id/deliveries` pages (50 rows: first page, `status=failed`, the second page through
 *    the cursor, a `to=` window half-way back, and the `q=` search box: an event id, a messageId, a rare
 *    person and a text matching nothing) of a webhook with 1,000,000 delivery rows in SQLite →
 *    requests/s and p99, against a bare Express endpoint answering the same page from memory; and, apart,
 *    the `personId=` filter for a rare person. The page is also measured with one connection (latency
 *    without queueing behind other requests).
 * Prints the median of several rounds and the ratios. Targets: ≥ 20,000 events/s ingested, p99 ≤ 20 ms
 * for a page. Environment: BENCH_ROUNDS (default 3), BENCH_DURATION seconds (5), BENCH_CONNECTIONS (8),
 * BENCH_DELIVERY_ROWS (1,000,000), BENCH_CPU_PROF (a directory: profile the server there).
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const BATCH = 100;
const INGEST_TARGET = 20_000;
const PAGE_P99_TARGET_MS = 20;

interface Ready {
  type: 'ready';
  baselineUrl: string;
  kitUrl: string;
  edgeUrl: string;
  pageWebhookId: string;
  rows: number;
  seedSeconds: number;
}

interface Figures {
  requestsPerSecond: number;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  /** Events answered 202 (ingest only). */
  events: number;
}

function startServer(): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(path.join(import.meta.dirname, 'http-server.ts'), {
    // BENCH_CPU_PROF=<dir>: write a CPU profile of the server (node --cpu-prof) there.
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The benchmark server exited with ${code}`)));
    child.on('message', (message: { type?: string }) => {
      if (message.type === 'ready') resolve({ child, ready: message as Ready });
    });
  });
}

let batchCounter = 0;
const runId = Date.now().toString(36);
const occurredAt = new Date().toISOString();

/** A batch of 100 events with ids never sent before. */
function nextBatch(): string {
  const batch = batchCounter++;
  const events = [];
  for (let i = 0; i < BATCH; i++) {
    events.push({
      id: `evt_${runId}_${batch}_${i}`,
      activityId: 'order-placed',
      occurredAt,
      person: { id: `p_${(batch * BATCH + i) % 10_000}`, email: `person${i}@example.com`, plan: 'pro' },
      attributes: { orderId: `o_${batch}_${i}`, amount: 42.5, currency: 'EUR', items: 3 },
    });
  }
  return JSON.stringify({ events });
}

async function load(options: autocannon.Options, eventsPerRequest: number): Promise<Figures> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${options.url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  const ok = result['2xx'];
  return {
    requestsPerSecond: ok / result.duration,
    eventsPerSecond: (ok * eventsPerRequest) / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    events: ok * eventsPerRequest,
  };
}

function ingest(url: string): Promise<Figures> {
  return load(
    {
      url,
      method: 'POST',
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => ({ ...request, body: nextBatch() }),
        },
      ],
    },
    BATCH,
  );
}

function pages(base: string, paths: string[], connections = CONNECTIONS): Promise<Figures> {
  return load({ url: base, connections, requests: paths.map((p) => ({ method: 'GET' as const, path: p })) }, 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function summarize(rounds: Figures[]): Figures {
  return {
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    eventsPerSecond: median(rounds.map((r) => r.eventsPerSecond)),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    events: rounds.reduce((sum, r) => sum + r.events, 0),
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

const { child, ready } = await startServer();
try {
  console.log(
    `Seeded ${fmt(ready.rows)} delivery rows in ${ready.seedSeconds.toFixed(1)} s. ` +
      `${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections, batches of ${BATCH} events.`,
  );
  const logsPath = `/webhooks/${encodeURIComponent(ready.pageWebhookId)}/deliveries`;
  const first = (await (await fetch(`${ready.kitUrl}${logsPath}?limit=50`)).json()) as { nextCursor: string };
  const prefix = `${new URL(ready.kitUrl).pathname}${logsPath}?limit=50`;
  // Half-way back in time: a window filter deep in the table.
  const middle = new Date(Date.now() - (ready.rows / 2) * 1000).toISOString();
  // The search box (issue 15): an event id, a messageId, a person with 1 row in 5,000, and a text that
  // matches nothing (the person index's worst case: its whole bucket is read), each within the mix.
  const middleEvent = `evt_${String(Math.floor(ready.rows / 2)).padStart(8, '0')}`;
  const searchPages = [
    `${prefix}&q=${middleEvent}`,
    `${prefix}&q=${encodeURIComponent(`${ready.pageWebhookId}:evt_${String(ready.rows - 7).padStart(8, '0')}`)}`,
    `${prefix}&q=p_42`,
    `${prefix}&q=nobody_at_all`,
  ];
  const kitPages = [
    prefix,
    `${prefix}&status=failed`,
    `${prefix}&cursor=${encodeURIComponent(first.nextCursor)}`,
    `${prefix}&to=${encodeURIComponent(middle)}`,
    ...searchPages,
  ];
  // A rare person (1 row in 5,000), reported apart too.
  const personPages = [`${prefix}&personId=p_42`];
  for (const search of searchPages) {
    const response = await fetch(`${ready.kitUrl}${search.slice(new URL(ready.kitUrl).pathname.length)}`);
    if (response.status !== 200) throw new Error(`${search} answered ${response.status}`);
  }

  // Warm-up: JIT, SQLite page cache.
  let kitEvents = (await ingest(`${ready.kitUrl}/events`)).events;
  await pages(ready.kitUrl, kitPages);

  const rounds = {
    baselineIngest: [] as Figures[],
    kitIngest: [] as Figures[],
    baselinePage: [] as Figures[],
    kitPage: [] as Figures[],
    kitPageSerial: [] as Figures[],
    edgeIngest: [] as Figures[],
    edgePage: [] as Figures[],
  };
  for (let round = 1; round <= ROUNDS; round++) {
    rounds.baselineIngest.push(await ingest(`${ready.baselineUrl}/events`));
    rounds.kitIngest.push(await ingest(`${ready.kitUrl}/events`));
    kitEvents += rounds.kitIngest.at(-1)!.events;
    rounds.baselinePage.push(await pages(ready.baselineUrl, ['/page']));
    rounds.kitPage.push(await pages(ready.kitUrl, kitPages));
    rounds.kitPageSerial.push(await pages(ready.kitUrl, kitPages, 1));
    rounds.edgeIngest.push(await ingest(`${ready.edgeUrl}/events`));
    rounds.edgePage.push(await pages(ready.edgeUrl, [`${new URL(ready.edgeUrl).pathname}${logsPath}?limit=50`]));
    const k = rounds.kitIngest.at(-1)!;
    const p = rounds.kitPage.at(-1)!;
    console.log(
      `round ${round}: ingest ${fmt(k.eventsPerSecond)} events/s (p99 ${k.p99} ms), ` +
        `page ${fmt(p.requestsPerSecond)} req/s (p99 ${p.p99} ms)`,
    );
  }

  const baselineIngest = summarize(rounds.baselineIngest);
  const kitIngest = summarize(rounds.kitIngest);
  const baselinePage = summarize(rounds.baselinePage);
  const kitPage = summarize(rounds.kitPage);
  const kitPageSerial = summarize(rounds.kitPageSerial);
  // Last and once, with one connection: each of these queries holds the event loop for a long time
  // (no person index), and the requests queued behind them would spill into the other runs.
  const personPage = await load(
    { url: ready.kitUrl, connections: 1, requests: personPages.map((p) => ({ method: 'GET' as const, path: p })) },
    0,
  );
  const searchPage = await pages(ready.kitUrl, searchPages, 1);
  const edgeIngest = summarize(rounds.edgeIngest);
  const edgePage = summarize(rounds.edgePage);
  console.log(`\nMedians of ${ROUNDS} rounds`);
  console.table({
    'POST /events (kit, 100/batch, durable)': {
      'req/s': fmt(kitIngest.requestsPerSecond),
      'events/s': fmt(kitIngest.eventsPerSecond),
      'p50 ms': kitIngest.p50,
      'p99 ms': kitIngest.p99,
    },
    'POST /events (router, service stubbed)': {
      'req/s': fmt(edgeIngest.requestsPerSecond),
      'events/s': fmt(edgeIngest.eventsPerSecond),
      'p50 ms': edgeIngest.p50,
      'p99 ms': edgeIngest.p99,
    },
    'POST /events (bare Express echo)': {
      'req/s': fmt(baselineIngest.requestsPerSecond),
      'events/s': fmt(baselineIngest.eventsPerSecond),
      'p50 ms': baselineIngest.p50,
      'p99 ms': baselineIngest.p99,
    },
    [`GET deliveries page (kit, ${fmt(ready.rows)} rows)`]: {
      'req/s': fmt(kitPage.requestsPerSecond),
      'events/s': '',
      'p50 ms': kitPage.p50,
      'p99 ms': kitPage.p99,
    },
    'GET deliveries page (kit, 1 connection)': {
      'req/s': fmt(kitPageSerial.requestsPerSecond),
      'events/s': '',
      'p50 ms': kitPageSerial.p50,
      'p99 ms': kitPageSerial.p99,
    },
    'GET deliveries page, personId filter (kit, 1 connection, 1 run)': {
      'req/s': fmt(personPage.requestsPerSecond),
      'events/s': '',
      'p50 ms': personPage.p50,
      'p99 ms': personPage.p99,
    },
    'GET deliveries page, q= search box (kit, 1 connection, 1 run)': {
      'req/s': fmt(searchPage.requestsPerSecond),
      'events/s': '',
      'p50 ms': searchPage.p50,
      'p99 ms': searchPage.p99,
    },
    'GET page (router, service stubbed)': {
      'req/s': fmt(edgePage.requestsPerSecond),
      'events/s': '',
      'p50 ms': edgePage.p50,
      'p99 ms': edgePage.p99,
    },
    'GET page (bare Express, from memory)': {
      'req/s': fmt(baselinePage.requestsPerSecond),
      'events/s': '',
      'p50 ms': baselinePage.p50,
      'p99 ms': baselinePage.p99,
    },
  });
  // Every event answered 202 must be a committed delivery row.
  const stored = await new Promise<number>((resolve) => {
    child.on('message', (message: { type?: string; count?: number }) => {
      if (message.type === 'count') resolve(message.count ?? -1);
    });
    child.send({ type: 'count' });
  });
  // Requests still in flight when a run stops are committed but not counted by autocannon: at most one
  // batch per connection and run.
  const inFlightBound = CONNECTIONS * BATCH * (ROUNDS + 1);
  const durable = stored >= kitEvents && stored <= kitEvents + inFlightBound;
  console.log(
    `${fmt(kitEvents)} events answered 202, ${fmt(stored)} deliveries stored ` +
      `(in flight at the end of runs: ≤ ${fmt(inFlightBound)}): ${durable ? 'every answered event is stored' : 'MISMATCH'}`,
  );
  const ingestOk = durable && kitIngest.eventsPerSecond >= INGEST_TARGET;
  const pageOk = kitPage.p99 <= PAGE_P99_TARGET_MS;
  console.log(
    `deliveries page with 1 connection (no queueing): p50 ${kitPageSerial.p50} ms, p99 ${kitPageSerial.p99} ms`,
  );
  console.log(
    `ingest: ${fmt(kitIngest.eventsPerSecond)} events/s = ${fmt(kitIngest.eventsPerSecond / baselineIngest.eventsPerSecond, 2)}× ` +
      `the bare Express echo (the router alone: ${fmt(edgeIngest.eventsPerSecond / baselineIngest.eventsPerSecond, 2)}×); ` +
      `target ≥ ${fmt(INGEST_TARGET)}: ${ingestOk ? 'met' : 'NOT met'}`,
  );
  console.log(
    `deliveries page: p99 ${kitPage.p99} ms (bare ${baselinePage.p99} ms), ` +
      `${fmt(kitPage.requestsPerSecond / baselinePage.requestsPerSecond, 2)}× the bare throughput; ` +
      `target p99 ≤ ${PAGE_P99_TARGET_MS} ms: ${pageOk ? 'met' : 'NOT met'}`,
  );
  process.exitCode = ingestOk && pageOk ? 0 : 1;
} finally {
  child.disconnect();
}
