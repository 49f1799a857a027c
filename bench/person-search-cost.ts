/**
 * What SQLite's person search costs ingest (issue 15, migration 8), one command:
 *
 *   BENCH_ONLY=person pnpm bench
 *
 * Rounds alternate `runs` (the store as shipped: every 2,048 inserted rows copied into a sorted search run)
 * and `none` (the baseline: runs never cut, i.e. no person search structure at all — `searchRunRows` larger
 * than the run), each on a fresh file holding BENCH_PERSON_ROWS (1,000,000) rows of another webhook, seeded as
 * the kit writes them. Each round calls `service.ingest` with 100-event batches, 8 calls in flight, for
 * BENCH_PERSON_SECONDS (6) seconds, and measures events/s, the bytes the process wrote per event (WAL and
 * database: `wchar` of /proc/self/io, deterministic where events/s is noisy) and CPU µs per event. Prints
 * the medians of BENCH_PERSON_ROUNDS (3) rounds per variant and the ratios runs / none.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSegmentWebhookService } from '@segment-webhook/core';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { seedDeliveries } from './seed-deliveries';

const ROWS = Number(process.env.BENCH_PERSON_ROWS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_PERSON_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_PERSON_ROUNDS ?? 3);
const IN_FLIGHT = 8;
const BATCH = 100;
const ACCOUNT = 'acct_bench';
const ACTIVITY = 'order-placed';

type Variant = 'runs' | 'none';
interface Figures {
  eventsPerSecond: number;
  bytesPerEvent: number;
  cpuMicrosPerEvent: number;
}

/** Bytes this process has written (every write(2), so the WAL's frames and checkpoints). */
const written = (): number => Number(/wchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);

function makeService(filename: string, variant: Variant) {
  const store = sqliteStore({ filename, searchRunRows: variant === 'runs' ? undefined : Number.MAX_SAFE_INTEGER });
  const service = createSegmentWebhookService({
    store,
    encryptionKey: Buffer.alloc(32, 7).toString('base64'),
    plan: () => 1000,
    // Nothing is delivered (no worker runs): the store's share of ingest.
    endpoints: { us: 'http://127.0.0.1:9', eu: 'http://127.0.0.1:9' },
  });
  return { store, service };
}

async function round(variant: Variant): Promise<Figures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'segment-webhook-person-bench-'));
  const filename = path.join(dir, 'bench.sqlite');
  try {
    const seeding = makeService(filename, variant);
    const logs = await seeding.service.createWebhook(ACCOUNT, {
      name: 'Logs',
      trackEventName: 'Activity',
      writeKey: 'bench_write_key_logs_00002',
    });
    await seeding.store.close();
    seedDeliveries({
      filename,
      accountId: ACCOUNT,
      webhookId: logs.id,
      activityId: ACTIVITY,
      rows: ROWS,
      now: Date.now(),
    });

    const { store, service } = makeService(filename, variant);
    const webhook = await service.createWebhook(ACCOUNT, {
      name: 'Ingest',
      trackEventName: 'Activity',
      writeKey: 'bench_write_key_ingest_0001',
    });
    await service.setDestination(ACCOUNT, ACTIVITY, webhook.id);
    let batch = 0;
    const occurredAt = new Date().toISOString();
    const nextBatch = () => {
      const b = batch++;
      return Array.from({ length: BATCH }, (_, i) => ({
        id: `evt_${b}_${i}`,
        activityId: ACTIVITY,
        occurredAt,
        person: { id: `p_${(b * BATCH + i) % 10_000}`, email: `person${i}@example.com`, plan: 'pro' },
        attributes: { orderId: `o_${b}_${i}`, amount: 42.5, currency: 'EUR', items: 3 },
      }));
    };
    let events = 0;
    const bytesBefore = written();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const end = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (performance.now() < end) {
          // Awaited before adding: `events += await …` would read `events` before the await and lose the
          // other calls' counts.
          const { deliveries } = await service.ingest(ACCOUNT, nextBatch());
          events += deliveries;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const figures = {
      eventsPerSecond: events / seconds,
      bytesPerEvent: (written() - bytesBefore) / events,
      cpuMicrosPerEvent: (cpu.user + cpu.system) / events,
    };
    await store.close();
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

console.log(
  `${fmt(ROWS)} existing rows, ${IN_FLIGHT} × ${BATCH}-event ingest calls in flight for ${SECONDS} s, ${ROUNDS} rounds per variant, load ${loadavg()[0]!.toFixed(1)}`,
);
const results: Record<Variant, Figures[]> = { runs: [], none: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const variant of ['none', 'runs'] as const) {
    const figures = await round(variant);
    results[variant].push(figures);
    console.log(
      `round ${r + 1} ${variant}: ${fmt(figures.eventsPerSecond)} events/s, ${fmt(figures.bytesPerEvent)} bytes and ${figures.cpuMicrosPerEvent.toFixed(1)} µs CPU per event`,
    );
  }
}
const summary = (variant: Variant) => ({
  'events/s': fmt(median(results[variant].map((f) => f.eventsPerSecond))),
  'bytes written per event': fmt(median(results[variant].map((f) => f.bytesPerEvent))),
  'CPU µs per event': median(results[variant].map((f) => f.cpuMicrosPerEvent)).toFixed(1),
});
console.table({ 'none (no person search)': summary('none'), 'runs (as shipped)': summary('runs') });
const ratio = (key: keyof Figures) =>
  (median(results.runs.map((f) => f[key])) / median(results.none.map((f) => f[key]))).toFixed(2);
console.log(
  `runs / none: events/s ${ratio('eventsPerSecond')}×, bytes per event ${ratio('bytesPerEvent')}×, CPU per event ${ratio('cpuMicrosPerEvent')}× (load ${loadavg()[0]!.toFixed(1)} at the end)`,
);
