import { cx } from './cx';

/** A decorative spinner (hidden from assistive tech; pair it with text or `aria-busy`). */
export function Spinner({ className }: { className?: string }) {
  return <span className={cx('swk-spinner', className)} aria-hidden="true" />;
}
