/**
 * Issue 11's benchmark: the kit as hosts run it — a running server, events reported over REST — against
 * `@segment/analytics-node` 3.1.0 with its defaults behind the same kind of endpoint, all sending to the
 * same sink (the testing sink in a worker thread of this process).
 *
 *   BENCH_ONLY=rest pnpm bench
 *
 * For each system (kit + SQLite, kit + PostgreSQL, analytics-node), in a server child process
 * (`bench/rest-server.ts`), each round:
 * 1. Throughput: BENCH_EVENTS (100,000) events through `POST /events` in batches of 500, BENCH_CONNECTIONS (4)
 *    requests at a time → events/s from the first request to the last arrival at the sink, p50/p99 of
 *    request sent → arrival, and of the 202.
 * 2. Steady: BENCH_RATE (500) events/s, one event per request, for BENCH_STEADY_SECONDS (10) →
 *    p50/p99/max of request sent → arrival.
 * Busy time per event is recorded for the server process, the PostgreSQL backends (all of this machine's:
 * other work adds to it), the sink's thread and the load generator. A warm-up of 5,000 events precedes each
 * round's runs. The order of the systems rotates between rounds (BENCH_ROUNDS, 3); medians and the median
 * of the rounds' own ratios are reported and written to BENCHMARKS.md under "REST steady state (issue 11)"
 * (BENCH_WRITE=0 leaves it alone; so does BENCH_SYSTEMS, a comma-separated subset of sqlite, postgres,
 * analytics-node). BENCH_CPU_PROF=<dir> profiles the kit's server processes (`node --cpu-prof`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Sink, startSinkThread } from './sink-client';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 500;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const STEADY_SECONDS = Number(process.env.BENCH_STEADY_SECONDS ?? 10);
const WARMUP_EVENTS = 5000;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const WRITE = (process.env.BENCH_WRITE ?? '1') !== '0' && !process.env.BENCH_SYSTEMS;
const TARGETS = { postgresRatio: 3, sqliteRatio: 5, p99Ms: 100 };

type SystemKind = 'sqlite' | 'postgres' | 'analytics-node';
const ALL: SystemKind[] = ['sqlite', 'postgres', 'analytics-node'];
const SYSTEMS = process.env.BENCH_SYSTEMS
  ? ALL.filter((kind) => process.env.BENCH_SYSTEMS!.split(',').includes(kind))
  : ALL;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const absoluteNow = () => performance.timeOrigin + performance.now();
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

// ---------------------------------------------------------------------------------------------
// The server child process
// ---------------------------------------------------------------------------------------------

interface BenchServer {
  url: string;
  cpuMs(): Promise<number>;
  stop(): Promise<void>;
}

async function startServer(kind: SystemKind, sinkUrl: string, writeKey: string): Promise<BenchServer> {
  const profile = process.env.BENCH_CPU_PROF && kind !== 'analytics-node';
  const child: ChildProcess = fork(path.join(root, 'bench', 'rest-server.ts'), {
    execArgv: ['--import', 'tsx', ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    env: { ...process.env, BENCH_SYSTEM: kind, SINK_URL: sinkUrl, DATABASE_URL, BENCH_WRITE_KEY: writeKey },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (message: Record<string, unknown>) => {
        if (message.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`the ${kind} server exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  return {
    url: ready.url as string,
    async cpuMs() {
      const answer = next('cpu');
      child.send({ type: 'cpu' });
      return (await answer).ms as number;
    },
    async stop() {
      const stopped = next('stopped');
      child.send({ type: 'stop' });
      await stopped;
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    },
  };
}

/** CPU time (ms) of each `postgres` process of this machine, by pid. */
function postgresCpu(): Map<string, number> {
  const tick = 100; // USER_HZ on Linux.
  const cpu = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' ');
      cpu.set(entry, ((Number(fields[11]) + Number(fields[12])) / tick) * 1000);
    } catch {
      // The process ended meanwhile.
    }
  }
  return cpu;
}

/**
 * The PostgreSQL processes' CPU time between two {@link postgresCpu} snapshots: growth of those alive at both,
 * and all of those started in between (a backend that ended in between is missed).
 */
