import {
  buildTrackMessage,
  type EventSnapshot,
  type FieldCatalog,
  type FieldMapping,
  MAX_MESSAGE_BYTES,
  messageBytes,
  sampleEvent,
  type TrackMessage,
} from '@segment-webhook/core/contract';
import { type HTMLAttributes, useId, useMemo, useState } from 'react';
import { Callout, CodeBlock, cx, Meter } from '../../primitives';
import { useMessages } from '../../provider/SegmentWebhookProvider';

/** The parts of a configuration that shape the payload. */
export interface PayloadConfig {
  trackEventName: string;
  sendActivityPayload: boolean;
  fields: FieldMapping[];
}

/** Props of {@link PayloadPreview}. */
export interface PayloadPreviewProps extends Omit<HTMLAttributes<HTMLElement>, 'title'> {
  /** The (possibly unsaved, possibly incomplete) configuration to preview. */
  config: PayloadConfig;
  /** Webhook id used in the messageId. Default: `'preview'`. */
  webhookId?: string;
  /** The sample activity. Default: the contract's `sampleEvent()` at mount time. */
  event?: EventSnapshot;
  /** Labels for sample values of fields the sample event lacks. Default: none (the source name is used). */
  catalog?: FieldCatalog | undefined;
  /** Heading. Default: the "Payload preview" message. */
  title?: string;
  /** Intro line under the heading. Default: the "previewIntro" message; `null` hides it. */
  intro?: string | null;
  /**
   * Give mapped fields the event lacks a sample value, so every property shows. Default true; false for a real
   * event (a recent activity event), whose message is shown exactly as it would be sent.
   */
  fillSampleValues?: boolean;
}

/** Human size: bytes under 1 KB, else KB with one decimal. */
export function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KB`;
}

/**
 * Gives every mapped field a sample value when the sample event lacks its source, so the preview
 * shows every configured property (labelled from the catalog, e.g. "Sample City").
 */
function withSampleValues(event: EventSnapshot, fields: FieldMapping[], catalog?: FieldCatalog): EventSnapshot {
  const person = { ...event.person };
  const attributes = { ...event.attributes };
  for (const field of fields) {
    if ('value' in field) continue;
    const dot = field.from.indexOf('.');
    if (dot < 0) continue;
    const scope = field.from.slice(0, dot);
    const key = field.from.slice(dot + 1);
    if (!key) continue;
    const record: Record<string, unknown> = scope === 'person' ? person : scope === 'activity' ? attributes : {};
    if (Object.hasOwn(record, key)) continue;
    const entries = scope === 'person' ? catalog?.person : catalog?.activity;
    const label = entries?.find((f) => f.key === key || f.key === field.from)?.label ?? key;
    record[key] = `Sample ${label}`;
  }
  return { ...event, person, attributes };
}

type Preview = { ok: true; message: TrackMessage; bytes: number } | { ok: false; error: string };

/**
 * The live payload preview: the Segment track message that will be sent for a sample activity,
 * built with the contract's own `buildTrackMessage`, with its size against Segment's 32 KB limit.
 */
export function PayloadPreview({
  config,
  webhookId = 'preview',
  event,
  catalog,
  title,
  intro,
  fillSampleValues = true,
  className,
  ...rest
}: PayloadPreviewProps) {
  const m = useMessages();
  const [defaultEvent] = useState(() => sampleEvent());
  const headingId = useId();
  const sample = event ?? defaultEvent;
  const { trackEventName, sendActivityPayload, fields } = config;
  const preview = useMemo<Preview>(() => {
    // Rows still being typed (no name yet) are not part of the payload.
    const complete = fields.filter((f) => f.key.trim() !== '');
    try {
      const message = buildTrackMessage({
        webhookId,
        config: { trackEventName, sendActivityPayload, fields: complete },
        event: fillSampleValues ? withSampleValues(sample, complete, catalog) : sample,
      });
      return { ok: true, message, bytes: messageBytes(message) };
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }, [webhookId, trackEventName, sendActivityPayload, fields, sample, catalog, fillSampleValues]);
  const bytes = preview.ok ? preview.bytes : MAX_MESSAGE_BYTES + 1;
  const tooLarge = bytes > MAX_MESSAGE_BYTES;
  return (
    <section
      aria-labelledby={headingId}
      className={cx('swk-root swk-preview', className)}
      data-state={tooLarge ? 'too-large' : 'ok'}
      {...rest}
    >
      <h3 className="swk-subheading" id={headingId}>
        {title ?? m.previewTitle}
      </h3>
      {intro === null ? null : <p className="swk-muted">{intro ?? m.previewIntro}</p>}
      {preview.ok ? <CodeBlock label={m.previewCodeLabel} code={JSON.stringify(preview.message, null, 2)} /> : null}
      <div className="swk-preview__size">
        <span className="swk-muted">{m.previewSizeLabel}</span>
        <span className="swk-preview__bytes">
          {preview.ok ? m.previewSize(formatBytes(bytes), formatBytes(MAX_MESSAGE_BYTES)) : '—'}
        </span>
      </div>
      <Meter
        value={Math.min(bytes, MAX_MESSAGE_BYTES)}
        max={MAX_MESSAGE_BYTES}
        aria-label={m.previewSizeLabel}
        valueText={preview.ok ? m.previewSize(formatBytes(bytes), formatBytes(MAX_MESSAGE_BYTES)) : m.previewTooLarge}
      />
      {tooLarge ? (
        <Callout tone="danger">
          <p>{m.previewTooLarge}</p>
          {preview.ok ? null : <p>{preview.error}</p>}
        </Callout>
      ) : null}
    </section>
  );
}
