import type { Overview, OverviewRange } from '@segment-webhook/core/contract';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { ToggleGroup } from 'radix-ui';
import { type ComponentPropsWithoutRef, useId, useState } from 'react';
import { overviewQueryOptions } from '../../api/queries';
import { Button, Callout } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';
import { DEFAULT_COVERAGE_THRESHOLD, FieldCoveragePanel } from './FieldCoverage';
import { OverviewChart } from './OverviewChart';

const RANGES: OverviewRange[] = ['24h', '7d', '30d'];

/** Props of {@link OverviewPanel}. */
export interface OverviewPanelProps extends Omit<ComponentPropsWithoutRef<'section'>, 'children'> {
  /** The overview to show; `undefined` while loading. */
  overview: Overview | undefined;
  /** The selected range. */
  range: OverviewRange;
  /** Called when the user picks another range. */
  onRangeChange: (range: OverviewRange) => void;
  /** True while the first overview loads. Default: false. */
  isLoading?: boolean;
  /** An error to show instead of the figures. Default: none. */
  error?: Error | null;
  /** Shown with the error as a **Try again** button when given. */
  onRetry?: () => void;
  /** Field coverage: warn about a field with a value in less than this share of events. Default 0.8. */
  coverageThreshold?: number;
}

/**
 * The **Overview** tab, presentational: counts, success rate, a chart of delivered and failed over
 * the range (24h, 7d, 30d), lag p50/p95 and the last delivery. State on the root: `data-state`
 * (`loading` | `error` | `ready`) and `data-range`.
 */
export function OverviewPanel({
  overview,
  range,
  onRangeChange,
  isLoading = false,
  error = null,
  onRetry,
  coverageThreshold = DEFAULT_COVERAGE_THRESHOLD,
  className,
  ...rest
}: OverviewPanelProps) {
  const m = useMessages();
  const format = useFormatters();
  const headingId = useId();
  const state = error ? 'error' : isLoading || !overview ? 'loading' : 'ready';
  return (
    <section
      className={['swk-root swk-overview', className].filter(Boolean).join(' ')}
      aria-labelledby={headingId}
      data-state={state}
      data-range={range}
      aria-busy={state === 'loading' || undefined}
      {...rest}
    >
      <div className="swk-overview__header">
        <h2 id={headingId} className="swk-overview__title">
          {m.overviewTitle}
        </h2>
        <ToggleGroup.Root
          type="single"
          className="swk-segmented"
          aria-label={m.overviewRangeLabel}
          value={range}
          onValueChange={(value) => {
            // Radix reports '' when the pressed item is clicked again; a range is always selected.
            if (value) onRangeChange(value as OverviewRange);
          }}
        >
          {RANGES.map((option) => (
            <ToggleGroup.Item
              key={option}
              value={option}
              className="swk-segmented__item"
              aria-label={m.overviewRangeLong[option]}
            >
              {m.overviewRange[option]}
            </ToggleGroup.Item>
          ))}
        </ToggleGroup.Root>
      </div>
      {state === 'error' ? (
        <Callout tone="danger" role="alert" title={m.overviewError}>
          <p>{error?.message}</p>
          {onRetry && <Button onClick={onRetry}>{m.retry}</Button>}
        </Callout>
      ) : state === 'loading' || !overview ? (
        <p className="swk-overview__loading" role="status">
          {m.overviewLoading}
        </p>
      ) : (
        <>
          <dl className="swk-stats">
            <Stat label={m.overviewDelivered} value={format.count(overview.counts.delivered)} tone="success" />
            <Stat label={m.overviewFailed} value={format.count(overview.counts.failed)} tone="danger" />
            <Stat label={m.overviewPending} value={format.count(overview.counts.pending)} />
            <Stat label={m.overviewRetrying} value={format.count(overview.counts.retrying)} />
            <Stat
              label={m.overviewHeld}
              value={format.count(overview.counts.held)}
              tone={overview.counts.held > 0 ? 'warning' : undefined}
            />
            {overview.counts.skipped > 0 && (
              <Stat label={m.overviewSkipped} value={format.count(overview.counts.skipped)} tone="warning" />
            )}
            <Stat label={m.overviewSuccessRate} value={format.percent(overview.successRate)} />
            <Stat label={m.overviewLagP50} value={format.duration(overview.lagMs.p50)} />
            <Stat label={m.overviewLagP95} value={format.duration(overview.lagMs.p95)} />
            <Stat label={m.overviewLastDelivery} value={format.dateTime(overview.lastDeliveredAt)} wide />
          </dl>
          <OverviewChart series={overview.series} range={overview.range} />
          <FieldCoveragePanel
            coverage={overview.fieldCoverage}
            sampled={overview.fieldCoverageSampled}
            threshold={coverageThreshold}
          />
        </>
      )}
    </section>
  );
}

function Stat({
  label,
  value,
  tone,
  wide = false,
}: {
  label: string;
  value: string;
  tone?: 'success' | 'danger' | 'warning' | undefined;
  wide?: boolean;
}) {
  return (
    <div className="swk-stat" data-tone={tone} data-wide={wide ? '' : undefined}>
      <dt className="swk-stat__label">{label}</dt>
      <dd className="swk-stat__value">{value}</dd>
    </div>
  );
}

/** Props of {@link WebhookOverview}. */
export interface WebhookOverviewProps
  extends Omit<OverviewPanelProps, 'overview' | 'range' | 'onRangeChange' | 'isLoading' | 'error' | 'onRetry'> {
  /** The webhook whose overview to show. */
  webhookId: string;
  /** Initially selected range. Default: `24h`. */
  defaultRange?: OverviewRange;
}

/** The **Overview** tab wired to `GET /webhooks/:id/overview?range=` through the provider's API. */
export function WebhookOverview({ webhookId, defaultRange = '24h', ...rest }: WebhookOverviewProps) {
  const api = useSegmentWebhookApi();
  const [range, setRange] = useState<OverviewRange>(defaultRange);
  const query = useQuery({ ...overviewQueryOptions(api, webhookId, range), placeholderData: keepPreviousData });
  return (
    <OverviewPanel
      overview={query.data}
      range={range}
      onRangeChange={setRange}
      isLoading={query.isPending}
      error={query.isError ? query.error : null}
      onRetry={() => void query.refetch()}
      {...rest}
    />
  );
}
