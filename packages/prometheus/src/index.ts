/**
 * `@segment-webhook/prometheus`: the kit's metrics in Prometheus' text format, through prom-client. A
 * package of its own so that prom-client (Node-only) stays out of `@segment-webhook/core`'s browser-safe
 * entries and of the UI bundle, and out of hosts that do not use it; core only calls the plain
 * `MetricsRecorder` interface this package implements.
 *
 * ```ts
 * const metrics = createPrometheusMetrics({ store }); // prom-client's default registry, or `registry`
 * const kit = createSegmentWebhooks({ store, metrics, ... });
 * app.get('/metrics', (c) => metrics.handler(c.req.raw));
 * ```
 */
export {
  BATCH_SIZE_BUCKETS,
  createPrometheusMetrics,
  type PrometheusMetrics,
  type PrometheusMetricsOptions,
  SEGMENT_REQUEST_DURATION_BUCKETS,
  SERIES,
} from './metrics';
