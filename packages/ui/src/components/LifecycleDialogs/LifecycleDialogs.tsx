import { allowedLifecycleActions, type LifecycleAction } from '@segment-webhook/core/contract';
import { type ReactNode, useEffect, useId, useState } from 'react';
import { AlertDialog, Field, TextInput } from '../../primitives';
import { useMessages } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';

/** A lifecycle transition the user confirms in a {@link LifecycleDialog} (core's `LifecycleAction`). */
export type LifecycleDialogAction = LifecycleAction;

/**
 * Which transitions a webhook in a status allows: core's lifecycle table (active ⇄ disconnected ⇄ archived;
 * delete only from archived), the same one the service enforces.
 */
export { allowedLifecycleActions };

type Messages = ReturnType<typeof useMessages>;

interface Copy {
  title: (name: string) => string;
  body: string[];
  confirm: string;
  destructive: boolean;
}

function copyOf(action: LifecycleDialogAction, m: Messages): Copy {
  switch (action) {
    case 'disconnect':
      return {
        title: m.lifecycleDisconnectTitle,
        body: m.lifecycleDisconnectBody,
        confirm: m.lifecycleDisconnect,
        destructive: true,
      };
    case 'reconnect':
      return {
        title: m.lifecycleReconnectTitle,
        body: m.lifecycleReconnectBody,
        confirm: m.lifecycleReconnect,
        destructive: false,
      };
    case 'archive':
      return {
        title: m.lifecycleArchiveTitle,
        body: m.lifecycleArchiveBody,
        confirm: m.lifecycleArchive,
        destructive: true,
      };
    case 'unarchive':
      return {
        title: m.lifecycleUnarchiveTitle,
        body: m.lifecycleUnarchiveBody,
        confirm: m.lifecycleUnarchive,
        destructive: false,
      };
    case 'delete':
      return {
        title: m.lifecycleDeleteTitle,
        body: m.lifecycleDeleteBody,
        confirm: m.lifecycleDelete,
        destructive: true,
      };
    default: {
      const never: never = action;
      throw new Error(`Unknown action ${String(never)}`);
    }
  }
}

/** Props of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  /** Whether the dialog is open. */
  open: boolean;
  /** Called to open or close the dialog (Cancel, Escape, or after a successful confirm). */
  onOpenChange: (open: boolean) => void;
  /** The question, e.g. "Disconnect Orders?". */
  title: ReactNode;
  /** What will happen. */
  description: ReactNode;
  /** Label of the confirm button. */
  confirmLabel: string;
  /** Styles Confirm as destructive. Default: true. */
  destructive?: boolean;
  /** When set, Confirm stays disabled until exactly this text is typed into a labelled input. */
  confirmText?: string;
  /**
   * Performs the action. While its promise is pending Confirm is disabled; a rejection is shown
   * inline (`role="alert"`) and the dialog stays open; success closes it.
   */
  onConfirm: () => Promise<unknown>;
  /**
   * Where focus goes once the dialog has closed (Radix's `onCloseAutoFocus`): call
   * `event.preventDefault()` and focus an element yourself. Default: back to what had focus before.
   */
  onCloseAutoFocus?: (event: Event) => void;
  /** Class of the dialog content. */
  className?: string;
  /** Extra content under the description (e.g. a warning). */
  children?: ReactNode;
}

/**
 * A confirmation on the kit's AlertDialog (Radix): focuses Cancel, ignores outside clicks, disables
 * Confirm while the action's promise is pending and shows its error inline with `role="alert"`;
 * optionally asks for a text (the webhook's name) to be typed first.
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  destructive = true,
  confirmText,
  onConfirm,
  onCloseAutoFocus,
  className,
  children,
}: ConfirmDialogProps) {
  const m = useMessages();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [typed, setTyped] = useState('');
  const inputId = useId();

  // A fresh start each time the dialog opens.
  useEffect(() => {
    if (open) {
      setError(null);
      setTyped('');
      setPending(false);
    }
  }, [open]);

  const textMatches = confirmText === undefined || typed.trim() === confirmText.trim();

  async function confirm() {
    if (pending || !textMatches) return;
    setPending(true);
    setError(null);
    try {
      await onConfirm();
      setPending(false);
      onOpenChange(false);
    } catch (cause) {
      setPending(false);
      setError(cause instanceof Error ? cause.message : m.genericError);
    }
  }

  return (
    <AlertDialog
      open={open}
      onOpenChange={onOpenChange}
      title={title}
      description={description}
      confirmLabel={confirmLabel}
      cancelLabel={m.cancel}
      onConfirm={() => void confirm()}
      pending={pending}
      confirmDisabled={!textMatches}
      error={error}
      tone={destructive ? 'danger' : 'primary'}
      {...(onCloseAutoFocus ? { onCloseAutoFocus } : {})}
      className={className}
    >
      {children}
      {confirmText !== undefined && (
        <form
          className="swk-confirm-text"
          onSubmit={(event) => {
            event.preventDefault();
            void confirm();
          }}
        >
          <Field label={m.confirmTypeToConfirm} hint={m.confirmTypeHint(confirmText)} id={inputId}>
            {(control) => (
              <TextInput
                {...control}
                value={typed}
                autoComplete="off"
                spellCheck={false}
                onChange={(event) => setTyped(event.target.value)}
              />
            )}
          </Field>
        </form>
      )}
    </AlertDialog>
  );
}

/** What the user chose in a {@link LifecycleDialog} (only a reconnect has a choice). */
export interface LifecycleDialogChoice {
  /** Reconnect: also send the events recorded as skipped while it was disconnected. */
  backfill: boolean;
}

