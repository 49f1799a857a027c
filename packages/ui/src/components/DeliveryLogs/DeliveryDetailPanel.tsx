import { DEDUPLICATION_WINDOW_MS, type DeliveryDetail, HELD_RELEASED_BY, isHeld } from '@segment-webhook/core/contract';
import { type ComponentPropsWithoutRef, useId, useState } from 'react';
import { Badge, Button, Callout, CodeBlock } from '../../primitives';
import { useMessages } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';
import { deliveryStatusLabel, deliveryTone } from './DeliveryList';

/** True when a delivery was first accepted longer ago than Segment's de-duplication window (24 h). */
export function isOutsideDeduplicationWindow(createdAt: string, now = Date.now()): boolean {
  const time = Date.parse(createdAt);
  return !Number.isNaN(time) && now - time > DEDUPLICATION_WINDOW_MS;
}

/** Props of {@link DeliveryDetailPanel}. */
export interface DeliveryDetailPanelProps extends Omit<ComponentPropsWithoutRef<'section'>, 'children'> {
  /** The delivery; `undefined` while it loads. */
  delivery: DeliveryDetail | undefined;
  /** An error loading the delivery. Default: none. */
  error?: Error | null;
  /** Retries a failed delivery; the panel shows pending and errors. Retry is hidden without it. */
  onRetry?: () => Promise<unknown>;
  /** Closes the panel; the Close button is hidden without it. */
  onClose?: () => void;
  /** "Now" for the de-duplication warning (stories and tests pin it). Default: `Date.now()`. */
  now?: number;
}

/**
 * One delivery: its state (held deliveries say why), every attempt with Segment's response, the
 * Segment payload, and **Retry** for a failed delivery (warning when it is older than Segment's
 * 24-hour de-duplication window). State: `data-status`, `data-state` (`loading` | `error` | `ready`).
 */
