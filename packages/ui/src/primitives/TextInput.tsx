import type { InputHTMLAttributes, Ref } from 'react';
import { cx } from './cx';

/** Props of {@link TextInput}. */
export interface TextInputProps extends InputHTMLAttributes<HTMLInputElement> {
  ref?: Ref<HTMLInputElement>;
}

/** A styled native text input (works with react-hook-form's `register`). */
export function TextInput({ className, type = 'text', ...rest }: TextInputProps) {
  return <input type={type} className={cx('swk-input', className)} {...rest} />;
}
