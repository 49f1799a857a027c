import type {
  DeliveryOutcomeLabel,
  MetricsRecorder,
  QueueStats,
  SegmentRequestObservation,
  Store,
} from '@segment-webhook/core';
import { Counter, register as defaultRegistry, Gauge, Histogram, type Registry } from 'prom-client';

/** The series, by name (the table; docs/operations.md and docs/grafana-dashboard.json use them). */
export const SERIES = {
  ingestedEvents: 'segment_webhook_ingested_events_total',
  deliveries: 'segment_webhook_deliveries_total',
  queueDepth: 'segment_webhook_queue_depth',
  oldestDue: 'segment_webhook_oldest_due_seconds',
  segmentRequestDuration: 'segment_webhook_segment_request_duration_seconds',
  batchSize: 'segment_webhook_batch_size',
  webhooksNeedingAttention: 'segment_webhook_webhooks_needing_attention',
} as const;

/** Buckets of the Segment request duration, in seconds: 10 ms … 10 s (the client's default timeout). */
export const SEGMENT_REQUEST_DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets of the events per request: 1 … 2,500 (Segment's most per batch). */
export const BATCH_SIZE_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** The store the queue gauges are read from, at scrape time (`Store.queueStats`). */
  store: Pick<Store, 'queueStats'>;
  /** The registry the series are registered in. Default prom-client's default registry (`register`). */
  registry?: Registry | undefined;
  /**
   * Adds `account_id` to `segment_webhook_ingested_events_total` and `account_id` and `webhook_id` to
   * `segment_webhook_deliveries_total`. Off by default: one series per webhook is only affordable for hosts
   * with few of them. The other series never carry ids.
   */
  includeIds?: boolean | undefined;
  /** The clock of `oldest_due_seconds`, in ms since the epoch. Default `Date.now`. */
  now?: (() => number) | undefined;
}

/** The kit's metrics: a `MetricsRecorder` for the service and the worker, and the scrape handler. */
export interface PrometheusMetrics extends MetricsRecorder {
  /** The registry the series are in. */
  readonly registry: Registry;
  /** `GET /metrics`: the registry in Prometheus' text format (HEAD: no body). A fetch handler. */
  handler(request?: Request): Promise<Response>;
}

interface Instruments {
  ingested: Counter<string>;
  deliveries: Counter<string>;
  duration: Histogram<string>;
  batchSize: Histogram<string>;
  /** The store the gauges read, and the clock; the latest `createPrometheusMetrics` call's. */
  source: { store: Pick<Store, 'queueStats'>; now: () => number };
  includeIds: boolean;
}

/** One set of series per registry: counters are process-wide, whatever creates them again (tests, reloads). */
const perRegistry = new WeakMap<Registry, Instruments>();

