import { webhookNameSchema } from '@segment-webhook/core/contract';
import { type ComponentPropsWithoutRef, type KeyboardEvent, useId, useRef, useState } from 'react';
import { Button, PencilIcon, TextInput, useFocusAfterRender } from '../../primitives';
import { useMessages } from '../../provider';

/** Props of {@link WebhookName}. */
export interface WebhookNameProps extends Omit<ComponentPropsWithoutRef<'div'>, 'children'> {
  /** The saved name. */
  name: string;
  /**
   * Saves a new name (already trimmed and valid). While pending the input is read-only; a rejection
   * keeps the input open with the error beside it (`role="alert"`).
   */
  onRename: (name: string) => Promise<unknown>;
  /** Hides the pencil (e.g. no permission). Default: false. */
  readOnly?: boolean;
}

/**
 * The webhook's name as the page heading, with a pencil button to rename it in place: Enter or
 * leaving the field saves, Escape cancels. An unchanged name saves nothing. State: `data-state`
 * (`viewing` | `editing` | `saving`).
 */
export function WebhookName({ name, onRename, readOnly = false, className, ...rest }: WebhookNameProps) {
  const m = useMessages();
  const id = useId();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(name);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pencilRef = useRef<HTMLButtonElement>(null);
  const focusAfterRender = useFocusAfterRender();
  // Enter, Escape and blur can follow one another; only the first one decides.
  const settledRef = useRef(false);

  function start() {
    setDraft(name);
    setError(null);
    settledRef.current = false;
    setEditing(true);
  }

  function finish() {
    setEditing(false);
    setError(null);
    // Back to the pencil once it replaces the input, so keyboard users keep their place.
    focusAfterRender(() => pencilRef.current);
  }

  function cancel() {
    if (settledRef.current) return;
    settledRef.current = true;
    finish();
  }

  async function save() {
    if (settledRef.current || saving) return;
    const parsed = webhookNameSchema.safeParse(draft);
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? m.viewRenameFailed);
      return;
    }
    if (parsed.data === name) {
      settledRef.current = true;
      finish();
      return;
    }
    settledRef.current = true;
    setSaving(true);
    setError(null);
    try {
      await onRename(parsed.data);
      setSaving(false);
      finish();
    } catch (cause) {
      settledRef.current = false;
      setSaving(false);
      setError(cause instanceof Error ? cause.message : m.viewRenameFailed);
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter') {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      // Keep Escape from also closing a dialog or drawer the host renders the view in.
      event.stopPropagation();
      cancel();
    }
  }

  const state = saving ? 'saving' : editing ? 'editing' : 'viewing';
  return (
    <div className={['swk-name', className].filter(Boolean).join(' ')} data-state={state} {...rest}>
      {editing ? (
        <div className="swk-name__editor">
          <label htmlFor={`${id}-input`} className="swk-sr-only">
            {m.viewRenameLabel}
          </label>
          <TextInput
            id={`${id}-input`}
            className="swk-name__input"
            value={draft}
            readOnly={saving}
            autoFocus
            onFocus={(event) => event.currentTarget.select()}
            onChange={(event) => {
              setDraft(event.target.value);
              setError(null);
            }}
            onKeyDown={onKeyDown}
            onBlur={() => void save()}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
            aria-busy={saving || undefined}
          />
          <p id={`${id}-hint`} className="swk-name__hint">
            {saving ? m.viewRenaming : m.viewRenameHint}
          </p>
          {error && (
            <p id={`${id}-error`} className="swk-field__error" role="alert">
              {error}
            </p>
          )}
        </div>
      ) : (
        <h1 className="swk-name__heading">
          <span className="swk-name__text">{name}</span>
          {!readOnly && (
            <Button
              ref={pencilRef}
              variant="ghost"
              size="sm"
              iconOnly
              className="swk-name__pencil"
              aria-label={`${m.viewRename} ${name}`}
              onClick={start}
            >
              <PencilIcon />
            </Button>
          )}
        </h1>
      )}
    </div>
  );
}
