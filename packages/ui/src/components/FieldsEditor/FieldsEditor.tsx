import {
  type CatalogField,
  type FieldCatalog,
  type FieldMapping,
  MAX_FIELDS,
  propertyKeySchema,
} from '@segment-webhook/core/contract';
import { useQuery } from '@tanstack/react-query';
import { type HTMLAttributes, useId, useRef, useState } from 'react';
import { type Control, type FieldValues, type Path, useController } from 'react-hook-form';
import { fieldCatalogQueryOptions } from '../../api/queries';
import {
  ArrowDownIcon,
  ArrowUpIcon,
  Button,
  Callout,
  cx,
  FieldError,
  PlusIcon,
  Select,
  type SelectGroup,
  TextInput,
  TrashIcon,
  useFocusAfterRender,
  VisuallyHidden,
} from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider/SegmentWebhookProvider';

/** Errors of one row, as react-hook-form (zodResolver) reports them under `fields.<i>`. */
export interface FieldRowErrors {
  key?: { message?: string };
  from?: { message?: string };
  value?: { message?: string };
  message?: string;
}

interface CommonProps extends Omit<HTMLAttributes<HTMLFieldSetElement>, 'onChange' | 'defaultValue'> {
  /** The host's field catalog. Default: loaded from `GET /fields`. */
  catalog?: FieldCatalog;
  /** Disables every control. Default: false. */
  disabled?: boolean;
  /** Id of the element labelling the editor (e.g. the form's "Fields" label). */
  'aria-labelledby'?: string;
}

/** Standalone use: controlled by `value`/`onChange`. */
export interface FieldsEditorStandaloneProps extends CommonProps {
  /** The fields. The value may be invalid while the user edits; validate with `fieldsSchema`. */
  value: FieldMapping[];
  onChange: (fields: FieldMapping[]) => void;
  /** Per-row errors to show (e.g. from the server); local key checks are added to them. */
  errors?: Array<FieldRowErrors | undefined>;
  control?: never;
  name?: never;
}

/** Inside a react-hook-form form: bound to `name` (an array of FieldMapping) of `control`. */
export interface FieldsEditorFormProps<T extends FieldValues> extends CommonProps {
  control: Control<T>;
  /** Path of the fields array in the form. */
  name: Path<T>;
  value?: never;
  onChange?: never;
  errors?: never;
}

/** Props of {@link FieldsEditor}. */
export type FieldsEditorProps<T extends FieldValues = FieldValues> =
  | FieldsEditorStandaloneProps
  | FieldsEditorFormProps<T>;

const CONSTANT = '__constant__';

type Kind = 'person' | 'activity' | 'constant';

function kindOf(field: FieldMapping): Kind {
  if ('value' in field) return 'constant';
  return field.from.startsWith('activity.') ? 'activity' : 'person';
}

/** The select's value for a row: `person.email`, `activity.total`, the constant marker, or '' (unset). */
function sourceValue(field: FieldMapping): string {
  return 'value' in field ? CONSTANT : field.from;
}

/** Catalog keys are attribute names (`email`); a host may also give them prefixed (`person.email`). */
function sourceOf(scope: 'person' | 'activity', field: CatalogField): string {
  return field.key.startsWith(`${scope}.`) ? field.key : `${scope}.${field.key}`;
}

/** A local check of one key: the same rules as the contract, plus uniqueness. */
function keyError(fields: FieldMapping[], index: number, duplicateMessage: string): string | undefined {
  const field = fields[index];
  if (!field) return undefined;
  const parsed = propertyKeySchema.safeParse(field.key);
  if (!parsed.success) return parsed.error.issues[0]?.message;
  const key = parsed.data;
  const duplicate = fields.some((other, i) => i < index && other.key.trim() === key);
  return duplicate ? duplicateMessage : undefined;
}

/**
 * The **Fields** editor: additional attributes of the payload, each a property name and a source — a
 * person field, an activity field (from the host's catalog) or a constant. Rows can be added, moved
 * up and down (buttons, keyboard-accessible) and removed; invalid and duplicate names are flagged.
 * Works standalone (`value`/`onChange`) and inside react-hook-form (`control`/`name`).
 */
export function FieldsEditor<T extends FieldValues = FieldValues>(props: FieldsEditorProps<T>) {
  if (props.control) {
    return <FormFieldsEditor {...(props as FieldsEditorFormProps<T>)} />;
  }
  return <FieldsEditorView {...(props as FieldsEditorStandaloneProps)} />;
}

