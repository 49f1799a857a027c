import { type DeliverySummary, isHeld } from '@segment-webhook/core/contract';
import {
  type ComponentPropsWithoutRef,
  type KeyboardEvent,
  memo,
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { Badge, type BadgeTone } from '../../primitives';
import { useMessages } from '../../provider';
import { useFormatters } from '../../provider/SegmentWebhookProvider';
import type { Formatters } from '../format';
import { useRowWindow } from './use-row-window';

type Messages = ReturnType<typeof useMessages>;

/** Height of one row, in CSS pixels (fixed, so 100,000 rows need no measuring). */
export const DELIVERY_ROW_HEIGHT = 52;

/** Props of {@link DeliveryList}. */
export interface DeliveryListProps extends Omit<ComponentPropsWithoutRef<'div'>, 'children' | 'onSelect'> {
  /** The deliveries loaded so far, newest first. */
  items: readonly DeliverySummary[];
  /** The selected delivery's id. */
  selectedId?: string | null;
  /** Called when a row is chosen (click, Enter or Space). */
  onSelect?: (delivery: DeliverySummary) => void;
  /** More rows exist beyond `items`. Default: false. */
  hasMore?: boolean;
  /** Called when the user scrolls near the end and `hasMore` is true. */
  onLoadMore?: () => void;
  /** A next page is loading. Default: false. */
  isLoadingMore?: boolean;
  /** Accessible name of the list. Default: the `logsListLabel` message. */
  label?: string;
  /** Rows rendered beyond the visible ones on each side. Default: 8. */
  overscan?: number;
  /** Shown instead of the list when `items` is empty. Default: the `logsEmpty` message. */
  emptyMessage?: ReactNode;
}

/** The label of a delivery's status badge: held deliveries (core's `isHeld`) say so. */
export function deliveryStatusLabel(delivery: Pick<DeliverySummary, 'status' | 'heldReason'>, m: Messages): string {
  return isHeld(delivery) ? m.logsHeld : m.deliveryStatus[delivery.status];
}

/** Badge tone of a delivery status (`held` for held deliveries, see core's `isHeld`). */
export function deliveryTone(status: DeliverySummary['status'] | 'held'): BadgeTone {
  switch (status) {
    case 'delivered':
      return 'success';
    case 'failed':
      return 'danger';
    case 'held':
      return 'warning';
    case 'retrying':
      return 'info';
    case 'pending':
    case 'skipped':
      return 'neutral';
    default: {
      const never: never = status;
      throw new Error(`Unknown status ${String(never)}`);
    }
  }
}

/** The one-line outcome of a delivery for the list. */
function outcomeOf(delivery: DeliverySummary, m: Messages): string {
  if (isHeld(delivery) && delivery.heldReason) {
    return m.logsHeldBecause(m.logsHeldReason[delivery.heldReason]);
  }
  if (delivery.status === 'delivered') return m.logsHttp(delivery.lastHttpStatus ?? 200);
  if (delivery.lastError) return delivery.lastError;
  if (delivery.status === 'pending') return m.logsQueued;
  return delivery.lastHttpStatus === null ? '—' : m.logsHttp(delivery.lastHttpStatus);
}

const Row = memo(function Row({
  delivery,
  index,
  start,
  optionId,
  selected,
  active,
  setSize,
  onPick,
  m,
  format,
}: {
  delivery: DeliverySummary;
  index: number;
  start: number;
  optionId: string;
  selected: boolean;
  active: boolean;
  setSize: number;
  onPick: (index: number) => void;
  m: Messages;
  format: Formatters;
}) {
  const held = isHeld(delivery);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the listbox handles the keyboard (aria-activedescendant).
    <div
      id={optionId}
      role="option"
      aria-selected={selected}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      tabIndex={-1}
      className="swk-logs__row"
      data-status={delivery.status}
      data-held={held ? delivery.heldReason : undefined}
      data-active={active ? '' : undefined}
      data-index={index}
      style={{ transform: `translateY(${start}px)` }}
      onClick={() => onPick(index)}
    >
      <Badge className="swk-logs__status" tone={deliveryTone(held ? 'held' : delivery.status)}>
        {deliveryStatusLabel(delivery, m)}
      </Badge>
      <span className="swk-logs__ids">
        <span className="swk-logs__event">{delivery.eventId}</span>
        <span className="swk-logs__person">{delivery.personId}</span>
      </span>
      <span className="swk-logs__outcome">{outcomeOf(delivery, m)}</span>
      <span className="swk-logs__attempts">{m.logsAttempts(delivery.attemptCount)}</span>
      <time className="swk-logs__time" dateTime={delivery.createdAt}>
        {format.compactDateTime(delivery.createdAt)}
      </time>
    </div>
  );
});

