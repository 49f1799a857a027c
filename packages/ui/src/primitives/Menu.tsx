import { DropdownMenu } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cx } from './cx';
import { usePortalThemeProps } from './theme';

/** A dropdown menu root (Radix DropdownMenu). */
export const Menu = DropdownMenu.Root;
/** The menu's trigger; use `asChild` with a {@link Button}. */
export const MenuTrigger = DropdownMenu.Trigger;

/** The menu's items, in a themed portal. */
export function MenuContent({ className, ...rest }: ComponentProps<typeof DropdownMenu.Content>) {
  const theme = usePortalThemeProps();
  return (
    <DropdownMenu.Portal>
      <DropdownMenu.Content
        className={cx('swk-theme swk-menu', className)}
        align="end"
        sideOffset={4}
        {...theme}
        {...rest}
      />
    </DropdownMenu.Portal>
  );
}

/** One menu item; `tone="danger"` for destructive actions. */
export function MenuItem({ className, tone, ...rest }: ComponentProps<typeof DropdownMenu.Item> & { tone?: 'danger' }) {
  return <DropdownMenu.Item className={cx('swk-menu__item', className)} data-tone={tone} {...rest} />;
}

/** A divider between groups of items. */
export function MenuSeparator() {
  return <DropdownMenu.Separator className="swk-menu__separator" />;
}