/**
 * The kit's series in `registry`:
 *
 * | series | type | labels |
 * |---|---|---|
 * | `segment_webhook_ingested_events_total` | counter | |
 * | `segment_webhook_deliveries_total` | counter | `outcome`: `delivered`, `retried`, `failed` |
 * | `segment_webhook_queue_depth` | gauge, read from the store at scrape time | `status`: `pending`, `retrying`, `held` |
 * | `segment_webhook_oldest_due_seconds` | gauge: age of the oldest delivery owed to Segment (not held) | |
 * | `segment_webhook_segment_request_duration_seconds` | histogram | `region`, `status_class` (`2xx`, `4xx`, `5xx`, `network`) |
 * | `segment_webhook_batch_size` | histogram: events per request | |
 * | `segment_webhook_webhooks_needing_attention` | gauge | |
 *
 * Counters and histograms are this process's (sum them over processes); the gauges are the store's, the
 * same in every process. A scrape reads the store once (`Store.queueStats`: running counts and index
 * entries, never the history); while the store cannot answer, `queue_depth` is left out of the scrape and the
 * two gauges without labels are `NaN` (unknown, not 0).
 * Created twice on one registry, the series are shared (the gauges then read the latest call's store).
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const registry = options.registry ?? defaultRegistry;
  const source = { store: options.store, now: options.now ?? Date.now };
  let instruments = perRegistry.get(registry);
  if (instruments) {
    instruments.source.store = source.store;
    instruments.source.now = source.now;
  } else {
    instruments = createInstruments(registry, source, options.includeIds ?? false);
    perRegistry.set(registry, instruments);
  }
  const { ingested, deliveries, duration, batchSize, includeIds } = instruments;

  return {
    registry,
    eventsIngested(accountId, count) {
      if (includeIds) ingested.inc({ account_id: accountId }, count);
      else ingested.inc(count);
    },
    deliveriesCompleted(outcome: DeliveryOutcomeLabel, accountId, webhookId, count) {
      deliveries.inc(includeIds ? { outcome, account_id: accountId, webhook_id: webhookId } : { outcome }, count);
    },
    segmentRequest(request: SegmentRequestObservation) {
      duration.observe({ region: request.region, status_class: request.statusClass }, request.durationSeconds);
      batchSize.observe(request.messages);
    },
    async handler(request) {
      const text = await registry.metrics();
      const head = request?.method.toUpperCase() === 'HEAD';
      return new Response(head ? null : text, {
        status: 200,
        headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
      });
    },
  };
}

function createInstruments(registry: Registry, source: Instruments['source'], includeIds: boolean): Instruments {
  const registers = [registry];
  const ingested = new Counter({
    name: SERIES.ingestedEvents,
    help: 'Events accepted by ingest (and Send to webhook) and committed to the outbox, by this process.',
    labelNames: includeIds ? ['account_id'] : [],
    registers,
  });
  const deliveries = new Counter({
    name: SERIES.deliveries,
    help: 'Delivery attempts recorded by this process: delivered, retried (scheduled again) or failed for good.',
    labelNames: includeIds ? ['outcome', 'account_id', 'webhook_id'] : ['outcome'],
    registers,
  });
  if (!includeIds) {
    // Every outcome from the start, at 0: `rate()` and alerts see the series before the first failure.
    for (const outcome of ['delivered', 'retried', 'failed']) deliveries.inc({ outcome }, 0);
  }
  const duration = new Histogram({
    name: SERIES.segmentRequestDuration,
    help: 'HTTP requests to Segment made by this process, from sending to reading the answer.',
    labelNames: ['region', 'status_class'],
    buckets: SEGMENT_REQUEST_DURATION_BUCKETS,
    registers,
  });
  const batchSize = new Histogram({
    name: SERIES.batchSize,
    help: 'Events per HTTP request to Segment.',
    buckets: BATCH_SIZE_BUCKETS,
    registers,
  });

  // The gauges: one read of the store per scrape, shared by the three. prom-client starts every collect in one
  // synchronous loop, so the read is forgotten on the next microtask: the next scrape reads again.
  let reading: Promise<QueueStats | null> | null = null;
  const read = (): Promise<QueueStats | null> => {
    if (!reading) {
      reading = source.store.queueStats().catch(() => null);
      queueMicrotask(() => {
        reading = null;
      });
    }
    return reading;
  };
  const queueDepth: Gauge<string> = new Gauge({
    name: SERIES.queueDepth,
    help: 'Unfinished deliveries, read from the store at scrape time: pending (never attempted), retrying, held (by a disconnected webhook or one that needs attention).',
    labelNames: ['status'],
    registers,
    async collect() {
      const stats = await read();
      queueDepth.reset();
      if (!stats) return;
      queueDepth.set({ status: 'pending' }, stats.pending);
      queueDepth.set({ status: 'retrying' }, stats.retrying);
      queueDepth.set({ status: 'held' }, stats.held);
    },
  });
  const oldestDue: Gauge<string> = new Gauge({
    name: SERIES.oldestDue,
    help: 'Age of the oldest delivery the kit still owes Segment (pending or retrying, not held), from the start of its delivery cycle; 0 when none.',
    registers,
    async collect() {
      const stats = await read();
      // Unknown while the store cannot answer: NaN (a gauge without labels is always in the scrape).
      if (!stats) {
        oldestDue.set(Number.NaN);
        return;
      }
      const oldest = stats.oldestUnfinishedAt;
      oldestDue.set(oldest === null ? 0 : Math.max(0, source.now() - oldest) / 1000);
    },
  });
  const needingAttention: Gauge<string> = new Gauge({
    name: SERIES.webhooksNeedingAttention,
    help: 'Webhooks that need attention (Segment refused their batches; their deliveries are held until resumed or edited), archived ones aside.',
    registers,
    async collect() {
      const stats = await read();
      if (!stats) {
        needingAttention.set(Number.NaN);
        return;
      }
      needingAttention.set(stats.webhooksNeedingAttention);
    },
  });
  return { ingested, deliveries, duration, batchSize, source, includeIds };
}
