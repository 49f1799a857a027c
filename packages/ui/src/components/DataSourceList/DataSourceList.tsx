import type { Webhook, WebhookStatus } from '@segment-webhook/core/contract';
import { useQuery } from '@tanstack/react-query';
import { type HTMLAttributes, type ReactNode, useId } from 'react';
import { webhooksQueryOptions } from '../../api/queries';
import { AlertIcon, Badge, type BadgeTone, Button, Callout, cx, PlusIcon, Skeleton } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider/SegmentWebhookProvider';

/** Props of {@link DataSourceList}. */
export interface DataSourceListProps extends Omit<HTMLAttributes<HTMLElement>, 'onSelect' | 'title'> {
  /** Called by **New data source**; the button is hidden without it. */
  onNew?: () => void;
  /** Called when a webhook is chosen; rows are plain text without it. */
  onSelect?: (webhook: Webhook) => void;
  /** Only webhooks of this status. Default: all. */
  status?: WebhookStatus;
  /** Heading. Default: the "Segment webhooks" message; `null` hides it. */
  title?: ReactNode;
  /** Id of the selected webhook, marked with `aria-current`. */
  selectedId?: string;
}

/** Badge tone of each lifecycle status. */
export const STATUS_TONE: Record<WebhookStatus, BadgeTone> = {
  active: 'success',
  disconnected: 'warning',
  archived: 'neutral',
};

/**
 * The account's Segment webhooks (several are allowed) with their status and health, and a
 * **New data source** action.
 */
export function DataSourceList({
  onNew,
  onSelect,
  status,
  title,
  selectedId,
  className,
  ...rest
}: DataSourceListProps) {
  const m = useMessages();
  const api = useSegmentWebhookApi();
  const headingId = useId();
  const query = useQuery(webhooksQueryOptions(api, status ? { status } : {}));
  const state = query.isPending ? 'loading' : query.isError ? 'error' : query.data.length === 0 ? 'empty' : 'populated';

  const newButton = onNew ? (
    <Button variant="primary" onClick={onNew}>
      <PlusIcon />
      {m.newDataSource}
    </Button>
  ) : null;

  return (
    <section
      aria-labelledby={title === null ? undefined : headingId}
      aria-label={title === null ? m.dataSourcesTitle : undefined}
      aria-busy={state === 'loading' || undefined}
      className={cx('swk-root swk-card swk-sources', className)}
      data-state={state}
      {...rest}
    >
      <div className="swk-sources__header">
        {title === null ? null : (
          <h2 className="swk-heading" id={headingId}>
            {title ?? m.dataSourcesTitle}
          </h2>
        )}
        <span className="swk-spacer" />
        {state === 'empty' ? null : newButton}
      </div>

      {state === 'loading' ? (
        <div className="swk-sources__loading">
          <span className="swk-sr-only">{m.loading}</span>
          {[0, 1, 2].map((i) => (
            <div key={i} className="swk-sources__skeleton">
              <Skeleton width="40%" />
              <Skeleton width="25%" />
            </div>
          ))}
        </div>
      ) : null}

      {query.isError ? (
        <Callout tone="danger" role="alert" title={m.dataSourcesError}>
          <p>{query.error.message}</p>
          <p>
            <Button size="sm" onClick={() => query.refetch()}>
              {m.retry}
            </Button>
          </p>
        </Callout>
      ) : null}

      {state === 'empty' ? (
        <div className="swk-sources__empty">
          <p className="swk-subheading">{m.dataSourcesEmpty}</p>
          <p className="swk-muted">{m.dataSourcesEmptyHint}</p>
          {newButton}
        </div>
      ) : null}

      {state === 'populated' && query.data ? (
        <ul className="swk-list">
          {query.data.map((webhook) => (
            <li key={webhook.id} className="swk-list__row">
              <WebhookRow webhook={webhook} onSelect={onSelect} current={webhook.id === selectedId} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function WebhookRow({
  webhook,
  onSelect,
  current,
}: {
  webhook: Webhook;
  onSelect: ((webhook: Webhook) => void) | undefined;
  current: boolean;
}) {
  const m = useMessages();
  const needsAttention = webhook.health.state === 'needs_attention';
  const content = (
    <>
      <span className="swk-list__main">
        <span className="swk-list__title">{webhook.name}</span>
        <span className="swk-list__meta">
          {m.dataSourceTrackEvent(webhook.trackEventName)} · {m.dataSourceRegion(webhook.region.toUpperCase())}
        </span>
        {needsAttention && webhook.health.reason ? (
          <span className="swk-list__reason">
            <AlertIcon />
            {webhook.health.reason}
          </span>
        ) : null}
      </span>
      <span className="swk-list__badges">
        <Badge tone={STATUS_TONE[webhook.status]} data-status={webhook.status}>
          {m.webhookStatus[webhook.status]}
        </Badge>
        {webhook.status === 'archived' ? null : (
          <Badge tone={needsAttention ? 'danger' : 'success'} data-health={webhook.health.state}>
            {needsAttention ? m.healthNeedsAttention : m.healthHealthy}
          </Badge>
        )}
      </span>
    </>
  );
  const data = {
    'data-status': webhook.status,
    'data-health': webhook.health.state,
  };
  return onSelect ? (
    <button
      type="button"
      className="swk-list__item"
      aria-current={current ? 'true' : undefined}
      onClick={() => onSelect(webhook)}
      {...data}
    >
      {content}
    </button>
  ) : (
    <div className="swk-list__item" {...data}>
      {content}
    </div>
  );
}
