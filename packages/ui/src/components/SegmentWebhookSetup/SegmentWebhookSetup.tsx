import { zodResolver } from '@hookform/resolvers/zod';
import {
  type ActivityEvent,
  type FieldCatalog,
  type TestWebhookRequest,
  type Webhook,
  type WebhookConfig,
  webhookConfigSchema,
} from '@segment-webhook/core/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormHTMLAttributes, useId, useState } from 'react';
import { type FieldPath, useForm, useWatch } from 'react-hook-form';
import { ApiError } from '../../api/errors';
import {
  createWebhookMutationOptions,
  fieldCatalogQueryOptions,
  testConfigurationMutationOptions,
} from '../../api/queries';
import { Button, Callout, cx, EyeIcon, EyeOffIcon, Field, TextInput } from '../../primitives';
import { useMessages, useProductName, useSegmentWebhookApi } from '../../provider/SegmentWebhookProvider';
import { RegionFieldset, SendActivityPayloadField } from '../DeliveryOptions';
import { FieldsEditor } from '../FieldsEditor';
import { PayloadPreview } from './PayloadPreview';
import { type TestPanelState, TestResultPanel } from './TestResultPanel';
import { TestWithSelect } from './TestWithSelect';

/** Props of {@link SegmentWebhookSetup}. */
export interface SegmentWebhookSetupProps
  extends Omit<FormHTMLAttributes<HTMLFormElement>, 'onSubmit' | 'defaultValue'> {
  /** Called with the created webhook after **Create** succeeds. */
  onCreated?: (webhook: Webhook) => void;
  /** Shows a **Cancel** button that calls this. Default: no Cancel button. */
  onCancel?: () => void;
  /** Initial values. Default: empty names, region US, Send activity payload on, no fields. */
  defaultValues?: Partial<WebhookConfig>;
  /** Disables the whole form (e.g. the user may not create data sources). Default: false. */
  disabled?: boolean;
  /** Hides the live payload preview. Default: false. */
  hidePreview?: boolean;
}

const EMPTY: WebhookConfig = {
  name: '',
  trackEventName: '',
  writeKey: '',
  region: 'us',
  sendActivityPayload: true,
  fields: [],
};

/** The form's field paths a server error path can land on. */
const KNOWN_ROOTS = new Set(['name', 'trackEventName', 'writeKey', 'region', 'sendActivityPayload', 'fields']);

/** Turns a problem's `errors[].path` (e.g. `["fields", 2, "key"]`) into a form path, if it is one. */
export function formPathOf(path: Array<string | number>): FieldPath<WebhookConfig> | null {
  const [root] = path;
  if (typeof root !== 'string' || !KNOWN_ROOTS.has(root)) return null;
  return path.join('.') as FieldPath<WebhookConfig>;
}

/**
 * The Segment webhook **Setup** page: Webhook name, Track event name, Write key (masked, show/hide),
 * Send activity payload, Data ingestion region (US / EU) and Fields, with **Test** (sends the unsaved
 * configuration to Segment and shows the result) and **Create**. Beside the form, a live preview of
 * the payload for a sample activity. Validated with the contract's `webhookConfigSchema`; server
 * validation errors land on their fields.
 */
