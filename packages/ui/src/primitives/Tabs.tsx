import { Tabs as RadixTabs } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cx } from './cx';

/** Tabs root (Radix Tabs): arrow keys move between tabs, content is linked to its tab. */
export function Tabs({ className, ...rest }: ComponentProps<typeof RadixTabs.Root>) {
  return <RadixTabs.Root className={cx('swk-tabs', className)} {...rest} />;
}
/** The row of tabs; give it an `aria-label`. */
export function TabsList({ className, ...rest }: ComponentProps<typeof RadixTabs.List>) {
  return <RadixTabs.List className={cx('swk-tabs__list', className)} {...rest} />;
}
/** One tab. */
export function TabsTrigger({ className, ...rest }: ComponentProps<typeof RadixTabs.Trigger>) {
  return <RadixTabs.Trigger className={cx('swk-tabs__trigger', className)} {...rest} />;
}
/** The panel of one tab. */
export function TabsContent({ className, ...rest }: ComponentProps<typeof RadixTabs.Content>) {
  return <RadixTabs.Content className={cx('swk-tabs__content', className)} {...rest} />;
}
