import type { HTMLAttributes } from 'react';
import { cx } from './cx';

/** Props of {@link CodeBlock}. */
export interface CodeBlockProps extends HTMLAttributes<HTMLElement> {
  /** The code (JSON is pretty-printed by the caller). */
  code: string;
  /** Accessible name of the scrollable region, e.g. "Payload sent". */
  label: string;
}

/** A scrollable, keyboard-focusable, named code region (axe: scrollable regions must be focusable). */
export function CodeBlock({ code, label, className, ...rest }: CodeBlockProps) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard.
    <section className={cx('swk-code', className)} tabIndex={0} aria-label={label} {...rest}>
      <pre className="swk-code__pre">
        <code>{code}</code>
      </pre>
    </section>
  );
}