export function SegmentWebhookSetup({
  onCreated,
  onCancel,
  defaultValues,
  disabled = false,
  hidePreview = false,
  className,
  ...rest
}: SegmentWebhookSetupProps) {
  const m = useMessages();
  const productName = useProductName();
  const api = useSegmentWebhookApi();
  const queryClient = useQueryClient();
  const fieldsLabelId = useId();
  const writeKeyId = useId();
  const [showKey, setShowKey] = useState(false);
  const [testState, setTestState] = useState<TestPanelState>({ status: 'idle' });
  const [formError, setFormError] = useState<string | null>(null);
  /** The recent activity event Test sends instead of the sample (Test with), if the user chose one. */
  const [testEvent, setTestEvent] = useState<ActivityEvent | null>(null);
  const catalog = useQuery(fieldCatalogQueryOptions(api)).data as FieldCatalog | undefined;

  const form = useForm<WebhookConfig>({
    resolver: zodResolver(webhookConfigSchema),
    defaultValues: { ...EMPTY, ...defaultValues },
    mode: 'onTouched',
    disabled,
  });
  const {
    register,
    control,
    formState: { errors, isSubmitting },
  } = form;
  const [trackEventName, sendActivityPayload, fields] = useWatch({
    control,
    name: ['trackEventName', 'sendActivityPayload', 'fields'],
  });

  const create = useMutation(createWebhookMutationOptions(api, queryClient));
  const test = useMutation(testConfigurationMutationOptions(api));

  /** Puts server validation errors on their fields; returns the ones that belong to none. */
  const applyServerErrors = (error: ApiError): string[] => {
    const unplaced: string[] = [];
    for (const issue of error.errors) {
      const path = formPathOf(issue.path);
      if (path) form.setError(path, { type: 'server', message: issue.message }, { shouldFocus: true });
      else unplaced.push(issue.message);
    }
    return unplaced;
  };

  const describe = (error: unknown): string => {
    if (error instanceof ApiError) return error.code === 'network_error' ? m.networkError : error.message;
    return m.genericError;
  };

  const onTest = async () => {
    // Test needs everything but the name.
    const checked = ['trackEventName', 'writeKey', 'region', 'sendActivityPayload', 'fields'] as const;
    const valid = await form.trigger(checked, { shouldFocus: true });
    if (!valid) {
      // Mark the checked fields touched so that, in `onTouched` mode, their errors clear while the user
      // types: cleared only on blur, the message would vanish under the pointer as the user clicks Test
      // again, moving the button away and losing the click.
      for (const name of checked) form.setValue(name, form.getValues(name), { shouldTouch: true });
      return;
    }
    const { name, ...config } = form.getValues();
    const body: TestWebhookRequest = {
      ...(name.trim() ? { name, ...config } : config),
      ...(testEvent ? { activityEventId: testEvent.id } : {}),
    };
    setTestState({ status: 'pending' });
    try {
      const result = await test.mutateAsync(body);
      setTestState({ status: 'result', result });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_error' && error.errors.length > 0) {
        const unplaced = applyServerErrors(error);
        setTestState({ status: 'error', message: unplaced.join(' ') || m.formInvalid });
      } else {
        setTestState({ status: 'error', message: describe(error) });
      }
    }
  };

  const onSubmit = form.handleSubmit(async (values) => {
    setFormError(null);
    try {
      const webhook = await create.mutateAsync(values);
      onCreated?.(webhook);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'validation_error' && error.errors.length > 0) {
        const unplaced = applyServerErrors(error);
        setFormError(unplaced.length > 0 ? `${m.createFailed} ${unplaced.join(' ')}` : m.formInvalid);
      } else {
        setFormError(`${m.createFailed} ${describe(error)}`);
      }
    }
  });

  const submitting = isSubmitting || create.isPending;

  return (
    <form
      noValidate
      className={cx('swk-root swk-setup', className)}
      data-state={submitting ? 'submitting' : 'idle'}
      data-disabled={disabled || undefined}
      onSubmit={onSubmit}
      {...rest}
    >
      <div className="swk-setup__main swk-card swk-stack">
        <p className="swk-muted">{m.setupIntro(productName)}</p>

        <Field label={m.webhookNameLabel} hint={m.webhookNameHint} error={errors.name?.message}>
          {(control) => <TextInput {...control} autoComplete="off" {...register('name')} />}
        </Field>

        <Field label={m.trackEventNameLabel} hint={m.trackEventNameHint} error={errors.trackEventName?.message}>
          {(control) => <TextInput {...control} autoComplete="off" {...register('trackEventName')} />}
        </Field>

        <Field id={writeKeyId} label={m.writeKeyLabel} hint={m.writeKeyHint} error={errors.writeKey?.message}>
          {(control) => (
            <div className="swk-input-group">
              <TextInput
                {...control}
                type={showKey ? 'text' : 'password'}
                autoComplete="off"
                spellCheck={false}
                className="swk-input--mono"
                {...register('writeKey')}
              />
              <Button
                iconOnly
                aria-label={showKey ? m.writeKeyHide : m.writeKeyShow}
                aria-pressed={showKey}
                aria-controls={writeKeyId}
                disabled={disabled}
                onClick={() => setShowKey((shown) => !shown)}
              >
                {showKey ? <EyeOffIcon /> : <EyeIcon />}
              </Button>
            </div>
          )}
        </Field>

        <SendActivityPayloadField registration={register('sendActivityPayload')} />

        <RegionFieldset registration={register('region')} />

        <div className="swk-field">
          <span className="swk-field__label" id={fieldsLabelId}>
            {m.fieldsLabel}
          </span>
          <p className="swk-field__hint">{m.fieldsHint}</p>
          <FieldsEditor control={control} name="fields" aria-labelledby={fieldsLabelId} catalog={catalog} />
        </div>

        {formError ? (
          <Callout tone="danger" role="alert">
            {formError}
          </Callout>
        ) : null}

        <TestWithSelect
          value={testEvent?.id ?? null}
          onChange={(_id, event) => setTestEvent(event)}
          disabled={disabled || test.isPending}
        />

        <div className="swk-row swk-setup__actions">
          <Button onClick={onTest} disabled={disabled || test.isPending} loading={test.isPending}>
            {m.testButton}
          </Button>
          <span className="swk-spacer" />
          {onCancel ? (
            <Button variant="ghost" onClick={onCancel} disabled={submitting}>
              {m.cancel}
            </Button>
          ) : null}
          <Button type="submit" variant="primary" disabled={disabled || submitting} loading={submitting}>
            {m.createButton}
          </Button>
        </div>

        <TestResultPanel state={testState} />
      </div>

      {hidePreview ? null : (
        <aside className="swk-setup__aside swk-card">
          <PayloadPreview
            config={{ trackEventName, sendActivityPayload, fields }}
            catalog={catalog}
            {...(testEvent ? { event: testEvent, fillSampleValues: false, intro: m.previewIntroEvent } : {})}
          />
        </aside>
      )}
    </form>
  );
}