export function DeliveryDetailPanel({
  delivery,
  error = null,
  onRetry,
  onClose,
  now,
  className,
  ...rest
}: DeliveryDetailPanelProps) {
  const m = useMessages();
  const format = useFormatters();
  const headingId = useId();
  const [retrying, setRetrying] = useState(false);
  const [retryError, setRetryError] = useState<string | null>(null);
  const [retried, setRetried] = useState(false);
  const state = error ? 'error' : delivery ? 'ready' : 'loading';

  async function retry() {
    if (!onRetry || retrying) return;
    setRetrying(true);
    setRetryError(null);
    try {
      await onRetry();
      setRetried(true);
    } catch (cause) {
      setRetryError(cause instanceof Error ? cause.message : m.deliveryRetryFailed);
    } finally {
      setRetrying(false);
    }
  }

  const held = delivery ? isHeld(delivery) : false;
  const stale = delivery ? isOutsideDeduplicationWindow(delivery.createdAt, now) : false;

  return (
    <section
      className={['swk-delivery', className].filter(Boolean).join(' ')}
      aria-labelledby={headingId}
      data-state={state}
      data-status={delivery?.status}
      aria-busy={state === 'loading' || undefined}
      {...rest}
    >
      <header className="swk-delivery__header">
        <h3 id={headingId} className="swk-delivery__title">
          {delivery ? m.deliveryTitle(delivery.eventId) : m.deliveryLoading}
        </h3>
        {delivery && (
          <Badge tone={deliveryTone(held ? 'held' : delivery.status)}>{deliveryStatusLabel(delivery, m)}</Badge>
        )}
        {onClose && (
          <Button variant="ghost" size="sm" className="swk-delivery__close" onClick={onClose}>
            {m.close}
          </Button>
        )}
      </header>
      {state === 'error' ? (
        <Callout tone="danger" role="alert" title={m.deliveryError}>
          {error?.message}
        </Callout>
      ) : !delivery ? (
        <p role="status">{m.deliveryLoading}</p>
      ) : (
        <>
          {held && delivery.heldReason && (
            <Callout tone="warning">
              {m.deliveryHeldNote(
                m.logsHeldReason[delivery.heldReason],
                HELD_RELEASED_BY[delivery.heldReason] === 'resume' ? 'resumed' : 'reconnected',
              )}
            </Callout>
          )}
          {delivery.status === 'failed' && onRetry && (
            <div className="swk-delivery__retry">
              {stale && (
                <Callout tone="warning" data-stale="">
                  {m.deliveryStale}
                </Callout>
              )}
              <Button variant="primary" disabled={retrying} loading={retrying} onClick={() => void retry()}>
                {m.deliveryRetry}
              </Button>
              {retryError && (
                <Callout tone="danger" role="alert">
                  {retryError}
                </Callout>
              )}
            </div>
          )}
          {retried && delivery.status !== 'failed' && (
            <Callout tone="success" role="status">
              {m.deliveryRetried}
            </Callout>
          )}
          <dl className="swk-delivery__facts">
            <Fact label={m.deliveryEventId} value={delivery.eventId} mono />
            <Fact label={m.deliveryPersonId} value={delivery.personId} mono />
            <Fact label={m.deliveryMessageId} value={delivery.messageId} mono />
            <Fact label={m.deliveryActivity} value={delivery.activityId ?? '—'} />
            <Fact
              label={m.deliverySource}
              value={delivery.source === 'send' ? m.deliverySourceSend : m.deliverySourceActivity}
            />
            <Fact label={m.deliveryOccurred} value={format.dateTime(delivery.occurredAt)} />
            <Fact label={m.deliveryAccepted} value={format.dateTime(delivery.createdAt)} />
            {delivery.deliveredAt && <Fact label={m.deliveryDelivered} value={format.dateTime(delivery.deliveredAt)} />}
            {delivery.nextAttemptAt && (
              <Fact label={m.deliveryNextAttempt} value={format.dateTime(delivery.nextAttemptAt)} />
            )}
            {delivery.lastError && <Fact label={m.deliveryLastError} value={delivery.lastError} />}
          </dl>
          <h4 className="swk-delivery__subtitle">{m.deliveryAttempts(delivery.attempts.length)}</h4>
          {delivery.attempts.length === 0 ? (
            <p className="swk-delivery__none">{m.deliveryNoAttempts}</p>
          ) : (
            <ol className="swk-attempts">
              {delivery.attempts.map((attempt) => (
                <li key={attempt.number} className="swk-attempt" data-outcome={attempt.outcome}>
                  <div className="swk-attempt__summary">
                    <span className="swk-attempt__number">#{attempt.number}</span>
                    <Badge tone={deliveryTone(attempt.outcome === 'retry' ? 'retrying' : attempt.outcome)}>
                      {m.deliveryAttemptOutcome[attempt.outcome]}
                    </Badge>
                    <span>{attempt.httpStatus === null ? m.deliveryNoResponse : m.logsHttp(attempt.httpStatus)}</span>
                    <span>{format.duration(attempt.latencyMs)}</span>
                    <time dateTime={attempt.at}>{format.dateTime(attempt.at)}</time>
                    {attempt.configVersion !== null && (
                      <span className="swk-attempt__version">{m.deliverySettingsVersion(attempt.configVersion)}</span>
                    )}
                  </div>
                  {attempt.error && <p className="swk-attempt__error">{attempt.error}</p>}
                  {attempt.responseBody !== null && (
                    <CodeBlock code={attempt.responseBody} label={m.deliveryResponseTo(attempt.number)} />
                  )}
                </li>
              ))}
            </ol>
          )}
          <h4 className="swk-delivery__subtitle">{m.deliveryPayload}</h4>
          <CodeBlock code={JSON.stringify(delivery.message, null, 2)} label={m.deliveryPayload} />
        </>
      )}
    </section>
  );
}

function Fact({ label, value, mono = false }: { label: string; value: string; mono?: boolean }) {
  return (
    <div className="swk-fact">
      <dt>{label}</dt>
      <dd data-mono={mono ? '' : undefined}>{value}</dd>
    </div>
  );
}
