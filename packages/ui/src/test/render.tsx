import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactElement } from 'react';
import { createFakeApi, createTestQueryClient, type FakeSeed } from '../fake';
import { SegmentWebhookProvider, type SegmentWebhookProviderProps } from '../provider';

/** Renders `ui` inside a provider backed by a fresh fake and QueryClient (test-only helper). */
export function renderWithKit(
  ui: ReactElement,
  { seed, ...props }: { seed?: FakeSeed } & Partial<SegmentWebhookProviderProps> = {},
) {
  const fake = createFakeApi(seed);
  const queryClient = createTestQueryClient();
  const user = userEvent.setup({ delay: null });
  const result = render(
    <SegmentWebhookProvider baseUrl="/api/segment-webhooks" fetch={fake} queryClient={queryClient} {...props}>
      {ui}
    </SegmentWebhookProvider>,
  );
  return { ...result, fake, queryClient, user };
}
