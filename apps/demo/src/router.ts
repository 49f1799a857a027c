/**
 * A small history router: the demo has a handful of pages and needs no routing library.
 */
import { type MouseEvent, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function subscribe(listener: () => void) {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** Goes to a path of the app (pushes a history entry, or replaces the current one). */
export function navigate(path: string, { replace = false }: { replace?: boolean } = {}) {
  if (path === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The current path, re-rendering on navigation. */
export function usePathname(): string {
  return useSyncExternalStore(
    subscribe,
    () => window.location.pathname,
    () => '/',
  );
}

/** An `onClick` for links that navigates inside the app (keeps modified clicks native). */
export function linkHandler(path: string) {
  return (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(path);
  };
}

/** A matched route. */
export type Route =
  | { page: 'data-sources' }
  | { page: 'catalog' }
  | { page: 'setup' }
  | { page: 'data-source'; id: string }
  | { page: 'activities' }
  | { page: 'journeys' }
  | { page: 'not-found' };

/** Which page a path shows. */
export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/' || path === '/data-sources') return { page: 'data-sources' };
  if (path === '/data-sources/new') return { page: 'catalog' };
  if (path === '/data-sources/new/segment-webhook') return { page: 'setup' };
  const view = /^\/data-sources\/segment-webhook\/([^/]+)$/.exec(path);
  if (view?.[1]) return { page: 'data-source', id: decodeURIComponent(view[1]) };
  if (path === '/activities') return { page: 'activities' };
  if (path === '/journeys') return { page: 'journeys' };
  return { page: 'not-found' };
}

/** The path of one Segment webhook's data source view. */
export function dataSourcePath(id: string) {
  return `/data-sources/segment-webhook/${encodeURIComponent(id)}`;
}
