import { type RefObject, useCallback, useLayoutEffect, useState } from 'react';

/** Options of {@link useRowWindow}. */
export interface RowWindowOptions {
  /** How many rows the list has. */
  count: number;
  /** Every row's height, in px (the rows are fixed-height). */
  rowHeight: number;
  /** Rows rendered beyond the visible ones on each side. */
  overscan: number;
  /** The scrolling element. */
  scrollRef: RefObject<HTMLElement | null>;
  /** Rows assumed visible while the element has no layout (jsdom, a hidden tab). */
  fallbackRows?: number;
}

/** What {@link useRowWindow} returns. */
export interface RowWindow {
  /** Index of the first row to render (0 when there is none). */
  first: number;
  /** Index of the last row to render (inclusive), or -1 when there is none. */
  last: number;
  /** Height of the whole list, in px. */
  totalSize: number;
  /** Scrolls just enough to show row `index` (nothing when it is already in view). */
  scrollToIndex(index: number): void;
}

/**
 * Windowing for a list of fixed-height rows: which rows intersect the scrolling element's viewport (plus
 * `overscan` on each side). It re-renders only when a row boundary is crossed or the viewport is resized.
 * The delivery list's rows all have the same height, so this is arithmetic, not measurement.
 */
export function useRowWindow({
  count,
  rowHeight,
  overscan,
  scrollRef,
  fallbackRows = 10,
}: RowWindowOptions): RowWindow {
  // The visible rows, [start, end): they change only at row boundaries.
  const [visible, setVisible] = useState({ start: 0, end: fallbackRows });

  const measure = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    const height = element.clientHeight > 0 ? element.clientHeight : rowHeight * fallbackRows;
    const start = Math.floor(element.scrollTop / rowHeight);
    const end = Math.ceil((element.scrollTop + height) / rowHeight);
    setVisible((current) => (current.start === start && current.end === end ? current : { start, end }));
  }, [scrollRef, rowHeight, fallbackRows]);

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    measure();
    element.addEventListener('scroll', measure, { passive: true });
    const resize = typeof ResizeObserver === 'function' ? new ResizeObserver(measure) : null;
    resize?.observe(element);
    return () => {
      element.removeEventListener('scroll', measure);
      resize?.disconnect();
    };
  }, [scrollRef, measure]);

  const scrollToIndex = useCallback(
    (index: number) => {
      const element = scrollRef.current;
      if (!element) return;
      const top = index * rowHeight;
      const bottom = top + rowHeight;
      if (top < element.scrollTop) element.scrollTop = top;
      else if (element.clientHeight > 0 && bottom > element.scrollTop + element.clientHeight) {
        element.scrollTop = bottom - element.clientHeight;
      }
      // The scroll event comes later; show the row now.
      measure();
    },
    [scrollRef, rowHeight, measure],
  );

  if (count === 0) return { first: 0, last: -1, totalSize: 0, scrollToIndex };
  const first = Math.min(count - 1, Math.max(0, visible.start - overscan));
  const last = Math.min(count - 1, Math.max(first, visible.end - 1 + overscan));
  return { first, last, totalSize: count * rowHeight, scrollToIndex };
}
