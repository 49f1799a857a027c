import type { HTMLAttributes, ReactNode } from 'react';
import { cx } from './cx';

/** Props of {@link Callout}. */
export interface CalloutProps extends Omit<HTMLAttributes<HTMLDivElement>, 'title'> {
  /** Default: `'info'`. */
  tone?: 'info' | 'success' | 'warning' | 'danger';
  /** Optional heading line. */
  title?: ReactNode;
}

/**
 * A message box. Pass `role="alert"` for errors that appear after an action, `role="status"` for
 * results; none for static notes.
 */
export function Callout({ tone = 'info', title, className, children, ...rest }: CalloutProps) {
  return (
    <div className={cx('swk-callout', className)} data-tone={tone} {...rest}>
      {title ? <p className="swk-callout__title">{title}</p> : null}
      {children ? <div className="swk-callout__body">{children}</div> : null}
    </div>
  );
}
