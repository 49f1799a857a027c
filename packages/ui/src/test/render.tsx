import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement, ReactNode } from 'react';
import { SegmentWebhookProvider, type SegmentWebhookProviderProps } from '../provider';
import { createKitBackend, type KitBackendParameters } from './backend';
import { createTestQueryClient } from './query-client';

/**
 * Renders `ui` inside a provider backed by a fresh in-memory backend (the real server over the sample
 * account, see ./backend.ts) and QueryClient (test-only helper).
 */
export async function renderWithKit(
  ui: ReactElement,
  { backend: parameters, ...props }: { backend?: KitBackendParameters } & Partial<SegmentWebhookProviderProps> = {},
) {
  const backend = await createKitBackend(parameters);
  const queryClient = createTestQueryClient();
  const user = userEvent.setup({ delay: null });
  const result = render(
    <SegmentWebhookProvider baseUrl="/api/segment-webhooks" fetch={backend.fetch} queryClient={queryClient} {...props}>
      {ui}
    </SegmentWebhookProvider>,
  );
  return { ...result, backend, queryClient, user };
}

/** A fetch that fails the test: for presentational components, which need the provider but make no request. */
const noRequests = async (): Promise<Response> => {
  throw new Error('The presentational panel made a request.');
};

/** The provider (messages, locale) of a presentational component, with a fetch that fails if it is called. */
export function WithoutRequests({
  children,
  ...props
}: { children: ReactNode } & Partial<SegmentWebhookProviderProps>) {
  return (
    <SegmentWebhookProvider
      baseUrl="/api/segment-webhooks"
      fetch={noRequests}
      queryClient={createTestQueryClient()}
      {...props}
    >
      {children}
    </SegmentWebhookProvider>
  );
}

/** Renders a presentational `ui` {@link WithoutRequests}. */
export function renderWithoutRequests(ui: ReactElement, props: Partial<SegmentWebhookProviderProps> = {}) {
  return render(<WithoutRequests {...props}>{ui}</WithoutRequests>);
}
