/**
 * The header's notifications bell: what the kit's alert hooks reported for this account (a webhook needs
 * attention or is healthy again, deliveries failed), newest first, each linking to its webhook. The count
 * of unread ones is on the bell; opening the list marks them read (remembered per account in this browser).
 */
import { useQuery } from '@tanstack/react-query';
import { Popover } from 'radix-ui';
import { useState } from 'react';
import { DEMO_API } from '../config';
import { dataSourcePath, linkHandler } from '../router';
import { BellIcon } from './icons';

/** One notification of `GET /api/demo/notifications` (see server/notifications.ts). */
interface DemoNotification {
  id: number;
  kind: 'needs_attention' | 'healthy' | 'deliveries_failed';
  webhookId: string;
  webhookName: string;
  title: string;
  detail: string;
  at: string;
}

const seenKey = (account: string) => `relay.notifications.seen.${account}`;

async function fetchNotifications(account: string): Promise<DemoNotification[]> {
  const response = await fetch(`${DEMO_API}/notifications`, { headers: { 'x-account-id': account } });
  if (!response.ok) throw new Error(`Notifications: HTTP ${response.status}`);
  return ((await response.json()) as { items: DemoNotification[] }).items;
}

const KIND_LABEL: Record<DemoNotification['kind'], string> = {
  needs_attention: 'Needs attention',
  healthy: 'Healthy again',
  deliveries_failed: 'Deliveries failed',
};

export function Notifications({ account }: { account: string }) {
  const [open, setOpen] = useState(false);
  const [seen, setSeen] = useState(() => Number(window.localStorage.getItem(seenKey(account)) ?? 0));
  const { data: items = [], error } = useQuery({
    queryKey: ['demo-notifications', account],
    queryFn: () => fetchNotifications(account),
    refetchInterval: 2000,
  });
  const unread = items.filter((item) => item.id > seen).length;

  function markRead() {
    const latest = items[0]?.id ?? seen;
    window.localStorage.setItem(seenKey(account), String(latest));
    setSeen(latest);
  }

  return (
    <Popover.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) markRead();
      }}
    >
      <Popover.Trigger
        className="button button-secondary notifications-trigger"
        aria-label={unread > 0 ? `Notifications, ${unread} unread` : 'Notifications'}
        data-unread={unread}
      >
        <BellIcon width={16} height={16} />
        {unread > 0 && (
          <span className="notifications-badge" aria-hidden="true">
            {unread > 9 ? '9+' : unread}
          </span>
        )}
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content className="popover notifications" align="end" sideOffset={6} aria-label="Notifications">
          <h2 className="popover-title">Notifications</h2>
          {error ? (
            <p className="popover-error" role="alert">
              {error instanceof Error ? error.message : String(error)}
            </p>
          ) : items.length === 0 ? (
            <p className="muted">Nothing to report: your Segment webhooks are delivering.</p>
          ) : (
            <ul className="notifications-list">
              {items.map((item) => (
                <li key={item.id} className="notification" data-kind={item.kind}>
                  <a
                    href={dataSourcePath(item.webhookId)}
                    onClick={(event) => {
                      linkHandler(dataSourcePath(item.webhookId))(event);
                      setOpen(false);
                    }}
                  >
                    <span className="notification-kind">{KIND_LABEL[item.kind]}</span>
                    <span className="notification-title">{item.title}</span>
                    {item.detail && <span className="notification-detail">{item.detail}</span>}
                    <time className="notification-time" dateTime={item.at}>
                      {new Date(item.at).toLocaleString()}
                    </time>
                  </a>
                </li>
              ))}
            </ul>
          )}
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
