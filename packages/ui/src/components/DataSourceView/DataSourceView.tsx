import type { Webhook } from '@segment-webhook/core/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ComponentPropsWithoutRef, useRef, useState } from 'react';
import {
  deleteWebhookMutationOptions,
  lifecycleMutationOptions,
  updateWebhookMutationOptions,
  webhookQueryOptions,
} from '../../api/queries';
import {
  Badge,
  Button,
  Callout,
  ChevronDownIcon,
  Menu,
  MenuContent,
  MenuItem,
  MenuSeparator,
  MenuTrigger,
  Tabs,
  TabsContent,
  TabsList,
  TabsTrigger,
  VisuallyHidden,
} from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';
import { DeliveryLogs } from '../DeliveryLogs/DeliveryLogs';
import {
  allowedLifecycleActions,
  LifecycleDialog,
  type LifecycleDialogAction,
} from '../LifecycleDialogs/LifecycleDialogs';
import { WebhookOverview } from '../Overview/Overview';
import { WebhookHistory } from './WebhookHistory';
import { WebhookName } from './WebhookName';
import { WebhookSettings } from './WebhookSettings';

/** A tab of the data source view. */
export type DataSourceViewTab = 'overview' | 'logs' | 'settings';

/** Props of {@link DataSourceView}. */
export interface DataSourceViewProps extends Omit<ComponentPropsWithoutRef<'article'>, 'children'> {
  /** The webhook to administer. */
  webhookId: string;
  /** The open tab (controlled). */
  tab?: DataSourceViewTab;
  /** The initially open tab (uncontrolled). Default: `'overview'`. */
  defaultTab?: DataSourceViewTab;
  /** Called when the user opens another tab. */
  onTabChange?: (tab: DataSourceViewTab) => void;
  /** Called after the webhook was deleted (e.g. to go back to the data sources page). */
  onDeleted?: (webhook: Webhook) => void;
  /** "Now" for the logs' de-duplication warnings (stories and tests pin it). Default: `Date.now()`. */
  now?: number;
}

const STATUS_TONE = { active: 'success', disconnected: 'warning', archived: 'neutral' } as const;

/**
 * The administration page of one Segment webhook: the name (pencil to rename in place), status and
 * health badges (with the reason and **Resume** when it needs attention), an **Actions** menu
 * (Disconnect, Reconnect, Archive, Unarchive, Delete as the state allows, each confirmed in an alert
 * dialog) and the tabs **Overview**, **Logs** and **Settings**. State on the root: `data-status`
 * (`active` | `disconnected` | `archived`), `data-health`, `data-state` (`loading` | `error` |
 * `ready` | `deleted`).
 */