/**
 * The virtualized list of deliveries (fixed-height rows, {@link useRowWindow}): only the visible rows are in the DOM,
 * so 100,000 rows scroll smoothly. A single-tab-stop listbox: arrow keys, Page Up/Down, Home and End
 * move, Enter or Space opens; scrolling near the end asks for the next page. State: `data-state`
 * (`empty` | `ready`), `data-loading-more`.
 */
export function DeliveryList({
  items,
  selectedId = null,
  onSelect,
  hasMore = false,
  onLoadMore,
  isLoadingMore = false,
  label,
  overscan = 8,
  emptyMessage,
  className,
  ...rest
}: DeliveryListProps) {
  const m = useMessages();
  const format = useFormatters();
  const baseId = useId();
  const scrollRef = useRef<HTMLDivElement>(null);
  const [activeIndex, setActiveIndex] = useState(() => {
    const index = selectedId ? items.findIndex((item) => item.id === selectedId) : -1;
    return Math.max(0, index);
  });
  // Without layout (jsdom, a hidden tab) the element measures 0 × 0: assume a viewport of 10 rows
  // rather than rendering nothing.
  const rows = useRowWindow({ count: items.length, rowHeight: DELIVERY_ROW_HEIGHT, overscan, scrollRef });
  const lastVisible = rows.last;

  // Infinite scroll: ask for more when the last rendered row is within a screenful of the end.
  useEffect(() => {
    if (hasMore && !isLoadingMore && onLoadMore && lastVisible >= items.length - 1 - overscan * 2) onLoadMore();
  }, [hasMore, isLoadingMore, onLoadMore, lastVisible, items.length, overscan]);

  const clampedActive = Math.min(activeIndex, Math.max(0, items.length - 1));
  const pick = useCallback(
    (index: number) => {
      setActiveIndex(index);
      const item = items[index];
      if (item) onSelect?.(item);
    },
    [items, onSelect],
  );

  function move(to: number) {
    const next = Math.max(0, Math.min(items.length - 1, to));
    setActiveIndex(next);
    rows.scrollToIndex(next);
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (items.length === 0) return;
    const page = Math.max(
      1,
      Math.floor((scrollRef.current?.clientHeight || DELIVERY_ROW_HEIGHT * 10) / DELIVERY_ROW_HEIGHT) - 1,
    );
    switch (event.key) {
      case 'ArrowDown':
        move(clampedActive + 1);
        break;
      case 'ArrowUp':
        move(clampedActive - 1);
        break;
      case 'PageDown':
        move(clampedActive + page);
        break;
      case 'PageUp':
        move(clampedActive - page);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(items.length - 1);
        break;
      case 'Enter':
      case ' ':
        pick(clampedActive);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  const setSize = hasMore ? -1 : items.length;
  const activeRendered = clampedActive >= rows.first && clampedActive <= rows.last;
  return (
    <div
      className={['swk-logs__list', className].filter(Boolean).join(' ')}
      data-state={items.length === 0 ? 'empty' : 'ready'}
      data-loading-more={isLoadingMore ? '' : undefined}
      {...rest}
    >
      {items.length === 0 && <p className="swk-logs__empty">{emptyMessage ?? m.logsEmpty}</p>}
      <div
        ref={scrollRef}
        hidden={items.length === 0}
        className="swk-logs__scroller"
        role="listbox"
        aria-label={label ?? m.logsListLabel}
        tabIndex={0}
        aria-activedescendant={items.length > 0 && activeRendered ? `${baseId}-${clampedActive}` : undefined}
        aria-busy={isLoadingMore || undefined}
        onKeyDown={onKeyDown}
      >
        <div className="swk-logs__spacer" style={{ height: rows.totalSize }}>
          {Array.from({ length: rows.last - rows.first + 1 }, (_, offset) => {
            const index = rows.first + offset;
            const delivery = items[index];
            if (!delivery) return null;
            return (
              <Row
                key={delivery.id}
                delivery={delivery}
                index={index}
                start={index * DELIVERY_ROW_HEIGHT}
                optionId={`${baseId}-${index}`}
                selected={delivery.id === selectedId}
                active={index === clampedActive}
                setSize={setSize}
                onPick={pick}
                m={m}
                format={format}
              />
            );
          })}
        </div>
      </div>
      {isLoadingMore && (
        <p className="swk-logs__more" role="status">
          {m.logsLoadingMore}
        </p>
      )}
    </div>
  );
}
