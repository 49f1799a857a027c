import type { ReplayResponse } from '@segment-webhook/core/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { replayDeliveriesMutationOptions } from '../../api/queries';
import { Button, Callout, Dialog, TextInput } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';
import { ceilToMinute, fromLocalInput, isBackwards, toLocalInput } from './time-range';

/** Props of {@link ReplayDialog}. */
export interface ReplayDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The webhook whose deliveries to replay. */
  webhookId: string;
  /** The range the dialog opens with (the Logs tab's filter); a missing bound defaults to the last 24 hours. */
  defaultFrom?: string | undefined;
  defaultTo?: string | undefined;
  /** "Now" for the default range (stories and tests pin it). Default: `Date.now()`. */
  now?: number | undefined;
}

/**
 * **Replay…** of the Logs tab: sends the deliveries created in a time range (failed by default, delivered
 * optionally) to Segment again (`POST /webhooks/:id/replay`), after explaining Segment's 24-hour duplicate
 * window; then says how many were queued and how many of them Segment will likely drop as duplicates.
 * A range whose start is not before its end is refused inline, before anything is sent.
 */
export function ReplayDialog({ open, onOpenChange, webhookId, defaultFrom, defaultTo, now }: ReplayDialogProps) {
  const m = useMessages();
  const format = useFormatters();
  const api = useSegmentWebhookApi();
  const queryClient = useQueryClient();
  const ids = useId();
  const replay = useMutation(replayDeliveriesMutationOptions(api, queryClient));
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [failed, setFailed] = useState(true);
  const [delivered, setDelivered] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const [result, setResult] = useState<ReplayResponse | null>(null);
  const reset = replay.reset;

  // A fresh form each time the dialog opens, on the range the logs show.
  useEffect(() => {
    if (!open) return;
    const at = now ?? Date.now();
    setFrom(toLocalInput(defaultFrom ?? new Date(at - 24 * 3_600_000).toISOString()));
    setTo(toLocalInput(defaultTo ?? new Date(ceilToMinute(at)).toISOString()));
    setFailed(true);
    setDelivered(false);
    setSubmitted(false);
    setResult(null);
    reset();
  }, [open, defaultFrom, defaultTo, now, reset]);

  const fromIso = fromLocalInput(from);
  const toIso = fromLocalInput(to);
  const rangeError = !fromIso || !toIso || isBackwards(fromIso, toIso, true) ? m.logsRangeInvalid : undefined;
  const statusError = !failed && !delivered ? m.replayNoStatus : undefined;
  const showRangeError = submitted && rangeError !== undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    if (rangeError || statusError || !fromIso || !toIso || replay.isPending) return;
    const statuses = [...(failed ? (['failed'] as const) : []), ...(delivered ? (['delivered'] as const) : [])];
    replay.mutate({ id: webhookId, body: { from: fromIso, to: toIso, statuses } }, { onSuccess: setResult });
  }

  const formId = `${ids}-form`;
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => (replay.isPending ? undefined : onOpenChange(next))}
      title={m.replayTitle}
      description={m.replayIntro}
      className="swk-replay"
      footer={
        result ? (
          <Button variant="primary" onClick={() => onOpenChange(false)}>
            {m.close}
          </Button>
        ) : (
          <>
            <Button disabled={replay.isPending} onClick={() => onOpenChange(false)}>
              {m.cancel}
            </Button>
            <Button
              type="submit"
              form={formId}
              variant="primary"
              disabled={replay.isPending}
              loading={replay.isPending}
            >
              {m.replayConfirm}
            </Button>
          </>
        )
      }
    >
      {result ? (
        <Callout tone="success" role="status" data-replayed="">
          {m.replayQueued(format.count(result.queued), result.queued === 1, format.count(result.withinDedupWindow))}
        </Callout>
      ) : (
        <form id={formId} className="swk-replay__form" noValidate onSubmit={submit}>
          <div className="swk-replay__range">
            {(['from', 'to'] as const).map((bound) => (
              <div key={bound} className="swk-field" data-invalid={showRangeError ? '' : undefined}>
                <label className="swk-field__label" htmlFor={`${ids}-${bound}`}>
                  {bound === 'from' ? m.logsRangeFrom : m.logsRangeTo}
                </label>
                <TextInput
                  id={`${ids}-${bound}`}
                  type="datetime-local"
                  value={bound === 'from' ? from : to}
                  aria-invalid={showRangeError || undefined}
                  aria-describedby={showRangeError ? `${ids}-range-error` : undefined}
                  onChange={(event) => (bound === 'from' ? setFrom : setTo)(event.target.value)}
                />
              </div>
            ))}
          </div>
          {showRangeError && (
            <p className="swk-field__error" id={`${ids}-range-error`}>
              {rangeError}
            </p>
          )}
          <fieldset
            className="swk-fieldset"
            aria-describedby={submitted && statusError ? `${ids}-status-error` : undefined}
          >
            <legend className="swk-legend">{m.replayStatuses}</legend>
            <div className="swk-choice-row">
              {(
                [
                  ['failed', failed, setFailed],
                  ['delivered', delivered, setDelivered],
                ] as const
              ).map(([status, checked, setChecked]) => (
                <label className="swk-choice" key={status}>
                  <input
                    type="checkbox"
                    className="swk-checkbox"
                    checked={checked}
                    onChange={(event) => setChecked(event.target.checked)}
                  />
                  {m.deliveryStatus[status]}
                </label>
              ))}
            </div>
            {submitted && statusError && (
              <p className="swk-field__error" id={`${ids}-status-error`}>
                {statusError}
              </p>
            )}
          </fieldset>
          <Callout tone="warning" data-dedup="">
            {m.replayDedup}
          </Callout>
          {replay.isError && (
            <Callout tone="danger" role="alert" title={m.replayError}>
              {replay.error.message}
            </Callout>
          )}
        </form>
      )}
    </Dialog>
  );
}
