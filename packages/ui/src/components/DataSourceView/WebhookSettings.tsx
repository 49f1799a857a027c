import { zodResolver } from '@hookform/resolvers/zod';
import {
  type FieldMapping,
  type Region,
  type TestResult,
  type UpdateWebhookRequest,
  type Webhook,
  webhookConfigSchema,
} from '@segment-webhook/core/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ComponentPropsWithoutRef, useId, useState } from 'react';
import { type Resolver, useForm } from 'react-hook-form';
import { isApiError } from '../../api/errors';
import { testWebhookMutationOptions, updateWebhookMutationOptions } from '../../api/queries';
import { Button, Callout, CodeBlock, EyeIcon, EyeOffIcon, Field, TextInput } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';
import { RegionFieldset, SendActivityPayloadField } from '../DeliveryOptions';
import { FieldsEditor } from '../FieldsEditor';
import { TestWithSelect } from '../SegmentWebhookSetup/TestWithSelect';

/** The values of the settings form. `writeKey` blank means "keep the current key". */
export interface WebhookSettingsValues {
  trackEventName: string;
  writeKey: string;
  region: Region;
  sendActivityPayload: boolean;
  fields: FieldMapping[];
}

/** The contract's configuration schema without the name (renamed in the heading) and with an optional key. */
const settingsSchema = webhookConfigSchema.omit({ name: true }).partial({ writeKey: true });
const contractResolver = zodResolver(settingsSchema);

/** Blank write key = unchanged: drop it before the contract's schema sees it. */
const settingsResolver: Resolver<WebhookSettingsValues> = async (values, context, options) => {
  const { writeKey, ...rest } = values;
  const input = writeKey.trim() === '' ? rest : values;
  // biome-ignore lint/suspicious/noExplicitAny: bridging the contract's output type to the form's value type.
  const result = await (contractResolver as any)(input, context, options);
  return result.errors && Object.keys(result.errors).length > 0
    ? result
    : { values: { ...values, ...result.values, writeKey: writeKey.trim() }, errors: {} };
};

function valuesOf(webhook: Webhook): WebhookSettingsValues {
  return {
    trackEventName: webhook.trackEventName,
    writeKey: '',
    region: webhook.region,
    sendActivityPayload: webhook.sendActivityPayload,
    fields: webhook.fields,
  };
}

const FORM_KEYS = ['trackEventName', 'writeKey', 'region', 'sendActivityPayload', 'fields'] as const;

/** Props of {@link WebhookSettings}. */
export interface WebhookSettingsProps extends Omit<ComponentPropsWithoutRef<'form'>, 'children' | 'onSubmit'> {
  /** The webhook to edit. */
  webhook: Webhook;
  /** Called after the settings were saved. */
  onSaved?: (webhook: Webhook) => void;
}

/**
 * The **Settings** tab: Track event name, Write key (blank keeps the current key; masked with
 * show/hide), Data ingestion region, Send activity payload and Fields, validated with the contract's
 * schema; only changed settings are sent (`PATCH`); server validation errors land on their fields.
 * **Test again** sends a sample event with the saved settings. State: `data-state`
 * (`idle` | `saving` | `saved` | `error`).
 */
