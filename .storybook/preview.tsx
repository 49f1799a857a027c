import type { Decorator, Loader, Preview } from '@storybook/react-vite';
import { SegmentWebhookProvider, type SegmentWebhookTheme } from '../packages/ui/src/provider';
import { createKitBackend, type KitBackendParameters } from '../packages/ui/src/test/backend';
import { createTestQueryClient } from '../packages/ui/src/test/query-client';
import { DocsPage } from './DocsPage';
import '../packages/ui/src/styles.css';
import './preview.css';

/**
 * Every story gets a fresh in-memory backend — the real server, service and worker over a memory store,
 * seeded with the sample account through its own API (`parameters.backend`: which sample, and a `setup`
 * to make a route fail or hang or tell the Segment stand-in how to answer) — and a fresh QueryClient, both
 * available to play functions as `loaded.backend` / `loaded.queryClient`.
 */
const loadBackend: Loader = async ({ parameters }) => ({
  backend: await createKitBackend((parameters.backend as KitBackendParameters | undefined) ?? {}),
  queryClient: createTestQueryClient(),
});

const withProvider: Decorator = (Story, { loaded, globals, parameters }) => {
  const theme = (globals.theme as SegmentWebhookTheme | undefined) ?? 'light';
  return (
    <SegmentWebhookProvider
      baseUrl="/api/segment-webhooks"
      fetch={loaded.backend.fetch}
      queryClient={loaded.queryClient}
      theme={theme}
      {...(parameters.messages ? { messages: parameters.messages } : {})}
    >
      {/* A host-like page in the kit's theme, so dark stories are reviewed on a dark page. */}
      <div className="sb-canvas">
        <Story />
      </div>
    </SegmentWebhookProvider>
  );
};

const preview: Preview = {
  loaders: [loadBackend],
  decorators: [withProvider],
  globalTypes: {
    theme: {
      description: 'Colour scheme of the kit',
      toolbar: {
        title: 'Theme',
        icon: 'mirror',
        items: [
          { value: 'light', title: 'Light' },
          { value: 'dark', title: 'Dark' },
          { value: 'system', title: 'System' },
        ],
        dynamicTitle: true,
      },
    },
  },
  initialGlobals: { theme: 'light' },
  parameters: {
    layout: 'fullscreen',
    a11y: { test: 'error' },
    options: { storySort: { order: ['Introduction', 'Foundations', 'Components', 'Primitives'] } },
    // Docs pages render each state as it is named (play functions run only in the story's own view).
    docs: { page: DocsPage },
    controls: { matchers: { color: /(background|color)$/i, date: /Date$/i } },
  },
};

export default preview;
