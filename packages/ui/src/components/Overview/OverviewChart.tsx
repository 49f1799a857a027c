import type { Overview, OverviewRange } from '@segment-webhook/core/contract';
import { type ComponentPropsWithoutRef, useId } from 'react';
import { useMessages } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';

/** Props of {@link OverviewChart}. */
export interface OverviewChartProps extends Omit<ComponentPropsWithoutRef<'figure'>, 'children'> {
  /** Buckets of the overview (hourly for `24h`, daily for `7d` and `30d`). */
  series: Overview['series'];
  /** The range the series covers; decides the axis labels. */
  range: OverviewRange;
  /** Accessible title of the chart. Default: the `overviewChartTitle` message. */
  title?: string;
}

const WIDTH = 960;
const HEIGHT = 240;
const PAD = { top: 12, right: 8, bottom: 26, left: 48 };

/** Rounds a maximum up to a "nice" axis value (2, 5, 10 × 10ⁿ; at least 2 so that the mid line is whole). */
function niceMax(value: number): number {
  if (value <= 2) return 2;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

/**
 * Stacked bar chart (plain SVG) of delivered and failed deliveries per bucket, with a legend and a
 * visually hidden data table for screen readers. State: `data-empty` when every bucket is zero.
 */
export function OverviewChart({ series, range, title, className, ...rest }: OverviewChartProps) {
  const m = useMessages();
  const format = useFormatters();
  const id = useId();
  const chartTitle = title ?? m.overviewChartTitle;
  const hourly = range === '24h';
  const totals = series.reduce(
    (sum, bucket) => ({ delivered: sum.delivered + bucket.delivered, failed: sum.failed + bucket.failed }),
    { delivered: 0, failed: 0 },
  );
  const max = niceMax(Math.max(0, ...series.map((b) => b.delivered + b.failed)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = series.length > 0 ? plotWidth / series.length : plotWidth;
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  // Label at most ~8 buckets so the axis stays readable at 24 hourly or 30 daily buckets.
  const labelEvery = Math.max(1, Math.ceil(series.length / 8));
  const empty = totals.delivered + totals.failed === 0;

  return (
    <figure
      className={['swk-chart', className].filter(Boolean).join(' ')}
      data-range={range}
      data-empty={empty ? '' : undefined}
      {...rest}
    >
      <svg
        className="swk-chart__svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{chartTitle}</title>
        <desc id={`${id}-desc`}>
          {m.overviewChartSummary(format.count(totals.delivered), format.count(totals.failed), series.length, hourly)}
        </desc>
        {[0, 0.5, 1].map((fraction) => (
          <g key={fraction} className="swk-chart__grid">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(max * fraction)} y2={y(max * fraction)} />
            <text x={PAD.left - 6} y={y(max * fraction)} dy="0.32em" textAnchor="end">
              {format.count(Math.round(max * fraction))}
            </text>
          </g>
        ))}
        {series.map((bucket, index) => {
          const x = PAD.left + index * slot + (slot - barWidth) / 2;
          const deliveredTop = y(bucket.delivered);
          const failedTop = y(bucket.delivered + bucket.failed);
          return (
            <g key={bucket.start} data-bucket={bucket.start}>
              {bucket.delivered > 0 && (
                <rect
                  className="swk-chart__bar"
                  data-series="delivered"
                  x={x}
                  y={deliveredTop}
                  width={barWidth}
                  height={y(0) - deliveredTop}
                />
              )}
              {bucket.failed > 0 && (
                <rect
                  className="swk-chart__bar"
                  data-series="failed"
                  x={x}
                  y={failedTop}
                  width={barWidth}
                  height={deliveredTop - failedTop}
                />
              )}
              {index % labelEvery === 0 && (
                <text className="swk-chart__label" x={x + barWidth / 2} y={HEIGHT - 8} textAnchor="middle">
                  {format.bucket(bucket.start, hourly)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="swk-chart__legend">
        <span className="swk-chart__key" data-series="delivered">
          {m.overviewDelivered}
        </span>
        <span className="swk-chart__key" data-series="failed">
          {m.overviewFailed}
        </span>
      </figcaption>
      <table className="swk-sr-only">
        <caption>{chartTitle}</caption>
        <thead>
          <tr>
            <th scope="col">{hourly ? m.overviewHour : m.overviewDay}</th>
            <th scope="col">{m.overviewDelivered}</th>
            <th scope="col">{m.overviewFailed}</th>
          </tr>
        </thead>
        <tbody>
          {series.map((bucket) => (
            <tr key={bucket.start}>
              <th scope="row">{format.bucket(bucket.start, hourly)}</th>
              <td>{bucket.delivered}</td>
              <td>{bucket.failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
