import type { Decorator, Loader, Preview } from '@storybook/react-vite';
import { createFakeApi, createTestQueryClient, type FakeSeed } from '../packages/ui/src/fake';
import { SegmentWebhookProvider, type SegmentWebhookTheme } from '../packages/ui/src/provider';
import { DocsPage } from './DocsPage';
import '../packages/ui/src/styles.css';
import './preview.css';

/**
 * Every story gets a fresh in-memory fake of the REST API (seeded from `parameters.fake`) and a
 * fresh QueryClient, both available to play functions as `loaded.fake` / `loaded.queryClient`.
 */
const loadFake: Loader = async ({ parameters }) => ({
  fake: createFakeApi((parameters.fake as FakeSeed | undefined) ?? {}),
  queryClient: createTestQueryClient(),
});

const withProvider: Decorator = (Story, { loaded, globals, parameters }) => {
  const theme = (globals.theme as SegmentWebhookTheme | undefined) ?? 'light';
  return (
    <SegmentWebhookProvider
      baseUrl="/api/segment-webhooks"
      fetch={loaded.fake}
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
  loaders: [loadFake],
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