export function WebhookSettings({ webhook, onSaved, className, ...rest }: WebhookSettingsProps) {
  const m = useMessages();
  const api = useSegmentWebhookApi();
  const queryClient = useQueryClient();
  const ids = useId();
  const [showKey, setShowKey] = useState(false);
  const [saved, setSaved] = useState(false);
  /** Test with: the recent activity event Test again sends instead of the sample, if chosen. */
  const [testEventId, setTestEventId] = useState<string | null>(null);
  const update = useMutation(updateWebhookMutationOptions(api, queryClient));
  const test = useMutation(testWebhookMutationOptions(api));
  const form = useForm<WebhookSettingsValues>({
    resolver: settingsResolver,
    defaultValues: valuesOf(webhook),
    mode: 'onTouched',
  });
  const { register, handleSubmit, formState, setError, reset, control } = form;
  const errors = formState.errors;

  const onSubmit = handleSubmit(async (values) => {
    setSaved(false);
    const patch: UpdateWebhookRequest = {};
    if (formState.dirtyFields.trackEventName) patch.trackEventName = values.trackEventName;
    if (values.writeKey) patch.writeKey = values.writeKey;
    if (formState.dirtyFields.region) patch.region = values.region;
    if (formState.dirtyFields.sendActivityPayload) patch.sendActivityPayload = values.sendActivityPayload;
    if (formState.dirtyFields.fields) patch.fields = values.fields;
    if (Object.keys(patch).length === 0) {
      setSaved(true);
      return;
    }
    try {
      const next = await update.mutateAsync({ id: webhook.id, patch });
      reset(valuesOf(next));
      setSaved(true);
      onSaved?.(next);
    } catch (error) {
      let mapped = false;
      if (isApiError(error, 'validation_error')) {
        for (const issue of error.errors) {
          const [head, ...tail] = issue.path;
          if (typeof head === 'string' && (FORM_KEYS as readonly string[]).includes(head)) {
            // biome-ignore lint/suspicious/noExplicitAny: the path comes from the server (e.g. fields.2.key).
            setError([head, ...tail].join('.') as any, { type: 'server', message: issue.message });
            mapped = true;
          }
        }
      }
      setError('root.server', {
        type: 'server',
        message: mapped ? m.formInvalid : error instanceof Error ? error.message : m.settingsSaveFailed,
      });
    }
  });

  const state = formState.isSubmitting ? 'saving' : errors.root?.server ? 'error' : saved ? 'saved' : 'idle';
  const writeKeyField = register('writeKey');
  return (
    <form
      className={['swk-root swk-settings', className].filter(Boolean).join(' ')}
      noValidate
      aria-labelledby={`${ids}-title`}
      data-state={state}
      onSubmit={(event) => void onSubmit(event)}
      {...rest}
    >
      <h2 id={`${ids}-title`} className="swk-settings__title">
        {m.settingsTitle}
      </h2>
      <p className="swk-field__hint swk-settings__version" data-version={webhook.version}>
        {m.settingsVersion(webhook.version)}
      </p>
      <Field label={m.trackEventNameLabel} hint={m.trackEventNameHint} error={errors.trackEventName?.message}>
        {(controlProps) => <TextInput {...controlProps} {...register('trackEventName')} />}
      </Field>
      <Field
        label={m.writeKeyLabel}
        hint={m.settingsWriteKeyHint(webhook.writeKeyHint)}
        error={errors.writeKey?.message}
      >
        {(controlProps) => (
          <div className="swk-input-group">
            <TextInput
              {...controlProps}
              {...writeKeyField}
              type={showKey ? 'text' : 'password'}
              autoComplete="off"
              spellCheck={false}
              placeholder={m.settingsWriteKeyPlaceholder(webhook.writeKeyHint)}
            />
            <Button
              variant="ghost"
              iconOnly
              aria-label={showKey ? m.writeKeyHide : m.writeKeyShow}
              aria-pressed={showKey}
              onClick={() => setShowKey((value) => !value)}
            >
              {showKey ? <EyeOffIcon /> : <EyeIcon />}
            </Button>
          </div>
        )}
      </Field>
      <RegionFieldset registration={register('region')} />
      <SendActivityPayloadField registration={register('sendActivityPayload')} />
      <div className="swk-field">
        <p id={`${ids}-fields`} className="swk-field__label">
          {m.fieldsLabel}
        </p>
        <p id={`${ids}-fields-hint`} className="swk-field__hint">
          {m.fieldsHint}
        </p>
        <FieldsEditor control={control} name="fields" aria-labelledby={`${ids}-fields`} />
      </div>
      {errors.root?.server && (
        <Callout tone="danger" role="alert">
          {errors.root.server.message}
        </Callout>
      )}
      {state === 'saved' && (
        <Callout tone="success" role="status">
          {m.settingsSaved}
        </Callout>
      )}
      <TestWithSelect value={testEventId} onChange={(id) => setTestEventId(id)} disabled={test.isPending} />
      <div className="swk-settings__actions">
        <Button type="submit" variant="primary" disabled={formState.isSubmitting} loading={formState.isSubmitting}>
          {formState.isSubmitting ? m.settingsSaving : m.settingsSave}
        </Button>
        <Button
          disabled={test.isPending}
          loading={test.isPending}
          onClick={() =>
            test.mutate(testEventId === null ? webhook.id : { id: webhook.id, activityEventId: testEventId })
          }
          aria-describedby={formState.isDirty ? `${ids}-test-note` : undefined}
        >
          {test.isPending ? m.testing : m.settingsTestAgain}
        </Button>
      </div>
      {formState.isDirty && (
        <p id={`${ids}-test-note`} className="swk-field__hint">
          {m.settingsTestSavedNote}
        </p>
      )}
      {test.isError && (
        <Callout tone="danger" role="alert" title={m.testFailed}>
          {test.error.message}
        </Callout>
      )}
      {test.data && <TestOutcome result={test.data} />}
    </form>
  );
}

/** The result of **Test again**: HTTP status, latency, the exact payload, the response, and the 200 caveat. */
function TestOutcome({ result }: { result: TestResult }) {
  const m = useMessages();
  const title = result.ok ? m.testOk : result.httpStatus === null ? m.testNetworkError : m.testSegmentError;
  return (
    <section className="swk-test-result" data-ok={result.ok ? '' : undefined} aria-label={m.testResultTitle}>
      <Callout tone={result.ok ? 'success' : 'danger'} role="status" title={title}>
        <dl className="swk-test-result__facts">
          <div>
            <dt>{m.testHttpStatus}</dt>
            <dd>{result.httpStatus ?? m.testNoResponse}</dd>
          </div>
          <div>
            <dt>{m.testLatency}</dt>
            <dd>{m.latencyMs(result.latencyMs)}</dd>
          </div>
          {result.error && (
            <div>
              <dt>{m.testError}</dt>
              <dd>{result.error}</dd>
            </div>
          )}
        </dl>
      </Callout>
      <p className="swk-field__hint">
        {m.testTip}{' '}
        <a href={m.segmentDebuggerUrl} target="_blank" rel="noreferrer">
          {m.testTipLink}
        </a>
      </p>
      <CodeBlock code={JSON.stringify(result.payload, null, 2)} label={m.testPayload} />
      {result.responseBody !== undefined && <CodeBlock code={result.responseBody} label={m.testResponse} />}
    </section>
  );
}
