/**
 * Issue 11 §6: fair share across customers.
 *
 *   BENCH_ONLY=fairness pnpm bench
 *
 * Two accounts, each with its own webhook and write key, on one kit (service + embedded worker, as the
 * demo runs it: new deliveries are handed to the in-process worker, the rest claimed from the store).
 * Segment answers every request after 100 ms (the testing sink in a worker thread, with a latency). Account
 * A reports a backlog in batches of 500 (4 calls outstanding) while account B reports one event every
 * 150 ms. Measured per run: A's drain throughput (A's events / first report → last arrival) and the
 * latency of B's events reported while A's backlog drains (report → arrival at the sink), p50 and max.
 *
 * Each store runs both ways in the same sitting, alternated: `fair` (the default: claims and the hand-off
 * shared across write keys) and `baseline` (the order before: `claimOrder: 'due'` on the store,
 * `fairShare: false` on the worker). Medians over the rounds; targets: B's max ≤ 3 × Segment's latency +
 * 250 ms, and A's drain throughput at least 90 % of the baseline's.
 *
 * Environment: BENCH_FAIR_BACKLOG (100,000), BENCH_FAIR_ROUNDS (3), BENCH_FAIR_STORES (sqlite,postgres),
 * BENCH_SINK_LATENCY (100 ms), BENCH_FAIR_B_INTERVAL (150 ms), DATABASE_URL (the PostgreSQL rows are
 * skipped when it is unreachable), BENCH_WRITE (1: write the section of BENCHMARKS.md; a partial run —
 * BENCH_FAIR_STORES set — never writes).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createDeliveryWorker, createSegmentWebhookService, type Store } from '@segment-webhook/core';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import pg from 'pg';

const BACKLOG = Number(process.env.BENCH_FAIR_BACKLOG ?? 100_000);
const ROUNDS = Number(process.env.BENCH_FAIR_ROUNDS ?? 3);
const SINK_LATENCY = Number(process.env.BENCH_SINK_LATENCY ?? 100);
const B_INTERVAL = Number(process.env.BENCH_FAIR_B_INTERVAL ?? 150);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const STORES = process.env.BENCH_FAIR_STORES?.split(',').map((s) => s.trim());
const WRITE = (process.env.BENCH_WRITE ?? '1') !== '0' && !STORES;
const A_BATCH = 500;
const A_OUTSTANDING = 4;
const TARGET_B_MAX = 3 * SINK_LATENCY + 250;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const absoluteNow = () => performance.timeOrigin + performance.now();

type StoreKind = 'sqlite' | 'postgres';
type Mode = 'baseline' | 'fair';

// ---------------------------------------------------------------------------------------------
// The sink thread
// ---------------------------------------------------------------------------------------------

interface Sink {
  url: string;
  /** Tracks a run: B's arrivals as they come, and the time the `a`-th of A's events arrived. */
  track(run: string, a: number): { bArrivals: Map<string, number>; aDone: Promise<number> };
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./fairness-sink-thread.ts', import.meta.url).href)}); })`;
  const worker = new Worker(bootstrap, { eval: true });
  const runs = new Map<string, { bArrivals: Map<string, number>; done: (at: number) => void }>();
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on(
      'message',
      (message: { ready?: true; url?: string; run?: string; b?: [string, number]; aDone?: number }) => {
        if (message.ready) return resolve(message.url!);
        const run = runs.get(message.run!);
        if (!run) return;
        if (message.b) run.bArrivals.set(message.b[0], message.b[1]);
        if (message.aDone !== undefined) run.done(message.aDone);
      },
    );
  });
  worker.postMessage({ latency: SINK_LATENCY });
  return {
    url,
    track(run, a) {
      const bArrivals = new Map<string, number>();
      const aDone = new Promise<number>((resolve) => {
        runs.set(run, { bArrivals, done: resolve });
      });
      worker.postMessage({ run, a });
      return { bArrivals, aDone };
    },
    async close() {
      worker.postMessage({ close: true });
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------

interface RunResult {
  /** A's events per second, from its first report to its last arrival. */
  aPerSecond: number;
  /** B's events reported while A's backlog drained. */
  bCount: number;
  bP50: number;
  bMax: number;
  /** B's report → `ingest` resolved (committed), p50 and max: the part of B's latency before the worker. */
  bAckP50: number;
  bAckMax: number;
  /** The main thread's event-loop delay while A drained, p99 and max: how long any callback, B's included, waited for the CPU. */
  loopP99: number;
  loopMax: number;
  /** Busy time of the main thread (event loop active) per event of A's, µs: the CPU cost, steadier than throughput. */
  mainUs: number;
}

const tempDir = mkdtempSync(path.join(tmpdir(), 'bench-fairness-'));
const pgSchemas: string[] = [];
let runCounter = 0;

function makeStore(kind: StoreKind, mode: Mode, run: string): Store {
  const claimOrder = mode === 'fair' ? 'fair' : 'due';
  if (kind === 'sqlite') return sqliteStore({ filename: path.join(tempDir, `${run}.db`), claimOrder });
  const schema = `bench_fair_${process.pid}_${run}`;
  pgSchemas.push(schema);
  return postgresStore({ connectionString: DATABASE_URL, schema, claimOrder });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function event(id: string) {
  return {
    id,
    activityId: 'order-placed',
    occurredAt: new Date().toISOString(),
    person: { id: `p_${id.length}`, email: 'person@example.com', plan: 'pro' },
    attributes: { orderId: id, amount: 42.5, currency: 'EUR' },
  };
}

async function runOnce(sink: Sink, kind: StoreKind, mode: Mode): Promise<RunResult> {
  const run = `r${++runCounter}`;
  const store = makeStore(kind, mode, run);
  const worker = createDeliveryWorker({
    store,
    endpoints: { us: sink.url },
    allowInsecureDevelopmentKey: true,
    fairShare: mode === 'fair',
  });
  const service = createSegmentWebhookService({
    store,
    endpoints: { us: sink.url },
    allowInsecureDevelopmentKey: true,
    plan: () => 10,
    worker,
  });
  await store.migrate();
  for (const account of ['a', 'b']) {
    const webhook = await service.createWebhook(`acct_${account}`, {
      name: `Account ${account.toUpperCase()}`,
      trackEventName: 'Order placed',
      writeKey: `wk-${account}-${run}-0000`,
      region: 'us',
      sendActivityPayload: true,
      fields: [{ key: 'plan', from: 'person.plan' }],
    });
    await service.setDestination(`acct_${account}`, 'order-placed', webhook.id);
  }
  worker.start();
  const { bArrivals, aDone } = sink.track(run, BACKLOG);

  // B: one event every B_INTERVAL ms until A's backlog has drained.
  const bReported = new Map<string, number>();
  const bAcked = new Map<string, number>();
  const bPending = new Set<Promise<unknown>>();
  let drained = false;
  let b = 0;
  const bTimer = setInterval(() => {
    if (drained) return;
    const id = `b-${run}-${++b}`;
    bReported.set(id, absoluteNow());
    const call = service.ingest('acct_b', [event(id)]);
    void call.then(() => bAcked.set(id, absoluteNow()));
    bPending.add(call);
    void call.finally(() => bPending.delete(call));
  }, B_INTERVAL);

  // A: the backlog in batches of 500, A_OUTSTANDING calls at a time, as fast as it goes.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const busyBefore = performance.eventLoopUtilization();
  const aStarted = absoluteNow();
  let next = 0;
  const client = async () => {
    while (next < BACKLOG) {
      const start = next;
      next = Math.min(BACKLOG, next + A_BATCH);
      const batch = Array.from({ length: next - start }, (_, i) => event(`a-${run}-${start + i}`));
      await service.ingest('acct_a', { events: batch });
    }
  };
  await Promise.all(Array.from({ length: A_OUTSTANDING }, client));
  const aLast = await aDone;
  loop.disable();
  const busyMs = performance.eventLoopUtilization(busyBefore).active;
  drained = true;
  clearInterval(bTimer);
  await Promise.all(bPending);
  // B's last events (reported before the drain ended) arrive shortly after it.
  const waitStarted = Date.now();
  while ([...bReported.keys()].some((id) => !bArrivals.has(id)) && Date.now() - waitStarted < 30_000) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const during = [...bReported].filter(([, at]) => at <= aLast);
  const latencies = during
    .map(([id, at]) => (bArrivals.get(id) ?? Number.POSITIVE_INFINITY) - at)
    .sort((x, y) => x - y);
  const acks = during.map(([id, at]) => (bAcked.get(id) ?? Number.POSITIVE_INFINITY) - at).sort((x, y) => x - y);
  await worker.stop();
  await service.close();
  await store.close();
  return {
    aPerSecond: (BACKLOG / (aLast - aStarted)) * 1000,
    bCount: latencies.length,
    bP50: percentile(latencies, 0.5),
    bMax: latencies[latencies.length - 1] ?? Number.NaN,
    bAckP50: percentile(acks, 0.5),
    bAckMax: acks[acks.length - 1] ?? Number.NaN,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
    mainUs: (busyMs * 1000) / BACKLOG,
  };
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

async function postgresVersion(): Promise<string | null> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query('SHOW server_version');
    return String(rows[0].server_version);
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

async function dropSchemas(): Promise<void> {
  if (pgSchemas.length === 0) return;
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  for (const schema of pgSchemas.splice(0)) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

function writeSection(markdown: string): void {
  const file = path.join(root, 'BENCHMARKS.md');
  const heading = '## Fair share across customers (issue 11)';
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(heading);
  if (start === -1) {
    writeFileSync(file, `${text.trimEnd()}\n\n${markdown.trimEnd()}\n`);
    return;
  }
  const rest = text.slice(start + heading.length);
  const nextHeading = rest.search(/\n## /);
  const end = nextHeading === -1 ? text.length : start + heading.length + nextHeading + 1;
  writeFileSync(
    file,
    `${text.slice(0, start)}${markdown.trimEnd()}\n${nextHeading === -1 ? '' : `\n${text.slice(end)}`}`,
  );
}

async function main(): Promise<void> {
  const loadStart = loadavg()
    .map((n) => n.toFixed(1))
    .join(', ');
  const pgVersion = await postgresVersion();
  const kinds = (['sqlite', ...(pgVersion ? (['postgres'] as const) : [])] as StoreKind[]).filter(
    (kind) => !STORES || STORES.includes(kind),
  );
  if (!pgVersion) console.log(`PostgreSQL unreachable at ${DATABASE_URL}: its rows are skipped.`);
  console.log(
    `Fairness benchmark: A's backlog ${fmt(BACKLOG)} in batches of ${A_BATCH}, B every ${B_INTERVAL} ms, Segment latency ${SINK_LATENCY} ms, ${ROUNDS} rounds`,
  );
  const sink = await startSink();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void dropSchemas()
        .catch(() => {})
        .finally(() => {
          rmSync(tempDir, { recursive: true, force: true });
          process.exit(130);
        });
    });
  }
  const results = new Map<string, RunResult[]>();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of kinds) {
        // Alternated, so neither way always runs first (these machines drift by the minute).
        const modes: Mode[] = round % 2 === 0 ? ['baseline', 'fair'] : ['fair', 'baseline'];
        for (const mode of modes) {
          const result = await runOnce(sink, kind, mode);
          const key = `${kind}/${mode}`;
          results.set(key, [...(results.get(key) ?? []), result]);
          console.log(
            `  ${kind.padEnd(8)} ${mode.padEnd(8)} round ${round + 1}: A ${fmt(result.aPerSecond)} events/s (main thread ${fmt(result.mainUs, 1)} µs/event); B (${result.bCount} events) p50 ${fmt(result.bP50)} ms, max ${fmt(result.bMax)} ms (commit ack p50 ${fmt(result.bAckP50)}, max ${fmt(result.bAckMax)} ms); event-loop delay p99 ${fmt(result.loopP99)}, max ${fmt(result.loopMax)} ms`,
          );
        }
      }
    }
  } finally {
    await sink.close();
    await dropSchemas().catch(() => {});
    rmSync(tempDir, { recursive: true, force: true });
  }

  const rows: string[] = [];
  const verdicts: string[] = [];
  for (const kind of kinds) {
    const summary = (mode: Mode) => {
      const runs = results.get(`${kind}/${mode}`)!;
      return {
        a: median(runs.map((r) => r.aPerSecond)),
        p50: median(runs.map((r) => r.bP50)),
        max: median(runs.map((r) => r.bMax)),
        count: median(runs.map((r) => r.bCount)),
        ackP50: median(runs.map((r) => r.bAckP50)),
        ackMax: median(runs.map((r) => r.bAckMax)),
        loopP99: median(runs.map((r) => r.loopP99)),
        loopMax: median(runs.map((r) => r.loopMax)),
        mainUs: median(runs.map((r) => r.mainUs)),
        maxes: runs.map((r) => fmt(r.bMax)).join(', '),
      };
    };
    const base = summary('baseline');
    const fair = summary('fair');
    const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    for (const [mode, s] of [
      ['baseline (due order)', base],
      ['fair share', fair],
    ] as const) {
      rows.push(
        `| ${label} | ${mode} | ${fmt(s.a)} | ${mode === 'fair share' ? `${fmt((fair.a / base.a) * 100)} %` : '100 %'} | ${fmt(s.mainUs, 1)} | ${fmt(s.p50)} | ${fmt(s.max)} (${s.maxes}) | ${fmt(s.ackP50)} / ${fmt(s.ackMax)} | ${fmt(s.loopP99)} / ${fmt(s.loopMax)} | ${fmt(s.count)} |`,
      );
    }
    verdicts.push(
      `- ${label}: B's max **${fmt(fair.max)} ms** with fair share (target ≤ ${TARGET_B_MAX} ms: ${fair.max <= TARGET_B_MAX ? 'met' : 'missed'}; baseline ${fmt(base.max)} ms); A's drain throughput **${fmt((fair.a / base.a) * 100)} %** of the baseline's (target ≥ 90 %: ${fair.a >= 0.9 * base.a ? 'met' : 'missed'}).`,
    );
  }
  const markdown = `## Fair share across customers (issue 11)

\`BENCH_ONLY=fairness pnpm bench\` (\`bench/fairness.ts\`), ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}${pgVersion ? `, PostgreSQL ${pgVersion} on the same machine` : ''}.
Two accounts on one kit (service + embedded worker, defaults: batches of 500, 4 rounds in flight; new deliveries
handed to the in-process worker, the rest claimed from the store). The Segment stand-in answers every request
after ${SINK_LATENCY} ms. Account A reports a backlog of **${fmt(BACKLOG)}** events in batches of ${A_BATCH} (${A_OUTSTANDING} calls
outstanding) while account B reports one event every ${B_INTERVAL} ms; B's latency is report → arrival, for B's events
reported until A's last event arrived (its "commit ack" part: until \`ingest\` resolved); A's throughput is its
events / (first report → last arrival); the event-loop delay (main thread, while A drained) is how long any
callback, B's included, waited for the CPU. Baseline: the order before fair share (\`claimOrder: 'due'\`,
\`fairShare: false\`), measured in the same run, alternated with it.
Medians over ${ROUNDS} rounds (each round's B max in brackets). Load average when the run started: ${loadStart};
when it ended: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(', ')}.

| store | claims | A's drain events/s | vs baseline | main thread µs per event | B p50 ms | B max ms | B commit ack p50 / max ms | event-loop delay p99 / max ms | B events |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

${verdicts.join('\n')}
`;
  console.log(`\n${markdown}`);
  if (WRITE) {
    writeSection(markdown);
    console.log('Written to BENCHMARKS.md.');
  }
}

await main();
