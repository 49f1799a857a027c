import type { FieldCoverage as FieldCoverageItem } from '@segment-webhook/core/contract';
import { type ComponentPropsWithoutRef, useId } from 'react';
import { Callout, Meter } from '../../primitives';
import { useMessages } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';

/** Below this share of events with a value, a field gets a warning (80 %). */
export const DEFAULT_COVERAGE_THRESHOLD = 0.8;

/** The fields whose share of events with a value is under `threshold` (fields seen in no event are left out). */
export function lowCoverage(
  coverage: readonly FieldCoverageItem[],
  threshold = DEFAULT_COVERAGE_THRESHOLD,
): FieldCoverageItem[] {
  return coverage.filter((item) => item.total > 0 && item.present / item.total < threshold);
}

/** Props of {@link FieldCoveragePanel}. */
export interface FieldCoveragePanelProps extends Omit<ComponentPropsWithoutRef<'section'>, 'children'> {
  /** The overview's `fieldCoverage`: per configured field, in how many events it had a value. */
  coverage: readonly FieldCoverageItem[];
  /** The overview's `fieldCoverageSampled`: the figures are over the latest events of the range only. */
  sampled?: boolean;
  /** Warn about a field with a value in less than this share of events. Default 0.8. */
  threshold?: number;
}

/**
 * **Field coverage**: for each configured field, the share of the range's events in which it had a value, as a
 * meter, and a warning for each field under the threshold ("email was empty in 62% of events: …"). Says when
 * the figures come from a sample. Renders nothing without fields.
 */
export function FieldCoveragePanel({
  coverage,
  sampled = false,
  threshold = DEFAULT_COVERAGE_THRESHOLD,
  className,
  ...rest
}: FieldCoveragePanelProps) {
  const m = useMessages();
  const format = useFormatters();
  const headingId = useId();
  if (coverage.length === 0) return null;
  const low = new Set(lowCoverage(coverage, threshold).map((item) => item.key));
  return (
    <section
      className={['swk-coverage', className].filter(Boolean).join(' ')}
      aria-labelledby={headingId}
      data-sampled={sampled ? '' : undefined}
      {...rest}
    >
      <h3 id={headingId} className="swk-coverage__title">
        {m.coverageTitle}
      </h3>
      <p className="swk-field__hint">
        {m.coverageIntro} {sampled && m.coverageSampled}
      </p>
      <ul className="swk-coverage__list">
        {coverage.map((item) => {
          const ratio = item.total > 0 ? item.present / item.total : null;
          const text =
            ratio === null
              ? m.coverageEmpty
              : m.coverageValue(format.percent(ratio), format.count(item.present), format.count(item.total));
          return (
            <li
              key={item.key}
              className="swk-coverage__item"
              data-key={item.key}
              data-low={low.has(item.key) ? '' : undefined}
            >
              <div className="swk-coverage__row">
                <span className="swk-coverage__key">{item.key}</span>
                <span>{text}</span>
              </div>
              <Meter
                value={item.present}
                max={Math.max(item.total, 1)}
                aria-label={m.coverageFieldLabel(item.key)}
                valueText={text}
              />
            </li>
          );
        })}
      </ul>
      {coverage
        .filter((item) => low.has(item.key))
        .map((item) => (
          <Callout key={item.key} tone="warning" className="swk-coverage__warning" data-key={item.key}>
            {m.coverageWarning(item.key, format.percent(1 - item.present / item.total))}
          </Callout>
        ))}
    </section>
  );
}
