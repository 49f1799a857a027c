import { type ReactNode, useId } from 'react';
import { cx } from './cx';

/** Accessibility props a {@link Field} hands to its control. */
export interface FieldControlProps {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

/** Props of {@link Field}. */
export interface FieldProps {
  /** The visible label. */
  label: ReactNode;
  /** Help text under the label. */
  hint?: ReactNode;
  /** Validation message; marks the control invalid. */
  error?: string | undefined;
  /** Control id. Default: generated. */
  id?: string;
  className?: string;
  /** Renders the control with the id and aria props. */
  children: (control: FieldControlProps) => ReactNode;
}

/**
 * A labelled control with its hint and error beside it: the control gets `aria-invalid` and
 * `aria-describedby` pointing at both (STYLE §9).
 */
export function Field({ label, hint, error, id, className, children }: FieldProps) {
  const generated = useId();
  const controlId = id ?? `swk-${generated}`;
  const hintId = hint ? `${controlId}-hint` : undefined;
  const errorId = error ? `${controlId}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={cx('swk-field', className)} data-invalid={error ? '' : undefined}>
      <label className="swk-field__label" htmlFor={controlId}>
        {label}
      </label>
      {hint ? (
        <p className="swk-field__hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      {children({ id: controlId, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error ? <FieldError id={errorId!}>{error}</FieldError> : null}
    </div>
  );
}

/** A validation message, referenced by the control's `aria-describedby`. */
export function FieldError({ id, children }: { id: string; children: ReactNode }) {
  return (
    <p className="swk-field__error" id={id}>
      {children}
    </p>
  );
}
