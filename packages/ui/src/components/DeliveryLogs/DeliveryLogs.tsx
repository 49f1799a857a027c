import {
  backoffDelay,
  DEDUPLICATION_WINDOW_MS,
  type DeliveryChange,
  type DeliveryPage,
  type DeliveryStatus,
  type DeliverySummary,
  deliveryFilterFromQuery,
  deliveryMatchesFilter,
} from '@segment-webhook/core/contract';
import {
  type InfiniteData,
  replaceEqualDeep,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { type ComponentPropsWithoutRef, type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import {
  type DeliveryFilters,
  deliveriesInfiniteQueryOptions,
  deliveryQueryOptions,
  retryDeliveryMutationOptions,
  retryFailedMutationOptions,
  segmentWebhookKeys,
} from '../../api/queries';
import { Button, Callout } from '../../primitives';
import { useMessages, useSegmentWebhookApi } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';
import { ConfirmDialog } from '../LifecycleDialogs/LifecycleDialogs';
import { DeliveryDetailPanel } from './DeliveryDetailPanel';
import { DeliveryList } from './DeliveryList';
import { ExportMenu } from './ExportMenu';
import { ReplayDialog } from './ReplayDialog';
import {
  fromLocalInput,
  isBackwards,
  presetRange,
  TIME_RANGE_PRESETS,
  type TimeRange,
  type TimeRangePreset,
  toLocalInput,
} from './time-range';

/**
 * What the search box searched before it matched all three ids at once.
 * @deprecated The search box now matches an event id, message id or person id (the list's `q`).
 */
export type DeliverySearchField = 'personId' | 'eventId';

/** Props of {@link DeliveryLogs}. */
export interface DeliveryLogsProps extends Omit<ComponentPropsWithoutRef<'section'>, 'children'> {
  /** The webhook whose deliveries to show. */
  webhookId: string;
  /** Rows per page of the cursor API (1–200). Default: 100. */
  pageSize?: number;
  /** Initial status filter. Default: all statuses. */
  defaultStatus?: DeliveryStatus | null;
  /** Initially selected delivery (its detail panel open). Default: none. */
  defaultSelectedId?: string | null;
  /** Start with the live feed on. Default: false. */
  defaultLive?: boolean;
  /** Initial time range preset (`custom` starts as the last 24 hours). Default: `all`. */
  defaultRange?: TimeRangePreset;
  /** Initial search (an exact event id, message id or person id). Default: none. */
  defaultSearch?: string;
  /**
   * Delay before a dropped live feed first reconnects, in ms, before jitter; each failure in a row doubles
   * it (drawn between 1× and 2×, so many tabs do not come back at once) up to `liveRetryMaxMs`. Default: the
   * server's `retry:` hint when its stream sent one, else 1,000.
   */
  liveRetryMs?: number;
  /** The longest wait between reconnection attempts, in ms. Default: 30,000. */
  liveRetryMaxMs?: number;
  /** "Now" for the de-duplication warnings (stories and tests pin it). Default: `Date.now()`. */
  now?: number;
}

/**
 * The wait before reconnection attempt `failures` (1 for the first) of a dropped live feed: core's one
 * backoff (`backoffDelay`: `baseMs` doubled per failure in a row, drawn between 1× and 2× so that many
 * clients dropped together spread out, capped at `maxMs`). `random` returns [0, 1).
 */
export function liveRetryDelay(failures: number, baseMs: number, maxMs: number, random: () => number = Math.random) {
  return backoffDelay({ baseDelayMs: baseMs, factor: 2, maxDelayMs: maxMs }, failures - 1, random);
}

/** Whether `a` is an older version of the same delivery than `b` (by `updatedAt`, then attempts). */
function isOlder(a: DeliverySummary, b: DeliverySummary): boolean {
  const at = Date.parse(a.updatedAt);
  const bt = Date.parse(b.updatedAt);
  return at < bt || (at === bt && a.attemptCount < b.attemptCount);
}

/**
 * Applies one live change to the loaded pages: an already loaded delivery is replaced in place
 * (or dropped when it no longer matches the filters); a new one that matches is put on top. A change
 * older than the loaded version (a page fetched meanwhile already had a later state) is ignored.
 */
export function applyDeliveryChange(
  data: InfiniteData<DeliveryPage, string | null> | undefined,
  change: DeliveryChange,
  filters: DeliveryFilters,
): InfiniteData<DeliveryPage, string | null> | undefined {
  if (!data) return data;
  const { delivery } = change;
  const fits = deliveryMatchesFilter(delivery, deliveryFilterFromQuery(filters));
  let found = false;
  const pages = data.pages.map((page) => {
    const index = page.items.findIndex((item) => item.id === delivery.id);
    if (index === -1) return page;
    found = true;
    if (isOlder(delivery, page.items[index]!)) return page;
    const items = fits
      ? page.items.map((item, i) => (i === index ? delivery : item))
      : page.items.filter((_, i) => i !== index);
    return { ...page, items };
  });
  if (!found && fits && pages[0]) {
    pages[0] = { ...pages[0], items: [delivery, ...pages[0].items] };
  }
  return { ...data, pages };
}

/**
 * The **Logs** tab: a virtualized list of the webhook's deliveries (infinite scroll over the cursor
 * API), a status filter, a time range (presets or custom), one search box (an exact event id, message
 * id or person id: the list's `q`, applied on Enter), an **Export** menu (CSV or NDJSON of every
 * delivery the filters match), **Replay…** of a time range, a detail panel with **Retry**, **Retry all
 * failed** and a **Live** toggle that tails `GET /webhooks/:id/deliveries/stream`. With filters set, the
 * live feed only adds deliveries that match them (core's `deliveryMatchesFilter`; the relative presets
 * have no end, so new deliveries stay inside them).
 * State: `data-live`, `data-state` (`loading` | `error` | `empty` | `ready`).
 */
export function DeliveryLogs({
  webhookId,
  pageSize = 100,
  defaultStatus = null,
  defaultSelectedId = null,
  defaultLive = false,
  defaultRange = 'all',
  defaultSearch = '',
  liveRetryMs,
  liveRetryMaxMs = 30_000,
  now,
  className,
  ...rest
}: DeliveryLogsProps) {
  const m = useMessages();
  const format = useFormatters();
  const api = useSegmentWebhookApi();
  const queryClient = useQueryClient();
  const ids = useId();
  const [status, setStatus] = useState<DeliveryStatus | ''>(defaultStatus ?? '');
  // The search is applied on Enter (exact match: partial input would match nothing).
  const [searchText, setSearchText] = useState(defaultSearch);
  const [search, setSearch] = useState(defaultSearch.trim());
  const [range, setRange] = useState<TimeRange>(() => presetRange(defaultRange, now ?? Date.now()));
  // The custom range as typed (datetime-local values); applied while it is in order.
  const [customFrom, setCustomFrom] = useState(() => toLocalInput(range.from));
  const [customTo, setCustomTo] = useState(() => toLocalInput(range.to));
  const [replayOpen, setReplayOpen] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(defaultSelectedId);
  const [live, setLive] = useState(defaultLive);
  const [liveState, setLiveState] = useState<'connecting' | 'open' | 'error'>('connecting');
  const [retryAllOpen, setRetryAllOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const filters = useMemo<DeliveryFilters>(() => {
    const next: DeliveryFilters = { limit: pageSize };
    if (status) next.status = status;
    if (search) next.q = search;
    if (range.from) next.from = range.from;
    if (range.to) next.to = range.to;
    return next;
  }, [pageSize, status, search, range]);
  const { limit: _limit, ...exportQuery } = filters;

  function chooseRange(preset: TimeRangePreset) {
    const next = presetRange(preset, now ?? Date.now());
    if (preset === 'custom') {
      // Custom starts from the range shown (or the last 24 hours when it was All time).
      const from = range.from ?? next.from;
      const to = range.to ?? next.to;
      setCustomFrom(toLocalInput(from));
      setCustomTo(toLocalInput(to));
      setRange({ preset, ...(from ? { from } : {}), ...(to ? { to } : {}) });
    } else {
      setRange(next);
    }
  }

  function editCustom(bound: 'from' | 'to', value: string) {
    const typed = { from: bound === 'from' ? value : customFrom, to: bound === 'to' ? value : customTo };
    if (bound === 'from') setCustomFrom(value);
    else setCustomTo(value);
    const from = fromLocalInput(typed.from);
    const to = fromLocalInput(typed.to);
    // A backwards range is not applied (the list keeps the last one in order); the fields say why.
    if (isBackwards(from, to)) return;
    setRange({ preset: 'custom', ...(from ? { from } : {}), ...(to ? { to } : {}) });
  }

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    setSearch(searchText.trim());
  }

  function clearFilters() {
    setStatus('');
    setSearchText('');
    setSearch('');
    setRange({ preset: 'all' });
  }

  // Live changes received while a page is being fetched are re-applied to the page when it arrives:
  // the server may have read the deliveries before those changes, and its answer must not undo them
  // (a delivery seen Delivered on the live feed would turn back to Pending until the next change).
  const liveChanges = useRef<{ at: number; change: DeliveryChange }[]>([]);
  /**
   * When the fetch whose answer is awaited started, null when none is (a refetch asks for each loaded page
   * in turn; a failed fetch leaves its start, so the next answer re-applies more, which is harmless).
   */
  const fetchStartedAt = useRef<number | null>(null);
  /** True while a live change itself is being written to the cache (nothing to re-apply then). */
  const applyingLive = useRef(false);
  const listOptions = deliveriesInfiniteQueryOptions(api, webhookId, filters);
  const list = useInfiniteQuery({
    ...listOptions,
    queryFn: (context) => {
      fetchStartedAt.current ??= Date.now();
      return listOptions.queryFn!(context);
    },
    structuralSharing: (previous, fetched) => {
      let data = fetched as InfiniteData<DeliveryPage, string | null> | undefined;
      const since = fetchStartedAt.current;
      if (!applyingLive.current && since !== null) {
        fetchStartedAt.current = null;
        for (const { at, change } of liveChanges.current) {
          if (at >= since) data = applyDeliveryChange(data, change, filters);
        }
      }
      return replaceEqualDeep(previous, data);
    },
  });
  const items = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const detail = useQuery({
    ...deliveryQueryOptions(api, webhookId, selectedId ?? ''),
    enabled: selectedId !== null,
  });
  const retryOne = useMutation(retryDeliveryMutationOptions(api, queryClient));
  const retryAll = useMutation(retryFailedMutationOptions(api, queryClient));
  // Whether any failed delivery is older than Segment's de-duplication window (asked when the
  // confirmation opens, so the warning covers rows not loaded yet).
  const staleFailed = useQuery({
    queryKey: [...segmentWebhookKeys.deliveries(webhookId), 'stale-failed'],
    queryFn: ({ signal }) =>
      api.listDeliveries(
        webhookId,
        { status: 'failed', to: new Date((now ?? Date.now()) - DEDUPLICATION_WINDOW_MS).toISOString(), limit: 1 },
        { signal },
      ),
    enabled: retryAllOpen,
  });

  // Live tail over Server-Sent Events, merged into the loaded pages. A dropped feed reconnects with
  // a growing, jittered delay (see liveRetryDelay) and then reloads the list, since changes may have
  // been missed meanwhile.
  useEffect(() => {
    if (!live) return;
    const key = segmentWebhookKeys.deliveryList(webhookId, filters);
    let stop = () => {};
    let timer: ReturnType<typeof setTimeout> | undefined;
    let dropped = false;
    let failures = 0;
    // What the server said on earlier connections: its reconnection delay and the last event seen
    // (sent back as Last-Event-ID, as EventSource does).
    let serverRetryMs: number | undefined;
    let lastEventId: string | undefined;
    const connect = () => {
      setLiveState('connecting');
      stop = api.streamDeliveries(
        webhookId,
        {
          onOpen: () => {
            failures = 0;
            setLiveState('open');
            if (dropped) void queryClient.invalidateQueries({ queryKey: key });
          },
          onRetry: (ms) => {
            serverRetryMs = ms;
          },
          onError: () => {
            dropped = true;
            failures += 1;
            setLiveState('error');
            const baseMs = liveRetryMs ?? serverRetryMs ?? 1_000;
            timer = setTimeout(connect, liveRetryDelay(failures, baseMs, liveRetryMaxMs));
          },
          onChange: (change, eventId) => {
            lastEventId = eventId;
            liveChanges.current.push({ at: Date.now(), change });
            if (liveChanges.current.length > 500) liveChanges.current.splice(0, 250);
            applyingLive.current = true;
            try {
              queryClient.setQueryData<InfiniteData<DeliveryPage, string | null>>(key, (data) =>
                applyDeliveryChange(data, change, filters),
              );
            } finally {
              applyingLive.current = false;
            }
            const detailKey = segmentWebhookKeys.delivery(webhookId, change.delivery.id);
            if (queryClient.getQueryData(detailKey)) void queryClient.invalidateQueries({ queryKey: detailKey });
          },
        },
        lastEventId !== undefined ? { lastEventId } : undefined,
      );
    };
    connect();
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [live, api, webhookId, filters, queryClient, liveRetryMs, liveRetryMaxMs]);

  const state = list.isPending ? 'loading' : list.isError ? 'error' : items.length === 0 ? 'empty' : 'ready';
  const filtered = Boolean(status || search || range.from || range.to);
  const customBackwards =
    range.preset === 'custom' && isBackwards(fromLocalInput(customFrom), fromLocalInput(customTo));
  const rangeLabel =
    range.preset !== 'custom'
      ? m.logsRangePreset[range.preset]
      : range.from && range.to
        ? m.logsRangeBetween(format.dateTime(range.from), format.dateTime(range.to))
        : range.from
          ? m.logsRangeSince(format.dateTime(range.from))
          : range.to
            ? m.logsRangeUntil(format.dateTime(range.to))
            : m.logsRangePreset.all;
  const noMatch = m.logsNoMatch(
    [
      search ? m.logsNoMatchSearch(search) : null,
      status ? m.logsNoMatchStatus(m.deliveryStatus[status]) : null,
      range.from || range.to ? m.logsNoMatchRange(rangeLabel) : null,
    ]
      .filter(Boolean)
      .join(', '),
  );

  return (
    <section
      className={['swk-root swk-logs', className].filter(Boolean).join(' ')}
      aria-labelledby={`${ids}-title`}
      data-state={state}
      data-live={live ? '' : undefined}
      {...rest}
    >
      <div className="swk-logs__toolbar">
        <h2 id={`${ids}-title`} className="swk-logs__title">
          {m.logsTitle}
        </h2>
        <search className="swk-logs__filters">
          <div className="swk-field" data-inline="">
            <label htmlFor={`${ids}-status`} className="swk-field__label">
              {m.logsStatusFilter}
            </label>
            <select
              id={`${ids}-status`}
              className="swk-select"
              value={status}
              onChange={(event) => setStatus(event.target.value as DeliveryStatus | '')}
            >
              <option value="">{m.logsAllStatuses}</option>
              <option value="pending">{m.logsPendingFilter}</option>
              <option value="retrying">{m.deliveryStatus.retrying}</option>
              <option value="delivered">{m.deliveryStatus.delivered}</option>
              <option value="failed">{m.deliveryStatus.failed}</option>
            </select>
          </div>
          <div className="swk-field" data-inline="">
            <label htmlFor={`${ids}-range`} className="swk-field__label">
              {m.logsRange}
            </label>
            <select
              id={`${ids}-range`}
              className="swk-select"
              value={range.preset}
              onChange={(event) => chooseRange(event.target.value as TimeRangePreset)}
            >
              {TIME_RANGE_PRESETS.map((preset) => (
                <option key={preset} value={preset}>
                  {m.logsRangePreset[preset]}
                </option>
              ))}
            </select>
          </div>
          {range.preset === 'custom' && (
            <>
              {(
                [
                  ['from', m.logsRangeFrom, customFrom],
                  ['to', m.logsRangeTo, customTo],
                ] as const
              ).map(([end, label, value]) => (
                <div className="swk-field" data-inline="" key={end}>
                  <label htmlFor={`${ids}-${end}`} className="swk-field__label">
                    {label}
                  </label>
                  <input
                    id={`${ids}-${end}`}
                    type="datetime-local"
                    className="swk-input"
                    value={value}
                    aria-invalid={customBackwards || undefined}
                    aria-describedby={customBackwards ? `${ids}-range-error` : undefined}
                    onChange={(event) => editCustom(end, event.target.value)}
                  />
                </div>
              ))}
            </>
          )}
          <form className="swk-field swk-logs__search" data-inline="" onSubmit={submitSearch}>
            <label htmlFor={`${ids}-search`} className="swk-field__label">
              {m.logsSearchLabel}
            </label>
            <div className="swk-input-group">
              <input
                id={`${ids}-search`}
                type="search"
                className="swk-input"
                value={searchText}
                placeholder={m.logsSearchPlaceholder}
                spellCheck={false}
                autoComplete="off"
                onChange={(event) => setSearchText(event.target.value)}
              />
              <Button type="submit">{m.logsSearchSubmit}</Button>
              {(searchText || search) && (
                <Button
                  variant="ghost"
                  onClick={() => {
                    setSearchText('');
                    setSearch('');
                  }}
                >
                  {m.logsSearchClear}
                </Button>
              )}
            </div>
          </form>
          {customBackwards && (
            <p className="swk-field__error swk-logs__range-error" id={`${ids}-range-error`} role="alert">
              {m.logsRangeInvalid}
            </p>
          )}
        </search>
        <div className="swk-logs__actions">
          <button
            type="button"
            role="switch"
            aria-checked={live}
            className="swk-switch"
            data-state={live ? 'on' : 'off'}
            onClick={() => setLive((value) => !value)}
          >
            <span className="swk-switch__track" aria-hidden="true" />
            {m.logsLive}
          </button>
          <ExportMenu
            webhookId={webhookId}
            query={exportQuery}
            onStatus={(message, tone) => {
              setExportError(tone === 'error' ? message : null);
              setNotice(tone === 'error' ? null : message);
            }}
          />
          <Button
            onClick={() => {
              setNotice(null);
              setReplayOpen(true);
            }}
          >
            {m.logsReplay}
          </Button>
          <Button
            onClick={() => {
              setNotice(null);
              setRetryAllOpen(true);
            }}
          >
            {m.logsRetryAll}
          </Button>
        </div>
      </div>
      <p className="swk-logs__live" role="status">
        {live
          ? liveState === 'open'
            ? m.logsLiveOpen
            : liveState === 'error'
              ? m.logsLiveError
              : m.logsLiveConnecting
          : ''}
        {notice ? ` ${notice}` : ''}
      </p>
      {exportError && (
        <Callout tone="danger" role="alert">
          {exportError}
        </Callout>
      )}
      <div className="swk-logs__body" data-detail={selectedId ? 'open' : 'closed'}>
        {state === 'loading' ? (
          <p className="swk-logs__empty" role="status">
            {m.logsLoading}
          </p>
        ) : state === 'error' ? (
          <Callout tone="danger" role="alert" title={m.logsError}>
            <p>{list.error?.message}</p>
            <Button onClick={() => void list.refetch()}>{m.retry}</Button>
          </Callout>
        ) : (
          <DeliveryList
            items={items}
            selectedId={selectedId}
            onSelect={(delivery) => setSelectedId(delivery.id)}
            hasMore={list.hasNextPage}
            isLoadingMore={list.isFetchingNextPage}
            // Never cancel a page already on its way (fetchNextPage cancels by default).
            onLoadMore={() => void list.fetchNextPage({ cancelRefetch: false })}
            emptyMessage={
              filtered ? (
                <span className="swk-logs__no-match" data-filtered="">
                  <span>{noMatch}</span>
                  <Button size="sm" onClick={clearFilters}>
                    {m.logsClearFilters}
                  </Button>
                </span>
              ) : (
                m.logsEmpty
              )
            }
          />
        )}
        {selectedId && (
          <DeliveryDetailPanel
            key={selectedId}
            delivery={detail.data}
            error={detail.isError ? detail.error : null}
            now={now}
            onRetry={() => retryOne.mutateAsync({ id: webhookId, deliveryId: selectedId })}
            onClose={() => setSelectedId(null)}
          />
        )}
      </div>
      <ReplayDialog
        open={replayOpen}
        onOpenChange={setReplayOpen}
        webhookId={webhookId}
        defaultFrom={range.from}
        defaultTo={range.to}
        now={now}
      />
      <ConfirmDialog
        open={retryAllOpen}
        onOpenChange={setRetryAllOpen}
        title={m.logsRetryAllTitle}
        description={m.logsRetryAllBody}
        confirmLabel={m.logsRetryAll}
        destructive={false}
        onConfirm={async () => {
          const result = await retryAll.mutateAsync(webhookId);
          setNotice(m.logsRetriedAll(format.count(result.retried), result.retried === 1));
        }}
      >
        {staleFailed.data && staleFailed.data.items.length > 0 && (
          <Callout tone="warning" data-stale="">
            {m.logsRetryAllStale}
          </Callout>
        )}
      </ConfirmDialog>
    </section>
  );
}