/** Props of {@link LifecycleDialog}. */
export interface LifecycleDialogProps
  extends Omit<
    ConfirmDialogProps,
    'title' | 'description' | 'children' | 'confirmLabel' | 'destructive' | 'confirmText' | 'onConfirm'
  > {
  /** The transition to confirm; `null` renders nothing. */
  action: LifecycleDialogAction | null;
  /** The webhook's name (shown, and typed to confirm a delete). */
  webhookName: string;
  /**
   * Reconnect: the events recorded while disconnected (the webhook's `skippedSinceDisconnect`). Above 0 the
   * dialog shows the count and asks whether to send them now (backfill) or reconnect without them. Default 0.
   */
  skippedSinceDisconnect?: number;
  /** Performs the action with the user's choice (see {@link ConfirmDialogProps.onConfirm}). */
  onConfirm: (choice: LifecycleDialogChoice) => Promise<unknown>;
}

/**
 * The confirmation of a lifecycle transition: says what will happen (disconnect holds deliveries,
 * archive releases activity streams, delete is permanent and asks for the webhook's name to be
 * typed).
 */
export function LifecycleDialog({
  action,
  webhookName,
  skippedSinceDisconnect = 0,
  onConfirm,
  className,
  ...rest
}: LifecycleDialogProps) {
  const m = useMessages();
  const [backfill, setBackfill] = useState(true);
  // Each opening starts from "Send them now".
  useEffect(() => {
    if (rest.open) setBackfill(true);
  }, [rest.open]);
  if (!action) return null;
  const copy = copyOf(action, m);
  const choice = action === 'reconnect' && skippedSinceDisconnect > 0;
  return (
    <ConfirmDialog
      title={copy.title(webhookName)}
      description={copy.body.join(' ')}
      confirmLabel={copy.confirm}
      destructive={copy.destructive}
      confirmText={action === 'delete' ? webhookName : undefined}
      className={['swk-lifecycle-dialog', className].filter(Boolean).join(' ')}
      onConfirm={() => onConfirm({ backfill: choice && backfill })}
      {...rest}
    >
      {choice && <BackfillChoice count={skippedSinceDisconnect} backfill={backfill} onChange={setBackfill} />}
    </ConfirmDialog>
  );
}

/** Reconnect's choice: send the events skipped while disconnected now, or reconnect without them. */
function BackfillChoice({
  count,
  backfill,
  onChange,
}: {
  count: number;
  backfill: boolean;
  onChange: (backfill: boolean) => void;
}) {
  const m = useMessages();
  const format = useFormatters();
  const ids = useId();
  return (
    <fieldset className="swk-fieldset swk-backfill" aria-describedby={`${ids}-hint`} data-skipped={count}>
      <legend className="swk-legend">{m.reconnectSkipped(format.count(count), count === 1)}</legend>
      <p className="swk-field__hint" id={`${ids}-hint`}>
        {m.reconnectSkippedHint}
      </p>
      {(
        [
          [true, m.reconnectBackfill, m.reconnectBackfillHint],
          [false, m.reconnectWithout, m.reconnectWithoutHint],
        ] as const
      ).map(([value, label, hint]) => (
        <div key={label} className="swk-backfill__option">
          <label className="swk-choice">
            <input
              type="radio"
              className="swk-radio"
              name={`${ids}-backfill`}
              checked={backfill === value}
              onChange={() => onChange(value)}
              aria-describedby={`${ids}-${value ? 'send' : 'skip'}`}
            />
            {label}
          </label>
          <p className="swk-field__hint" id={`${ids}-${value ? 'send' : 'skip'}`}>
            {hint}
          </p>
        </div>
      ))}
    </fieldset>
  );
}
