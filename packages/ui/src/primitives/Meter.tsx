import type { HTMLAttributes } from 'react';
import { cx } from './cx';

/** Props of {@link Meter}. */
export interface MeterProps extends HTMLAttributes<HTMLDivElement> {
  value: number;
  max: number;
  /** Accessible name (or use `aria-labelledby`). */
  'aria-label'?: string;
  /** Read-out, e.g. "3 of 5 used". */
  valueText?: string;
}

/** A bar gauge (`role="meter"`); `data-state` is `ok`, `near` (≥ 80 %) or `full`. */
export function Meter({ value, max, valueText, className, ...rest }: MeterProps) {
  const ratio = max > 0 ? Math.min(1, value / max) : 1;
  const state = value >= max ? 'full' : ratio >= 0.8 ? 'near' : 'ok';
  return (
    // biome-ignore lint/a11y/useSemanticElements: a native <meter> cannot be themed consistently across browsers.
    <div
      role="meter"
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={Math.min(value, max)}
      aria-valuetext={valueText}
      className={cx('swk-meter', className)}
      data-state={state}
      {...rest}
    >
      <div className="swk-meter__bar" style={{ inlineSize: `${ratio * 100}%` }} />
    </div>
  );
}