function postgresCpuBetween(before: Map<string, number>, after: Map<string, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

// ---------------------------------------------------------------------------------------------
// Runs
// ---------------------------------------------------------------------------------------------

let runCounter = 0;

function events(runId: string, count: number) {
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => {
    const person = i % 1000;
    return {
      id: `${runId}-${i}`,
      activityId: 'order-placed',
      occurredAt: now,
      person: { id: `p_${person}`, email: `person${person}@example.com`, plan: person % 2 ? 'pro' : 'free' },
      attributes: { orderId: `order_${i}`, amount: 42.5 + (i % 100), currency: 'EUR', items: 1 + (i % 5) },
    };
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Keep-alive connections for the load generator (node:http costs this process less than fetch). */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** `POST /events` with a JSON body; resolves on the 202, rejects on anything else. */
function post(url: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${url}/events`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        response.resume();
        response.once('end', () =>
          response.statusCode === 202 ? resolve() : reject(new Error(`POST /events answered ${response.statusCode}`)),
        );
      },
    );
    request.once('error', reject);
    request.end(body);
  });
}

interface Throughput {
  events: number;
  perSecond: number;
  p50: number;
  p99: number;
  ackP50: number;
  ackP99: number;
  /** Busy µs per event: the server process, PostgreSQL's processes, the sink's thread, the load generator. */
  serverUs: number;
  postgresUs: number;
  sinkUs: number;
  clientUs: number;
}

async function throughput(server: BenchServer, sink: Sink, count: number): Promise<Throughput> {
  const runId = `t${++runCounter}`;
  const list = events(runId, count);
  // The bodies are built before the clock starts: the load generator shares these 2 cores.
  const bodies: { ids: string[]; body: string }[] = [];
  for (let i = 0; i < list.length; i += BATCH) {
    const batch = list.slice(i, i + BATCH);
    bodies.push({ ids: batch.map((e) => e.id), body: JSON.stringify({ events: batch }) });
  }
  const arrived = sink.expect(
    list.map((e) => e.id),
    300_000,
  );
  const sent = new Map<string, number>();
  const acks: number[] = [];
  const cpuBefore = { server: await server.cpuMs(), postgres: postgresCpu(), sink: sink.busyMs() };
  const clientBefore = performance.eventLoopUtilization();
  const startedAt = absoluteNow();
  let next = 0;
  const connection = async () => {
    while (next < bodies.length) {
      const { ids, body } = bodies[next++]!;
      const at = absoluteNow();
      for (const id of ids) sent.set(id, at);
      await post(server.url, body);
      acks.push(absoluteNow() - at);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, connection));
  const arrivals = await arrived;
  const client = performance.eventLoopUtilization(clientBefore).active;
  const cpuAfter = { server: await server.cpuMs(), postgres: postgresCpu(), sink: sink.busyMs() };
  let last = startedAt;
  const latencies: number[] = [];
  for (const [id, at] of sent) {
    const arrival = arrivals.get(id)!;
    latencies.push(arrival - at);
    if (arrival > last) last = arrival;
  }
  latencies.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  const us = (ms: number) => (ms * 1000) / count;
  return {
    events: count,
    perSecond: (count / (last - startedAt)) * 1000,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ackP50: percentile(acks, 0.5),
    ackP99: percentile(acks, 0.99),
    serverUs: us(cpuAfter.server - cpuBefore.server),
    postgresUs: us(postgresCpuBetween(cpuBefore.postgres, cpuAfter.postgres)),
    sinkUs: us(cpuAfter.sink - cpuBefore.sink),
    clientUs: us(client),
  };
}

interface Steady {
  p50: number;
  p99: number;
  max: number;
  ackP99: number;
}

async function steady(server: BenchServer, sink: Sink): Promise<Steady> {
  const runId = `s${++runCounter}`;
  const total = Math.round(RATE * STEADY_SECONDS);
  const list = events(runId, total);
  const arrived = sink.expect(
    list.map((e) => e.id),
    STEADY_SECONDS * 1000 + 120_000,
  );
  const sent = new Map<string, number>();
  const acks: number[] = [];
  const pending = new Set<Promise<void>>();
  const interval = 1000 / RATE;
  const startedAt = absoluteNow();
  let i = 0;
  while (i < total) {
    const due = Math.min(total, Math.floor((absoluteNow() - startedAt) / interval) + 1);
    while (i < due) {
      const event = list[i++]!;
      event.occurredAt = new Date().toISOString();
      const at = absoluteNow();
      sent.set(event.id, at);
      const request: Promise<void> = post(server.url, JSON.stringify({ events: [event] })).then(() => {
        acks.push(absoluteNow() - at);
      });
      pending.add(request);
      void request.finally(() => pending.delete(request));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  const arrivals = await arrived;
  const latencies = [...sent].map(([id, at]) => arrivals.get(id)! - at).sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1)!,
    ackP99: percentile(acks, 0.99),
  };
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function medianOf<T extends object>(runs: T[]): T {
  const keys = Object.keys(runs[0]!) as (keyof T)[];
  return Object.fromEntries(keys.map((key) => [key, median(runs.map((r) => r[key] as number))])) as T;
}

function writeSection(markdown: string): void {
  const file = path.join(root, 'BENCHMARKS.md');
  const heading = '## REST steady state (issue 11)';
  let text = readFileSync(file, 'utf8');
  const start = text.indexOf(heading);
  if (start === -1) {
    // Before the hand-written history of the delivery engine's sessions.
    const before = text.indexOf('## Delivery engine: what changed');
    text =
      before === -1
        ? `${text.trimEnd()}\n\n${markdown.trimEnd()}\n`
        : `${text.slice(0, before)}${markdown.trimEnd()}\n\n${text.slice(before)}`;
  } else {
    const rest = text.slice(start + heading.length);
    const nextHeading = rest.search(/\n## /);
    const end = nextHeading === -1 ? text.length : start + heading.length + nextHeading + 1;
    text = `${text.slice(0, start)}${markdown.trimEnd()}\n${nextHeading === -1 ? '' : `\n${text.slice(end)}`}`;
  }
  writeFileSync(file, text);
}

async function postgresVersion(): Promise<string | null> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v");
    return rows[0]!.v;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

async function main(): Promise<void> {
  const loadStart = loadavg()
    .map((n) => n.toFixed(1))
    .join(', ');
  const pgVersion = SYSTEMS.includes('postgres') ? await postgresVersion() : null;
  const kinds = SYSTEMS.filter((kind) => kind !== 'postgres' || pgVersion);
  if (SYSTEMS.includes('postgres') && !pgVersion) console.log(`PostgreSQL unreachable at ${DATABASE_URL}: skipped.`);
  const sink = await startSinkThread();
  console.log(
    `REST benchmark: ${fmt(EVENTS)} events in batches of ${BATCH} over ${CONNECTIONS} connections × ${ROUNDS} rounds; steady ${RATE}/s × ${STEADY_SECONDS} s`,
  );
  const bursts = new Map<SystemKind, Throughput[]>(kinds.map((k) => [k, []]));
  const steadies = new Map<SystemKind, Steady[]>(kinds.map((k) => [k, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
      for (const kind of order) {
        const server = await startServer(kind, sink.url, `wk_rest_${round}_${kind}`);
        try {
          await throughput(server, sink, WARMUP_EVENTS);
          const t = await throughput(server, sink, EVENTS);
          bursts.get(kind)!.push(t);
          console.log(
            `  ${kind.padEnd(14)} round ${round + 1}: ${fmt(t.perSecond)} events/s, p50 ${fmt(t.p50)} ms, p99 ${fmt(t.p99)} ms, 202 p99 ${fmt(t.ackP99)} ms; busy µs/event: server ${fmt(t.serverUs, 1)}, postgres ${fmt(t.postgresUs, 1)}, sink ${fmt(t.sinkUs, 1)}, load ${fmt(t.clientUs, 1)}`,
          );
          const s = await steady(server, sink);
          steadies.get(kind)!.push(s);
          console.log(
            `  ${kind.padEnd(14)} round ${round + 1}: steady ${RATE}/s p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, max ${fmt(s.max, 1)} ms`,
          );
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    await sink.close();
  }

  const b = new Map([...bursts].map(([k, runs]) => [k, medianOf(runs)]));
  const s = new Map([...steadies].map(([k, runs]) => [k, medianOf(runs)]));
  const baseline = bursts.get('analytics-node');
  /** Median of the rounds' own ratios (each round's systems ran minutes apart, in rotated order). */
  const roundRatio = (kind: SystemKind) =>
    baseline ? median(bursts.get(kind)!.map((run, i) => run.perSecond / baseline[i]!.perSecond)) : Number.NaN;
  const ratio = (kind: SystemKind) =>
    baseline ? b.get(kind)!.perSecond / b.get('analytics-node')!.perSecond : Number.NaN;
  const label: Record<SystemKind, string> = {
    sqlite: 'kit + SQLite (each event fsynced before its 202)',
    postgres: 'kit + PostgreSQL (each event committed before its 202)',
    'analytics-node': '@segment/analytics-node 3.1.0, defaults (in memory, 202 at once)',
  };
  const rows = kinds.map((kind) => {
    const r = b.get(kind)!;
    const vs = kind === 'analytics-node' ? '1×' : `${fmt(ratio(kind), 2)}× (rounds: ${fmt(roundRatio(kind), 2)}×)`;
    return `| ${label[kind]} | ${fmt(r.perSecond)} | ${vs} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.ackP50)} / ${fmt(r.ackP99)} |`;
  });
  const steadyRows = kinds.map((kind) => {
    const r = s.get(kind)!;
    return `| ${label[kind]} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.max, 1)} | ${fmt(r.ackP99, 1)} |`;
  });
  const cores = cpus().length;
  const analyticsPerSecond = b.get('analytics-node')?.perSecond ?? Number.NaN;
  const cpuRows = kinds.map((kind) => {
    const r = b.get(kind)!;
    const postgres = kind === 'postgres' ? r.postgresUs : 0;
    const total = r.serverUs + postgres + r.sinkUs + r.clientUs;
    // Everything on this machine's cores, perfectly shared: the run's own ceiling; and without the harness
    // (sink and load generator are elsewhere in production): what the host's side alone allows.
    const machine = (cores * 1e6) / total;
    const hostOnly = (cores * 1e6) / (r.serverUs + postgres);
    const vs = (n: number) => (kind === 'analytics-node' ? '' : ` = ${fmt(n / analyticsPerSecond, 1)}×`);
    return `| ${label[kind]} | ${fmt(r.serverUs, 1)} | ${kind === 'postgres' ? fmt(r.postgresUs, 1) : '—'} | ${fmt(r.sinkUs, 1)} | ${fmt(r.clientUs, 1)} | ${fmt(total, 1)} | ${fmt(machine)}${vs(machine)} | ${fmt(hostOnly)}${vs(hostOnly)} |`;
  });
  const perRound = kinds
    .map(
      (kind) =>
        `${kind} ${bursts
          .get(kind)!
          .map((run) => fmt(run.perSecond))
          .join(', ')}`,
    )
    .join('; ');
  const verdicts: string[] = [];
  if (baseline && b.has('postgres')) {
    const met = ratio('postgres') >= TARGETS.postgresRatio;
    verdicts.push(
      `- PostgreSQL ≥ ${TARGETS.postgresRatio}× analytics-node: **${fmt(ratio('postgres'), 2)}×** (median of the rounds' ratios ${fmt(roundRatio('postgres'), 2)}×) — ${met ? 'met' : 'missed'}.`,
    );
  }
  if (baseline && b.has('sqlite')) {
    const met = ratio('sqlite') >= TARGETS.sqliteRatio;
    verdicts.push(
      `- SQLite goal ≥ ${TARGETS.sqliteRatio}× analytics-node: **${fmt(ratio('sqlite'), 2)}×** (rounds ${fmt(roundRatio('sqlite'), 2)}×) — ${met ? 'met' : 'missed'}.`,
    );
  }
  for (const kind of kinds.filter((k) => k !== 'analytics-node')) {
    const p99 = s.get(kind)!.p99;
    verdicts.push(
      `- p99 ≤ ${TARGETS.p99Ms} ms at a steady ${RATE} events/s, ${kind}: **${fmt(p99, 1)} ms** — ${p99 <= TARGETS.p99Ms ? 'met' : 'missed'}.`,
    );
  }
  const markdown = `## REST steady state (issue 11)

\`BENCH_ONLY=rest pnpm bench\` (\`bench/rest-steady.ts\` + \`bench/rest-server.ts\`), ${new Date().toISOString().slice(0, 10)}: Node ${process.version},
${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}${pgVersion ? `, ${pgVersion} on the same machine` : ''}. Each system is a server in its own
process, as a host runs it: the kit is \`createSegmentWebhookRouter\` over the service with the delivery worker in the same process
(defaults); analytics-node is Express with \`express.json()\` calling \`analytics.track()\` per event (defaults) and answering 202 at once.
The load generator (this process) reports ${fmt(EVENTS)} events through \`POST /events\` in batches of ${BATCH}, ${CONNECTIONS} requests at a
time; everything goes to the same sink (the testing sink, in a worker thread of this process). Throughput is events / time from the first
request to the last arrival at the sink; latency is from a request's sending to its events' arrival. Medians of ${ROUNDS} rounds (systems
in rotated order, a server per system and round, 5,000 events of warm-up each). Load average when the run started: ${loadStart}; when it
ended: ${loadavg()
    .map((n) => n.toFixed(1))
    .join(', ')} (this machine is shared).

**${fmt(EVENTS)} events, batches of ${BATCH}**

| system | events/s (first request → all arrived) | vs analytics-node (same run) | p50 ms | p99 ms | 202 p50 / p99 ms |
|---|---:|---:|---:|---:|---:|
${rows.join('\n')}

**Steady ${RATE} events/s for ${STEADY_SECONDS} s, one event per request** (request → arrival)

| system | p50 ms | p99 ms | max ms | 202 p99 ms |
|---|---:|---:|---:|---:|
${steadyRows.join('\n')}

**Busy time per event in the throughput runs** (µs; the PostgreSQL column is every \`postgres\` process of the machine,
other work included)

| system | server process | PostgreSQL | sink thread | load generator | total | ceiling: all of it on ${cores} cores, events/s | ceiling: server + PostgreSQL alone |
|---|---:|---:|---:|---:|---:|---:|---:|
${cpuRows.join('\n')}

The ceilings divide ${cores} cores' time by the busy time per event: the first is this run's own limit (the sink and the load
generator share the machine), the second what the host's side alone would allow with the machine to itself.

${verdicts.join('\n')}

Rounds (events/s): ${perRound}.
`;
  console.log(`\n${markdown}`);
  if (WRITE && baseline) {
    writeSection(markdown);
    console.log('Written to BENCHMARKS.md.');
  }
}

await main();
