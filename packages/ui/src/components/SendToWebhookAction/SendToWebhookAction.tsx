import { type EventSnapshot, sampleEvent } from '@segment-webhook/core/contract';
import { useQuery } from '@tanstack/react-query';
import { type HTMLAttributes, type ReactNode, useId, useState } from 'react';
import { fieldCatalogQueryOptions, webhooksQueryOptions } from '../../api/queries';
import { Button, Callout, cx, Field, Select, Skeleton } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider/SegmentWebhookProvider';
import { PayloadPreview } from '../SegmentWebhookSetup/PayloadPreview';

/** Props of {@link SendToWebhookAction}. */
export interface SendToWebhookActionProps
  extends Omit<HTMLAttributes<HTMLElement>, 'onChange' | 'defaultValue' | 'title'> {
  /** The chosen webhook id (controlled); `null` for none. */
  value?: string | null;
  /** Initial webhook id when uncontrolled. Default: none. */
  defaultValue?: string | null;
  /** Called with the chosen webhook id. */
  onChange?: (webhookId: string | null) => void;
  /** The sample person and activity of the preview. Default: the contract's `sampleEvent()`. */
  sampleEvent?: EventSnapshot;
  /** Heading. Default: none (the host's action editor has its own); pass a node to show one. */
  title?: ReactNode;
  /** Disables the select. Default: false. */
  disabled?: boolean;
}

/**
 * The journey and playbook action editor **Send to webhook**: choose one of the account's active
 * Segment webhooks and see what will be sent for a sample person.
 */
export function SendToWebhookAction({
  value,
  defaultValue = null,
  onChange,
  sampleEvent: event,
  title,
  disabled = false,
  className,
  ...rest
}: SendToWebhookActionProps) {
  const m = useMessages();
  const api = useSegmentWebhookApi();
  const headingId = useId();
  const [own, setOwn] = useState<string | null>(defaultValue);
  const [defaultEvent] = useState(() => sampleEvent());
  const selected = value === undefined ? own : value;
  const webhooks = useQuery(webhooksQueryOptions(api));
  const catalog = useQuery(fieldCatalogQueryOptions(api)).data;
  const active = (webhooks.data ?? []).filter((w) => w.status === 'active');
  const chosen = webhooks.data?.find((w) => w.id === selected) ?? null;
  const state = webhooks.isPending ? 'loading' : webhooks.isError ? 'error' : active.length === 0 ? 'empty' : 'ready';

  const choose = (id: string) => {
    if (value === undefined) setOwn(id);
    onChange?.(id);
  };

  return (
    <section
      aria-labelledby={title ? headingId : undefined}
      aria-label={title ? undefined : m.sendActionTitle}
      aria-busy={state === 'loading' || undefined}
      className={cx('swk-root swk-send', className)}
      data-state={state}
      {...rest}
    >
      {title ? (
        <h3 className="swk-subheading" id={headingId}>
          {title}
        </h3>
      ) : null}

      {state === 'loading' ? <Skeleton width="60%" /> : null}

      {webhooks.isError ? (
        <Callout tone="danger" role="alert" title={m.sendActionError}>
          <p>
            <Button size="sm" onClick={() => webhooks.refetch()}>
              {m.retry}
            </Button>
          </p>
        </Callout>
      ) : null}

      {state === 'empty' ? <Callout tone="info">{m.sendActionNoWebhooks}</Callout> : null}

      {state === 'ready' ? (
        <Field label={m.sendActionWebhookLabel}>
          {(control) => (
            <Select
              {...control}
              value={selected && active.some((w) => w.id === selected) ? selected : ''}
              placeholder={m.sendActionChoose}
              disabled={disabled}
              onValueChange={choose}
              options={active.map((w) => ({
                value: w.id,
                label: w.health.state === 'needs_attention' ? `${w.name} (${m.healthNeedsAttention})` : w.name,
              }))}
            />
          )}
        </Field>
      ) : null}

      {chosen && chosen.status !== 'active' ? (
        <Callout tone="warning" role="status">
          {m.sendActionInactive(chosen.name, m.webhookStatus[chosen.status])}
        </Callout>
      ) : null}

      {chosen?.health.state === 'needs_attention' ? (
        <Callout tone="warning" title={m.healthNeedsAttention}>
          {chosen.health.reason}
        </Callout>
      ) : null}

      {chosen ? (
        <PayloadPreview
          webhookId={chosen.id}
          title={m.sendActionPreview}
          intro={null}
          config={chosen}
          event={event ?? defaultEvent}
          catalog={catalog}
        />
      ) : null}
    </section>
  );
}
