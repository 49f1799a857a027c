/** The header's account switcher: each account is an isolated customer of the host product. */
import { DropdownMenu } from 'radix-ui';
import { accountName } from '../account';
import { ACCOUNTS } from '../catalog';
import { CheckIcon, ChevronDownIcon } from './icons';

function initials(name: string) {
  return name
    .split(/\s+/)
    .map((word) => word[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

export function AccountSwitcher({ account, onChange }: { account: string; onChange: (account: string) => void }) {
  const name = accountName(account);
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger className="account-trigger" aria-label={`Account: ${name}. Switch account`}>
        <span className="avatar" aria-hidden="true" data-account={account}>
          {initials(name)}
        </span>
        <span className="account-trigger-text">
          <span className="account-trigger-name">{name}</span>
          <span className="account-trigger-id">{account}</span>
        </span>
        <ChevronDownIcon />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align="end" sideOffset={6}>
          <DropdownMenu.Label className="menu-label">Switch account</DropdownMenu.Label>
          <DropdownMenu.RadioGroup value={account} onValueChange={onChange}>
            {ACCOUNTS.map((item) => (
              <DropdownMenu.RadioItem key={item.id} value={item.id} className="menu-item">
                <span className="avatar avatar-sm" aria-hidden="true" data-account={item.id}>
                  {initials(item.name)}
                </span>
                <span className="menu-item-text">
                  {item.name}
                  <small>{item.plan} plan</small>
                </span>
                <DropdownMenu.ItemIndicator className="menu-check">
                  <CheckIcon />
                </DropdownMenu.ItemIndicator>
              </DropdownMenu.RadioItem>
            ))}
          </DropdownMenu.RadioGroup>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
