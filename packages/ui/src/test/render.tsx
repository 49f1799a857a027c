import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
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
