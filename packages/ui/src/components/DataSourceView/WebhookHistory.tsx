import type { HistoryChange, HistoryEntry, JsonValue } from '@segment-webhook/core/contract';
import { useInfiniteQuery } from '@tanstack/react-query';
import { type ComponentPropsWithoutRef, useId } from 'react';
import { webhookHistoryInfiniteQueryOptions } from '../../api/queries';
import { Button, Callout } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';

type Messages = ReturnType<typeof useMessages>;

/** One value of a history change as the History section shows it: text quoted, fields by their keys. */
export function describeHistoryValue(field: HistoryChange['field'], value: JsonValue | null, m: Messages): string {
  if (value === null || value === undefined) return m.historyNone;
  if (field === 'region' && (value === 'us' || value === 'eu')) return value === 'eu' ? m.regionEu : m.regionUs;
  if (typeof value === 'boolean') return value ? m.historyYes : m.historyNo;
  if (field === 'fields' && Array.isArray(value)) {
    const keys = value
      .map((item) => (item && typeof item === 'object' && !Array.isArray(item) ? item.key : undefined))
      .filter((key): key is string => typeof key === 'string');
    if (keys.length === 0) return m.historyNone;
    return `${m.historyFieldCount(keys.length)} (${keys.join(', ')})`;
  }
  if (typeof value === 'string') return `'${value}'`;
  return JSON.stringify(value);
}

/**
 * One change as a line: "Track event name: 'A' → 'B'", "Track event name: 'B'" at creation, and for the
 * write key only "Write key changed" (the history never carries its value).
 */
export function describeHistoryChange(change: HistoryChange, m: Messages): string {
  if (change.field === 'writeKey') return m.historyWriteKeyChanged;
  const label = m.historyField[change.field];
  const to = describeHistoryValue(change.field, change.to, m);
  if (change.from === null) return `${label}: ${to}`;
  return `${label}: ${describeHistoryValue(change.field, change.from, m)} → ${to}`;
}

/** Props of {@link WebhookHistory}. */
export interface WebhookHistoryProps extends Omit<ComponentPropsWithoutRef<'section'>, 'children'> {
  /** The webhook whose settings history to show. */
  webhookId: string;
  /** Versions per page. Default: the server's (50). */
  pageSize?: number;
}

/**
 * The **History** section of the Settings tab (`GET /webhooks/:id/history`): every version of the settings,
 * newest first, as "Version 3 · time · who" and the settings it changed ("Track event name: 'A' → 'B'"; the
 * write key only as "Write key changed"). State on the root: `data-state` (`loading` | `error` | `empty` |
 * `ready`).
 */
export function WebhookHistory({ webhookId, pageSize, className, ...rest }: WebhookHistoryProps) {
  const m = useMessages();
  const api = useSegmentWebhookApi();
  const headingId = useId();
  const query = useInfiniteQuery(webhookHistoryInfiniteQueryOptions(api, webhookId, pageSize));
  const entries = query.data?.pages.flatMap((page) => page.items) ?? [];
  const state = query.isPending ? 'loading' : query.isError ? 'error' : entries.length === 0 ? 'empty' : 'ready';
  return (
    <section
      className={['swk-root swk-history', className].filter(Boolean).join(' ')}
      aria-labelledby={headingId}
      aria-busy={state === 'loading' || undefined}
      data-state={state}
      {...rest}
    >
      <h3 id={headingId} className="swk-history__title">
        {m.historyTitle}
      </h3>
      <p className="swk-field__hint">{m.historyIntro}</p>
      {state === 'loading' && <p role="status">{m.historyLoading}</p>}
      {state === 'error' && (
        <Callout tone="danger" role="alert" title={m.historyError}>
          <p>{query.error?.message}</p>
          <Button onClick={() => void query.refetch()}>{m.retry}</Button>
        </Callout>
      )}
      {state === 'empty' && <p>{m.historyEmpty}</p>}
      {state === 'ready' && (
        <ol className="swk-history__list">
          {entries.map((entry) => (
            <HistoryItem key={entry.version} entry={entry} />
          ))}
        </ol>
      )}
      {state === 'ready' && query.hasNextPage && (
        <Button
          disabled={query.isFetchingNextPage}
          loading={query.isFetchingNextPage}
          onClick={() => void query.fetchNextPage()}
        >
          {query.isFetchingNextPage ? m.loading : m.historyShowMore}
        </Button>
      )}
      {state === 'ready' && query.isFetchNextPageError && (
        <p className="swk-field__error" role="alert">
          {m.historyError} {query.error?.message}
        </p>
      )}
    </section>
  );
}

function HistoryItem({ entry }: { entry: HistoryEntry }) {
  const m = useMessages();
  const format = useFormatters();
  const created = entry.version === 1;
  return (
    <li className="swk-history__entry" data-version={entry.version}>
      <p className="swk-history__head">
        <strong>{m.historyVersion(entry.version)}</strong>
        {' · '}
        <time dateTime={entry.at}>{format.dateTime(entry.at)}</time>
        {' · '}
        <span className="swk-history__actor">{entry.actor ?? m.historyUnknownActor}</span>
        {created && (
          <>
            {' · '}
            {m.historyCreated}
          </>
        )}
      </p>
      {entry.changes.length > 0 ? (
        <ul className="swk-history__changes">
          {entry.changes.map((change) => (
            <li key={change.field}>{describeHistoryChange(change, m)}</li>
          ))}
        </ul>
      ) : (
        <p className="swk-field__hint">{m.historyNoChanges}</p>
      )}
    </li>
  );
}
