import type { ActivityEvent } from '@segment-webhook/core/contract';
import { useQuery } from '@tanstack/react-query';
import { activitiesQueryOptions, recentActivityEventsQueryOptions } from '../../api/queries';
import { Field, Select } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';

/** The select's value for the fixed sample activity. */
const SAMPLE = 'sample';

/**
 * The account's recent activity events (`GET /activities/recent-events`) when the host provides some; an
 * empty list otherwise, also while loading and when the host's server does not offer the route.
 */
export function useRecentActivityEvents(): ActivityEvent[] {
  const api = useSegmentWebhookApi();
  const query = useQuery(recentActivityEventsQueryOptions(api));
  return query.isSuccess ? query.data : [];
}

/** Props of {@link TestWithSelect}. */
export interface TestWithSelectProps {
  /** The chosen recent activity event's id, or `null` for the sample activity. */
  value: string | null;
  /** Called with the event's id, or `null` when the user goes back to the sample. */
  onChange: (activityEventId: string | null, event: ActivityEvent | null) => void;
  /** Disables the select. Default: false. */
  disabled?: boolean;
  /** Class of the field. */
  className?: string;
}

/**
 * **Test with**: the sample activity (default), or one of the account's recent activity events, named by
 * activity, person and time. Renders nothing when the host provides no recent events (or its server does not
 * offer them), so Test sends the sample as before.
 */
export function TestWithSelect({ value, onChange, disabled = false, className }: TestWithSelectProps) {
  const m = useMessages();
  const format = useFormatters();
  const api = useSegmentWebhookApi();
  const events = useRecentActivityEvents();
  const activities = useQuery({ ...activitiesQueryOptions(api), enabled: events.length > 0 });
  if (events.length === 0) return null;
  const nameOf = (activityId: string) =>
    activities.data?.find((activity) => activity.id === activityId)?.name ?? activityId;
  const options = [
    { value: SAMPLE, label: m.testWithSample },
    ...events.map((event) => ({
      value: event.id,
      label: m.testWithEvent(nameOf(event.activityId), event.person.id, format.dateTime(event.occurredAt)),
    })),
  ];
  const selected = value !== null && events.some((event) => event.id === value) ? value : SAMPLE;
  return (
    <Field
      label={m.testWithLabel}
      hint={m.testWithHint}
      className={['swk-test-with', className].filter(Boolean).join(' ')}
    >
      {(control) => (
        <Select
          id={control.id}
          aria-describedby={control['aria-describedby']}
          value={selected}
          disabled={disabled}
          options={options}
          onValueChange={(next) => {
            const event = events.find((candidate) => candidate.id === next) ?? null;
            onChange(event ? event.id : null, event);
          }}
        />
      )}
    </Field>
  );
}
