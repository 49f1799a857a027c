import { AlertDialog as RadixAlertDialog, Dialog as RadixDialog } from 'radix-ui';
import type { ReactNode } from 'react';
import { Button } from './Button';
import { Callout } from './Callout';
import { cx } from './cx';
import { usePortalThemeProps } from './theme';

/** Props of {@link Dialog}. */
export interface DialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  /** One-line description under the title (announced with it). */
  description?: ReactNode;
  /** The buttons row. */
  footer?: ReactNode;
  /** Optional trigger (rendered as Radix `Dialog.Trigger asChild`). */
  trigger?: ReactNode;
  className?: string;
  children?: ReactNode;
}

/** A modal dialog on Radix Dialog: focus trapped, Escape closes, themed in its portal. */
export function Dialog({ open, onOpenChange, title, description, footer, trigger, className, children }: DialogProps) {
  const theme = usePortalThemeProps();
  return (
    <RadixDialog.Root open={open} onOpenChange={onOpenChange}>
      {trigger ? <RadixDialog.Trigger asChild>{trigger}</RadixDialog.Trigger> : null}
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="swk-theme swk-dialog__overlay" {...theme} />
        <RadixDialog.Content
          className={cx('swk-theme swk-dialog', className)}
          {...theme}
          {...(description ? {} : { 'aria-describedby': undefined })}
        >
          <RadixDialog.Title className="swk-dialog__title">{title}</RadixDialog.Title>
          {description ? (
            <RadixDialog.Description className="swk-dialog__description">{description}</RadixDialog.Description>
          ) : null}
          {children}
          {footer ? <div className="swk-dialog__footer">{footer}</div> : null}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

/** Props of {@link AlertDialog}. */
export interface AlertDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  /** What will happen, in plain words. */
  description: ReactNode;
  /** Label of the confirming button, e.g. "Disconnect". */
  confirmLabel: ReactNode;
  /** Default: "Cancel". */
  cancelLabel?: ReactNode;
  /** Runs the action; the dialog stays open (and Confirm disabled) until the caller closes it. */
  onConfirm: () => void;
  /** The action is running: Confirm is disabled and busy. Default: false. */
  pending?: boolean;
  /** Confirm stays disabled (e.g. until the name is typed). Default: false. */
  confirmDisabled?: boolean;
  /** Error of the last attempt, shown inline with `role="alert"`. */
  error?: ReactNode;
  /** Default: `'danger'`. */
  tone?: 'danger' | 'primary';
  /** Radix's `onCloseAutoFocus`: runs once the dialog has closed; `preventDefault()` to move focus yourself. */
  onCloseAutoFocus?: (event: Event) => void;
  className?: string;
  /** Extra content between the description and the buttons (e.g. a confirmation input). */
  children?: ReactNode;
}

/**
 * A lifecycle confirmation on Radix AlertDialog: focus starts on Cancel, outside clicks are ignored,
 * Confirm is disabled while pending and errors show inline with `role="alert"` (STYLE §8).
 */
export function AlertDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  cancelLabel = 'Cancel',
  onConfirm,
  pending = false,
  confirmDisabled = false,
  error,
  tone = 'danger',
  onCloseAutoFocus,
  className,
  children,
}: AlertDialogProps) {
  const theme = usePortalThemeProps();
  return (
    <RadixAlertDialog.Root open={open} onOpenChange={(next) => (pending ? undefined : onOpenChange(next))}>
      <RadixAlertDialog.Portal>
        <RadixAlertDialog.Overlay className="swk-theme swk-dialog__overlay" {...theme} />
        <RadixAlertDialog.Content
          className={cx('swk-theme swk-dialog', className)}
          {...(onCloseAutoFocus ? { onCloseAutoFocus } : {})}
          {...theme}
        >
          <RadixAlertDialog.Title className="swk-dialog__title">{title}</RadixAlertDialog.Title>
          <RadixAlertDialog.Description className="swk-dialog__description">{description}</RadixAlertDialog.Description>
          {children}
          {error ? (
            <Callout tone="danger" role="alert">
              {error}
            </Callout>
          ) : null}
          <div className="swk-dialog__footer">
            <RadixAlertDialog.Cancel asChild>
              <Button disabled={pending}>{cancelLabel}</Button>
            </RadixAlertDialog.Cancel>
            {/* Not RadixAlertDialog.Action: that would close the dialog before the request finishes. */}
            <Button
              variant={tone}
              onClick={onConfirm}
              disabled={pending || confirmDisabled}
              loading={pending}
              data-state={pending ? 'pending' : 'idle'}
            >
              {confirmLabel}
            </Button>
          </div>
        </RadixAlertDialog.Content>
      </RadixAlertDialog.Portal>
    </RadixAlertDialog.Root>
  );
}
