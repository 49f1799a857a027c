import { useCallback, useLayoutEffect, useReducer, useRef } from 'react';

/** Finds the element to focus in the DOM as it is after a render; null while it is not there yet. */
export type FocusTarget = () => HTMLElement | null | undefined;

/**
 * Moves focus to an element that the next render puts in place (the pencil after an inline edit, a new
 * row). Returns `focusAfterRender(target)`: the target is looked up after every commit of the calling
 * component, from a layout effect, until it is found, then focused once.
 *
 * Why not `requestAnimationFrame`: a frame can come before React commits the update that mounts the
 * element (React schedules its render as a task of its own), and then focus is lost to `<body>`.
 * A layout effect runs after the commit, by construction.
 */
export function useFocusAfterRender(): (target: FocusTarget) => void {
  const pending = useRef<FocusTarget | null>(null);
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    const target = pending.current?.();
    if (!target) return;
    pending.current = null;
    target.focus();
  });
  return useCallback((target: FocusTarget) => {
    pending.current = target;
    // Renders this component once more, so the lookup runs even when nothing else changes here.
    rerender();
  }, []);
}