function FormFieldsEditor<T extends FieldValues>({ control, name, ...rest }: FieldsEditorFormProps<T>) {
  const { field, fieldState } = useController({ control, name });
  const rowErrors = (fieldState.error as unknown as Array<FieldRowErrors | undefined> | undefined) ?? undefined;
  const arrayMessage =
    (fieldState.error as { message?: string; root?: { message?: string } } | undefined)?.root?.message ??
    (Array.isArray(rowErrors) ? undefined : (fieldState.error?.message ?? undefined));
  return (
    <FieldsEditorView
      {...rest}
      value={(field.value as FieldMapping[] | undefined) ?? []}
      onChange={(next) => field.onChange(next)}
      errors={Array.isArray(rowErrors) ? rowErrors : undefined}
      arrayError={arrayMessage}
      disabled={rest.disabled || field.disabled}
    />
  );
}

function FieldsEditorView({
  value,
  onChange,
  errors,
  arrayError,
  catalog: catalogProp,
  disabled = false,
  className,
  ...rest
}: FieldsEditorStandaloneProps & { arrayError?: string | undefined }) {
  const m = useMessages();
  const api = useSegmentWebhookApi();
  const catalogQuery = useQuery({ ...fieldCatalogQueryOptions(api), enabled: !catalogProp });
  const catalog = catalogProp ?? catalogQuery.data;
  const baseId = useId();
  const root = useRef<HTMLFieldSetElement>(null);
  // Stable React keys for rows (they move), kept in step with the value's length.
  const ids = useRef<string[]>([]);
  const nextId = useRef(0);
  while (ids.current.length < value.length) ids.current.push(`row-${nextId.current++}`);
  if (ids.current.length > value.length) ids.current.length = value.length;
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [announcement, setAnnouncement] = useState('');

  const focusAfterRender = useFocusAfterRender();
  const focusLater = (selector: string) => {
    focusAfterRender(() => root.current?.querySelector<HTMLElement>(selector));
  };

  const update = (index: number, field: FieldMapping) => {
    onChange(value.map((f, i) => (i === index ? field : f)));
  };

  const add = () => {
    const id = `row-${nextId.current++}`;
    ids.current.push(id);
    onChange([...value, { key: '', from: '' }]);
    focusLater(`[data-row-id="${id}"] input[data-part="key"]`);
  };

  const remove = (index: number) => {
    const [removedId] = ids.current.splice(index, 1);
    onChange(value.filter((_, i) => i !== index));
    setTouched((prev) => {
      const next = new Set(prev);
      if (removedId) next.delete(removedId);
      return next;
    });
    const focusId = ids.current[index] ?? ids.current[index - 1];
    focusLater(focusId ? `[data-row-id="${focusId}"] [data-part="remove"]` : '[data-part="add"]');
  };

  const move = (index: number, delta: -1 | 1) => {
    const target = index + delta;
    if (target < 0 || target >= value.length) return;
    const next = [...value];
    [next[index], next[target]] = [next[target]!, next[index]!];
    const nextIds = [...ids.current];
    [nextIds[index], nextIds[target]] = [nextIds[target]!, nextIds[index]!];
    ids.current = nextIds;
    onChange(next);
    const movedId = nextIds[target]!;
    setAnnouncement(m.fieldMoved(next[target]!.key, target + 1));
    // Keep focus on the moved row; if its button is now disabled (top or bottom), use the other one.
    const atEdge = target === 0 || target === value.length - 1;
    const part = atEdge ? (delta === -1 ? 'down' : 'up') : delta === -1 ? 'up' : 'down';
    focusLater(`[data-row-id="${movedId}"] [data-part="${part}"]`);
  };

  const sourceOptions = (current: string): SelectGroup[] => {
    const person = (catalog?.person ?? []).map((f) => ({ value: sourceOf('person', f), label: f.label }));
    const activity = (catalog?.activity ?? []).map((f) => ({ value: sourceOf('activity', f), label: f.label }));
    // A saved source the catalog no longer lists still shows, under its raw name.
    if (current && current !== CONSTANT && ![...person, ...activity].some((o) => o.value === current)) {
      (current.startsWith('activity.') ? activity : person).push({ value: current, label: current });
    }
    return [
      { label: m.fieldKindPerson, options: person },
      { label: m.fieldKindActivity, options: activity },
      { label: m.fieldKindConstant, options: [{ value: CONSTANT, label: m.fieldKindConstant }] },
    ];
  };

  const atMax = value.length >= MAX_FIELDS;

  return (
    <fieldset
      ref={root}
      className={cx('swk-root swk-fieldset swk-fields', className)}
      data-state={value.length === 0 ? 'empty' : 'filled'}
      data-disabled={disabled || undefined}
      {...rest}
    >
      {catalogQuery.isError && !catalogProp ? (
        <Callout tone="danger" role="alert">
          {m.fieldsCatalogError}
        </Callout>
      ) : null}
      {value.length === 0 ? (
        <p className="swk-muted swk-fields__empty">{m.fieldsEmpty}</p>
      ) : (
        <ol className="swk-fields__list">
          {value.map((field, index) => {
            const rowId = ids.current[index]!;
            const domId = `${baseId}-${rowId}`;
            const rowErrors = errors?.[index];
            const local = touched.has(rowId) ? keyError(value, index, m.fieldDuplicate) : undefined;
            const keyMessage = rowErrors?.key?.message ?? local;
            const sourceMessage =
              rowErrors?.from?.message ??
              rowErrors?.value?.message ??
              (rowErrors?.key ? undefined : rowErrors?.message);
            const kind = kindOf(field);
            const keyErrorId = `${domId}-key-error`;
            const sourceErrorId = `${domId}-source-error`;
            const label = field.key.trim();
            return (
              <li
                key={rowId}
                className="swk-fields__row"
                data-row-id={rowId}
                data-kind={kind}
                data-invalid={keyMessage || sourceMessage ? '' : undefined}
              >
                <fieldset className="swk-fieldset swk-fields__fieldset">
                  <legend className="swk-sr-only">{m.fieldRow(index + 1)}</legend>
                  <div className="swk-fields__cell swk-fields__cell--key">
                    <label className="swk-fields__label" htmlFor={`${domId}-key`}>
                      {m.fieldKeyLabel}
                    </label>
                    <TextInput
                      id={`${domId}-key`}
                      data-part="key"
                      value={field.key}
                      disabled={disabled}
                      autoComplete="off"
                      spellCheck={false}
                      aria-invalid={keyMessage ? true : undefined}
                      aria-describedby={keyMessage ? keyErrorId : undefined}
                      onChange={(event) => update(index, { ...field, key: event.target.value })}
                      onBlur={() => setTouched((prev) => new Set(prev).add(rowId))}
                    />
                    {keyMessage ? <FieldError id={keyErrorId}>{keyMessage}</FieldError> : null}
                  </div>
                  <div className="swk-fields__cell swk-fields__cell--source">
                    <label className="swk-fields__label" htmlFor={`${domId}-source`}>
                      {m.fieldSourceLabel}
                    </label>
                    <Select
                      id={`${domId}-source`}
                      value={sourceValue(field)}
                      disabled={disabled}
                      placeholder={catalog ? m.fieldChoose : m.loading}
                      options={sourceOptions(sourceValue(field))}
                      aria-invalid={sourceMessage && kind !== 'constant' ? true : undefined}
                      aria-describedby={sourceMessage && kind !== 'constant' ? sourceErrorId : undefined}
                      onValueChange={(next) =>
                        update(
                          index,
                          next === CONSTANT
                            ? { key: field.key, value: kind === 'constant' ? (field as { value: string }).value : '' }
                            : { key: field.key, from: next },
                        )
                      }
                    />
                  </div>
                  {kind === 'constant' ? (
                    <div className="swk-fields__cell swk-fields__cell--value">
                      <label className="swk-fields__label" htmlFor={`${domId}-value`}>
                        {m.fieldValueLabel}
                      </label>
                      <TextInput
                        id={`${domId}-value`}
                        data-part="value"
                        value={String((field as { value: unknown }).value ?? '')}
                        disabled={disabled}
                        aria-invalid={sourceMessage ? true : undefined}
                        aria-describedby={sourceMessage ? sourceErrorId : undefined}
                        onChange={(event) => update(index, { key: field.key, value: event.target.value })}
                      />
                    </div>
                  ) : null}
                  <div className="swk-fields__actions">
                    <Button
                      size="sm"
                      variant="ghost"
                      iconOnly
                      data-part="up"
                      aria-label={m.fieldMoveUp(label)}
                      disabled={disabled || index === 0}
                      onClick={() => move(index, -1)}
                    >
                      <ArrowUpIcon />
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      iconOnly
                      data-part="down"
                      aria-label={m.fieldMoveDown(label)}
                      disabled={disabled || index === value.length - 1}
                      onClick={() => move(index, 1)}
                    >
                      <ArrowDownIcon />
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      iconOnly
                      data-part="remove"
                      aria-label={m.fieldRemove(label)}
                      disabled={disabled}
                      onClick={() => remove(index)}
                    >
                      <TrashIcon />
                    </Button>
                  </div>
                  {sourceMessage ? (
                    <div className="swk-fields__row-error">
                      <FieldError id={sourceErrorId}>{sourceMessage}</FieldError>
                    </div>
                  ) : null}
                </fieldset>
              </li>
            );
          })}
        </ol>
      )}
      {arrayError ? (
        <p className="swk-field__error" role="alert">
          {arrayError}
        </p>
      ) : null}
      <div className="swk-row">
        <Button size="sm" data-part="add" disabled={disabled || atMax} onClick={add}>
          <PlusIcon />
          {m.fieldAdd}
        </Button>
        {atMax ? <span className="swk-muted">{m.fieldsMax(MAX_FIELDS)}</span> : null}
      </div>
      <VisuallyHidden role="status" aria-live="polite">
        {announcement}
      </VisuallyHidden>
    </fieldset>
  );
}
