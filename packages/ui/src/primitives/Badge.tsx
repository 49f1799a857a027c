import type { HTMLAttributes } from 'react';
import { cx } from './cx';

/** Colour of a {@link Badge}. */
export type BadgeTone = 'neutral' | 'success' | 'warning' | 'danger' | 'info';

/** Props of {@link Badge}. */
export interface BadgeProps extends HTMLAttributes<HTMLSpanElement> {
  /** Default: `'neutral'`. */
  tone?: BadgeTone;
}

/** A small status label; the tone is exposed as `data-tone`. */
export function Badge({ tone = 'neutral', className, ...rest }: BadgeProps) {
  return <span className={cx('swk-badge', className)} data-tone={tone} {...rest} />;
}
