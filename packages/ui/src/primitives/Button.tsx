import type { ButtonHTMLAttributes } from 'react';
import { cx } from './cx';
import { Spinner } from './Spinner';

/** Props of {@link Button}. */
export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** Visual weight. Default: `'secondary'`. */
  variant?: 'primary' | 'secondary' | 'ghost' | 'danger';
  /** Default: `'md'`. */
  size?: 'sm' | 'md';
  /** Shows a spinner and sets `aria-busy`; does not disable by itself. Default: false. */
  loading?: boolean;
  /** Icon-only button: square, needs `aria-label`. Default: false. */
  iconOnly?: boolean;
  ref?: React.Ref<HTMLButtonElement>;
}

/** The kit's button. `type` defaults to `"button"` so it never submits a host form by accident. */
export function Button({
  variant = 'secondary',
  size = 'md',
  loading = false,
  iconOnly = false,
  className,
  type = 'button',
  children,
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      className={cx('swk-button', iconOnly && 'swk-button--icon', className)}
      data-variant={variant}
      data-size={size}
      data-loading={loading || undefined}
      aria-busy={loading || undefined}
      {...rest}
    >
      {loading ? <Spinner /> : null}
      {children}
    </button>
  );
}