export function DataSourceView({
  webhookId,
  tab,
  defaultTab = 'overview',
  onTabChange,
  onDeleted,
  now,
  className,
  ...rest
}: DataSourceViewProps) {
  const m = useMessages();
  const format = useFormatters();
  const api = useSegmentWebhookApi();
  const queryClient = useQueryClient();
  const [ownTab, setOwnTab] = useState<DataSourceViewTab>(defaultTab);
  const [dialog, setDialog] = useState<LifecycleDialogAction | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [deleted, setDeleted] = useState<Webhook | null>(null);
  /** After a reconnect: whether it backfilled, and how many skipped deliveries it queued. */
  const [reconnected, setReconnected] = useState<{ backfill: boolean; backfilled: number } | null>(null);
  const actionsRef = useRef<HTMLButtonElement>(null);
  const query = useQuery({ ...webhookQueryOptions(api, webhookId), enabled: deleted === null });
  const rename = useMutation(updateWebhookMutationOptions(api, queryClient));
  const lifecycle = useMutation(lifecycleMutationOptions(api, queryClient));
  const resume = useMutation(lifecycleMutationOptions(api, queryClient));
  const remove = useMutation(deleteWebhookMutationOptions(api, queryClient));
  const currentTab = tab ?? ownTab;
  // The Logs tab stays mounted once opened (hidden while another tab shows), so its filters, selection
  // and live tail survive a switch to Overview or Settings and back.
  const [logsOpened, setLogsOpened] = useState(currentTab === 'logs');
  if (currentTab === 'logs' && !logsOpened) setLogsOpened(true);
  const rootClass = ['swk-root swk-view', className].filter(Boolean).join(' ');

  if (deleted) {
    return (
      <article className={rootClass} data-state="deleted" {...rest}>
        <Callout tone="success" role="status">
          {m.viewDeleted(deleted.name)}
        </Callout>
      </article>
    );
  }
  if (query.isPending) {
    return (
      <article className={rootClass} data-state="loading" aria-busy="true" {...rest}>
        <p role="status">{m.viewLoading}</p>
      </article>
    );
  }
  if (query.isError) {
    return (
      <article className={rootClass} data-state="error" {...rest}>
        <Callout tone="danger" role="alert" title={m.viewError}>
          <p>{query.error.message}</p>
          <Button onClick={() => void query.refetch()}>{m.retry}</Button>
        </Callout>
      </article>
    );
  }

  const webhook = query.data;
  const allowed = allowedLifecycleActions(webhook.status);
  const needsAttention = webhook.health.state === 'needs_attention';
  const actionLabel: Record<LifecycleDialogAction, string> = {
    disconnect: m.lifecycleDisconnect,
    reconnect: m.lifecycleReconnect,
    archive: m.lifecycleArchive,
    unarchive: m.lifecycleUnarchive,
    delete: m.lifecycleDelete,
  };

  function openDialog(action: LifecycleDialogAction) {
    // Open after the menu has closed and returned focus to its trigger, so the dialog's focus scope
    // starts from there (and gives focus back to Actions when it closes).
    setTimeout(() => {
      setReconnected(null);
      setDialog(action);
      setDialogOpen(true);
    }, 0);
  }

  async function confirm(action: LifecycleDialogAction, backfill: boolean) {
    if (action === 'delete') {
      await remove.mutateAsync(webhook.id);
      setDeleted(webhook);
      onDeleted?.(webhook);
    } else if (action === 'reconnect') {
      const result = await lifecycle.mutateAsync({ id: webhook.id, action, ...(backfill ? { backfill } : {}) });
      setReconnected({ backfill, backfilled: result.backfilled ?? 0 });
    } else {
      await lifecycle.mutateAsync({ id: webhook.id, action });
    }
  }

  return (
    <article
      className={rootClass}
      data-state="ready"
      data-status={webhook.status}
      data-health={webhook.health.state}
      {...rest}
    >
      <header className="swk-view__header">
        <div className="swk-view__title">
          <WebhookName
            name={webhook.name}
            onRename={(name) => rename.mutateAsync({ id: webhook.id, patch: { name } })}
          />
          <div className="swk-view__badges">
            <Badge tone={STATUS_TONE[webhook.status]} data-status={webhook.status}>
              <VisuallyHidden>{m.viewStatusLabel}: </VisuallyHidden>
              {m.webhookStatus[webhook.status]}
            </Badge>
            <Badge tone={needsAttention ? 'danger' : 'success'} data-state={webhook.health.state}>
              <VisuallyHidden>{m.viewHealthLabel}: </VisuallyHidden>
              {needsAttention ? m.healthNeedsAttention : m.healthHealthy}
            </Badge>
          </div>
          <p className="swk-view__meta">
            <span>{m.viewTrackEvent(webhook.trackEventName)}</span>
            <span>{m.viewRegion(webhook.region === 'eu' ? m.regionEu : m.regionUs)}</span>
            <span>{m.viewWriteKey(webhook.writeKeyHint)}</span>
          </p>
        </div>
        <Menu modal={false}>
          <MenuTrigger asChild>
            <Button ref={actionsRef} className="swk-view__actions">
              {m.viewActions}
              <ChevronDownIcon />
            </Button>
          </MenuTrigger>
          <MenuContent>
            {allowed
              .filter((action) => action !== 'delete')
              .map((action) => (
                <MenuItem
                  key={action}
                  tone={action === 'disconnect' || action === 'archive' ? 'danger' : undefined}
                  onSelect={() => openDialog(action)}
                >
                  {actionLabel[action]}
                </MenuItem>
              ))}
            <MenuSeparator />
            <MenuItem tone="danger" disabled={!allowed.includes('delete')} onSelect={() => openDialog('delete')}>
              {allowed.includes('delete') ? m.lifecycleDelete : m.viewDeleteRequiresArchive}
            </MenuItem>
          </MenuContent>
        </Menu>
      </header>
      {reconnected && webhook.status === 'active' && (
        <Callout tone="success" role="status" className="swk-view__reconnected">
          {reconnected.backfill
            ? m.reconnectBackfilled(format.count(reconnected.backfilled), reconnected.backfilled === 1)
            : m.reconnectDone}
        </Callout>
      )}
      {needsAttention && (
        <Callout tone="danger" className="swk-view__attention" title={m.healthNeedsAttention}>
          {webhook.health.reason && <p>{webhook.health.reason}</p>}
          {webhook.health.since && <p>{m.viewNeedsAttentionSince(format.dateTime(webhook.health.since))}</p>}
          <p>{m.viewResumeHint}</p>
          <Button
            variant="primary"
            disabled={resume.isPending}
            loading={resume.isPending}
            onClick={() => resume.mutate({ id: webhook.id, action: 'resume' })}
          >
            {resume.isPending ? m.viewResuming : m.viewResume}
          </Button>
          {resume.isError && (
            <p className="swk-field__error" role="alert">
              {m.viewResumeFailed} {resume.error.message}
            </p>
          )}
        </Callout>
      )}
      <Tabs
        value={currentTab}
        onValueChange={(value) => {
          const next = value as DataSourceViewTab;
          if (tab === undefined) setOwnTab(next);
          onTabChange?.(next);
        }}
      >
        <TabsList aria-label={m.viewTabsLabel}>
          <TabsTrigger value="overview">{m.viewTabOverview}</TabsTrigger>
          <TabsTrigger value="logs">{m.viewTabLogs}</TabsTrigger>
          <TabsTrigger value="settings">{m.viewTabSettings}</TabsTrigger>
        </TabsList>
        <TabsContent value="overview">
          <WebhookOverview webhookId={webhook.id} />
        </TabsContent>
        <TabsContent value="logs" forceMount={logsOpened || undefined} hidden={currentTab !== 'logs'}>
          <DeliveryLogs webhookId={webhook.id} now={now} />
        </TabsContent>
        <TabsContent value="settings">
          <WebhookSettings webhook={webhook} />
          <WebhookHistory webhookId={webhook.id} />
        </TabsContent>
      </Tabs>
      <LifecycleDialog
        action={dialog}
        webhookName={webhook.name}
        skippedSinceDisconnect={webhook.skippedSinceDisconnect}
        open={dialogOpen}
        onOpenChange={setDialogOpen}
        onCloseAutoFocus={(event) => {
          // The dialog was opened from a menu item, which is gone: back to the Actions button.
          event.preventDefault();
          actionsRef.current?.focus();
        }}
        onConfirm={({ backfill }) => confirm(dialog!, backfill)}
      />
    </article>
  );
}
