import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useMemo, useState } from 'react';
import { createSegmentWebhookApi, type HeadersOption, type SegmentWebhookApi } from '../api/client';
import { type Formatters, formattersFor } from '../components/format';
import { defaultMessages, type SegmentWebhookMessages } from '../messages';

/** Colour scheme of the kit. `system` follows `prefers-color-scheme`. */
export type SegmentWebhookTheme = 'light' | 'dark' | 'system';

/** Overrides of {@link SegmentWebhookMessages}; grouped messages (e.g. `webhookStatus`) can be overridden in part. */
export type SegmentWebhookMessagesOverride = {
  [K in keyof SegmentWebhookMessages]?: SegmentWebhookMessages[K] extends (...args: never[]) => unknown
    ? SegmentWebhookMessages[K]
    : SegmentWebhookMessages[K] extends object
      ? Partial<SegmentWebhookMessages[K]>
      : SegmentWebhookMessages[K];
};

/** Props of {@link SegmentWebhookProvider}. */
export interface SegmentWebhookProviderProps {
  /** Where the host mounted the REST router, e.g. `/api/segment-webhooks`. */
  baseUrl: string;
  /** The host's fetch (auth, retries; an in-memory backend's in stories and tests). Default: `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Headers for every request, or a function returning them per request. Default: none. */
  headers?: HeadersOption;
  /**
   * The QueryClient to use. Default: the host's client from an enclosing `QueryClientProvider`, or
   * else one the provider creates for itself.
   */
  queryClient?: QueryClient;
  /** Overrides of the kit's user-facing strings. Default: English. */
  messages?: SegmentWebhookMessagesOverride;
  /** The host product's name, used in the kit's copy (e.g. "Send Relay activity events…"). Default: none. */
  productName?: string;
  /** Colour scheme. Default: `'system'`. */
  theme?: SegmentWebhookTheme;
  /**
   * The BCP 47 locale of numbers and dates, e.g. `'de-DE'` (pair it with translated `messages`).
   * Default: `'en-US'`, matching the default English messages.
   */
  locale?: string;
  children?: ReactNode;
}

interface SegmentWebhookContextValue {
  api: SegmentWebhookApi;
  productName: string | undefined;
  messages: SegmentWebhookMessages;
  theme: SegmentWebhookTheme;
  format: Formatters;
}

const SegmentWebhookContext = createContext<SegmentWebhookContextValue | null>(null);

function mergeMessages(overrides: SegmentWebhookMessagesOverride | undefined): SegmentWebhookMessages {
  if (!overrides) return defaultMessages;
  const merged: Record<string, unknown> = { ...defaultMessages };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const base = merged[key];
    merged[key] =
      typeof value === 'object' && value !== null && typeof base === 'object' && base !== null
        ? { ...base, ...value }
        : value;
  }
  return merged as SegmentWebhookMessages;
}

/**
 * Gives the kit's components their API client, QueryClient, messages and theme. Wrap every kit
 * component in one. Renders a `display: contents` element carrying the theme, so it adds no box.
 */
export function SegmentWebhookProvider({
  baseUrl,
  fetch,
  headers,
  queryClient,
  messages,
  productName,
  theme = 'system',
  locale = 'en-US',
  children,
}: SegmentWebhookProviderProps) {
  const hostClient = useContext(QueryClientContext);
  const [ownClient] = useState(() => queryClient ?? hostClient ?? new QueryClient());
  const client = queryClient ?? hostClient ?? ownClient;
  const api = useMemo(() => createSegmentWebhookApi({ baseUrl, fetch, headers }), [baseUrl, fetch, headers]);
  const mergedMessages = useMemo(() => mergeMessages(messages), [messages]);
  const format = useMemo(() => formattersFor(locale), [locale]);
  const value = useMemo(
    () => ({ api, productName, messages: mergedMessages, theme, format }),
    [api, productName, mergedMessages, theme, format],
  );
  return (
    <QueryClientProvider client={client}>
      <SegmentWebhookContext.Provider value={value}>
        <div className="swk-theme swk-provider" data-swk-theme={theme}>
          {children}
        </div>
      </SegmentWebhookContext.Provider>
    </QueryClientProvider>
  );
}

function useSegmentWebhookContext(hook: string): SegmentWebhookContextValue {
  const value = useContext(SegmentWebhookContext);
  if (!value) {
    throw new Error(
      `${hook}() must be used inside <SegmentWebhookProvider baseUrl="…">. Wrap the Segment webhook components in it.`,
    );
  }
  return value;
}

/** The API client of the nearest provider. Throws a clear error outside a provider. */
export function useSegmentWebhookApi(): SegmentWebhookApi {
  return useSegmentWebhookContext('useSegmentWebhookApi').api;
}

/** Number and date formatting in the provider's `locale` (internal to the kit's components). */
export function useFormatters(): Formatters {
  return useSegmentWebhookContext('useFormatters').format;
}

/** The kit's messages (defaults merged with the provider's overrides). */
export function useMessages(): SegmentWebhookMessages {
  return useSegmentWebhookContext('useMessages').messages;
}

/** The host product's name the provider was given, if any. */
export function useProductName(): string | undefined {
  return useSegmentWebhookContext('useProductName').productName;
}

/** The provider's theme (`light`, `dark` or `system`), for content rendered in portals. */
export function useSegmentWebhookTheme(): SegmentWebhookTheme {
  return useSegmentWebhookContext('useSegmentWebhookTheme').theme;
}
