import type { Activity, Usage, Webhook } from '@segment-webhook/core/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type HTMLAttributes, type ReactNode, useId, useState } from 'react';
import { ApiError } from '../../api/errors';
import {
  activitiesQueryOptions,
  setDestinationMutationOptions,
  usageQueryOptions,
  webhooksQueryOptions,
} from '../../api/queries';
import { Button, Callout, cx, Meter, Select, Skeleton } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider/SegmentWebhookProvider';

/** Props of {@link ActivityDestinations}. */
export interface ActivityDestinationsProps extends Omit<HTMLAttributes<HTMLElement>, 'title'> {
  /** Heading. Default: the "Activity destinations" message; `null` hides it. */
  title?: ReactNode;
  /** Disables every select (e.g. a read-only user). Default: false. */
  disabled?: boolean;
}

const NONE = '__none__';

type RowError = { activityId: string; message: string; code: string };

/**
 * The host's activities, each with its **Data destination** (a Segment webhook or none), and a usage
 * meter of outbound activity streams used / included in the plan, with a clear message at the limit.
 */
export function ActivityDestinations({ title, disabled = false, className, ...rest }: ActivityDestinationsProps) {
  const m = useMessages();
  const api = useSegmentWebhookApi();
  const queryClient = useQueryClient();
  const headingId = useId();
  const activities = useQuery(activitiesQueryOptions(api));
  const webhooks = useQuery(webhooksQueryOptions(api));
  const usage = useQuery(usageQueryOptions(api));
  const setDestination = useMutation(setDestinationMutationOptions(api, queryClient));
  const [rowError, setRowError] = useState<RowError | null>(null);
  const [pending, setPending] = useState<{ activityId: string; webhookId: string | null } | null>(null);

  const state = activities.isPending
    ? 'loading'
    : activities.isError
      ? 'error'
      : activities.data.length === 0
        ? 'empty'
        : 'populated';
  const atLimit = usage.data ? usage.data.outboundActivityStreams >= usage.data.includedStreams : false;

  const change = async (activity: Activity, value: string) => {
    const webhookId = value === NONE ? null : value;
    if (webhookId === activity.destinationWebhookId) return;
    setRowError(null);
    setPending({ activityId: activity.id, webhookId });
    try {
      await setDestination.mutateAsync({ activityId: activity.id, webhookId });
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'unknown';
      const message =
        code === 'stream_limit_reached'
          ? m.streamLimitReached
          : `${m.destinationFailed} ${error instanceof ApiError && error.code !== 'network_error' ? error.message : m.networkError}`;
      setRowError({ activityId: activity.id, message, code });
    } finally {
      setPending(null);
    }
  };

  return (
    <section
      aria-labelledby={title === null ? undefined : headingId}
      aria-label={title === null ? m.activitiesTitle : undefined}
      aria-busy={state === 'loading' || undefined}
      className={cx('swk-root swk-card swk-destinations', className)}
      data-state={state}
      data-at-limit={atLimit || undefined}
      {...rest}
    >
      {title === null ? null : (
        <h2 className="swk-heading" id={headingId}>
          {title ?? m.activitiesTitle}
        </h2>
      )}

      <UsageMeter usage={usage.data} pending={usage.isPending} atLimit={atLimit} />

      {state === 'loading' ? (
        <div className="swk-destinations__loading">
          <span className="swk-sr-only">{m.loading}</span>
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} />
          ))}
        </div>
      ) : null}

      {activities.isError ? (
        <Callout tone="danger" role="alert" title={m.activitiesError}>
          <p>{activities.error.message}</p>
          <p>
            <Button size="sm" onClick={() => activities.refetch()}>
              {m.retry}
            </Button>
          </p>
        </Callout>
      ) : null}

      {state === 'empty' ? <p className="swk-muted">{m.activitiesEmpty}</p> : null}

      {state === 'populated' && activities.data ? (
        <table className="swk-table">
          <thead>
            <tr>
              <th scope="col">{m.activityColumn}</th>
              <th scope="col">{m.destinationColumn}</th>
            </tr>
          </thead>
          <tbody>
            {activities.data.map((activity) => {
              const saving = pending?.activityId === activity.id;
              const current = saving ? pending.webhookId : activity.destinationWebhookId;
              const error = rowError?.activityId === activity.id ? rowError : null;
              return (
                <DestinationRow
                  key={activity.id}
                  activity={activity}
                  current={current}
                  saving={saving}
                  error={error}
                  webhooks={webhooks.data ?? []}
                  disabled={disabled || webhooks.isPending}
                  onChange={(value) => change(activity, value)}
                />
              );
            })}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function UsageMeter({ usage, pending, atLimit }: { usage: Usage | undefined; pending: boolean; atLimit: boolean }) {
  const m = useMessages();
  const labelId = useId();
  if (pending) return <Skeleton width="50%" />;
  if (!usage) return null;
  const { outboundActivityStreams: used, includedStreams: included } = usage;
  return (
    <div className="swk-usage" data-state={atLimit ? 'at-limit' : 'ok'}>
      <div className="swk-usage__row">
        <span id={labelId} className="swk-field__label">
          {m.usageLabel}
        </span>
        <span className="swk-usage__value">{m.usageValue(used, included)}</span>
      </div>
      <Meter value={used} max={included} aria-labelledby={labelId} valueText={m.usageValue(used, included)} />
      {atLimit ? (
        <Callout tone="warning" className="swk-usage__limit">
          {m.usageAtLimit}
        </Callout>
      ) : null}
    </div>
  );
}

function DestinationRow({
  activity,
  current,
  saving,
  error,
  webhooks,
  disabled,
  onChange,
}: {
  activity: Activity;
  current: string | null;
  saving: boolean;
  error: RowError | null;
  webhooks: Webhook[];
  disabled: boolean;
  onChange: (value: string) => void;
}) {
  const m = useMessages();
  const errorId = useId();
  // An archived webhook cannot be a destination; it still shows if an activity points at it.
  const options = [
    { value: NONE, label: m.destinationNone },
    ...webhooks
      .filter((w) => w.status !== 'archived' || w.id === current)
      .map((w) => ({
        value: w.id,
        label: w.status === 'active' ? w.name : `${w.name} (${m.webhookStatus[w.status]})`,
        disabled: w.status === 'archived',
      })),
  ];
  return (
    <tr data-state={saving ? 'saving' : error ? 'error' : 'idle'} data-activity-id={activity.id}>
      <th scope="row" className="swk-table__name">
        {activity.name}
      </th>
      <td>
        <div className="swk-destinations__cell">
          <Select
            value={current ?? NONE}
            onValueChange={onChange}
            options={options}
            disabled={disabled || saving}
            aria-label={m.destinationLabel(activity.name)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            className="swk-destinations__select"
          />
          {error ? (
            <p id={errorId} role="alert" className="swk-field__error" data-code={error.code}>
              {error.message}
            </p>
          ) : null}
        </div>
      </td>
    </tr>
  );
}
