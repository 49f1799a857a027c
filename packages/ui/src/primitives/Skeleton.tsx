import { cx } from './cx';

/** A loading placeholder bar (decorative; announce loading with text or `aria-busy`). */
export function Skeleton({ className, width }: { className?: string; width?: string }) {
  return (
    <span
      className={cx('swk-skeleton', className)}
      style={width ? { inlineSize: width } : undefined}
      aria-hidden="true"
    />
  );
}
