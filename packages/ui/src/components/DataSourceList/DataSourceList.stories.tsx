import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, within } from 'storybook/test';
import { backendOf, type KitBackendParameters } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
import { DataSourceList } from './DataSourceList';

const meta = {
  title: 'Components/DataSourceList',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          "The account's Segment webhooks with their status and health. Use it as the entry point of the Segment integration: from it a user opens a webhook or starts a new one.",
      },
    },
  },
  component: DataSourceList,
  args: { onNew: fn(), onSelect: fn() },
  decorators: [
    (Story) => (
      <div style={{ maxWidth: 760 }}>
        <Story />
      </div>
    ),
  ],
} satisfies Meta<typeof DataSourceList>;
export default meta;
type Story = StoryObj<typeof meta>;

/** One webhook in every lifecycle and health state; choose one, or start a new one. */
export const Populated: Story = {
  play: async ({ canvasElement, args }) => {
    const canvas = within(canvasElement);
    const row = await canvas.findByRole('button', { name: /Email engagement/ });
    await expect(row).toHaveTextContent('Needs attention');
    await expect(row).toHaveTextContent('Segment refused every message of the last 5 batches');
    await expect(row).toHaveTextContent('Exceed payload limit');
    await expect(canvas.getByRole('button', { name: /Survey results/ })).toHaveTextContent('Disconnected');
    await userEvent.click(row);
    await expect(args.onSelect).toHaveBeenCalledWith(expect.objectContaining({ id: 'wh_email' }));
    await userEvent.click(canvas.getByRole('button', { name: 'New data source' }));
    await expect(args.onNew).toHaveBeenCalledTimes(1);
  },
};

/** Waiting for the list. */
export const Loading: Story = {
  parameters: { backend: { setup: (backend) => backend.hang('GET /webhooks') } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('region', { name: 'Segment webhooks' })).toHaveAttribute(
      'aria-busy',
      'true',
    );
  },
};

/** No webhooks yet: the empty state leads to New data source. */
export const Empty: Story = {
  parameters: { backend: { webhooks: [] } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByText('No Segment webhooks yet.')).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'New data source' })).toBeVisible();
  },
};

/** The list could not be loaded; Try again refetches. */
export const ErrorState: Story = {
  name: 'Error',
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /webhooks', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async (context) => {
    const canvas = within(context.canvasElement);
    await expect(await canvas.findByRole('alert')).toHaveTextContent('The data sources could not be loaded.');
    backendOf(context).fail('GET /webhooks', null);
    await userEvent.click(canvas.getByRole('button', { name: 'Try again' }));
    await expect(await canvas.findByRole('button', { name: /Orders to Segment/ })).toBeVisible();
  },
};

/** Only the webhook that needs attention. */
export const NeedsAttention: Story = {
  parameters: { backend: { webhooks: ['wh_email'] } satisfies KitBackendParameters },
};

/** Active webhooks only, without a New data source action or selection (read-only). */
export const ActiveReadOnly: Story = { args: { status: 'active', onNew: undefined, onSelect: undefined } };

/** A host's look: tokens overridden with plain CSS custom properties (here inline on the root). */
export const HostTheme: Story = {
  args: {
    style: {
      '--swk-accent': '#6d28d9',
      '--swk-accent-hover': '#5b21b6',
      '--swk-radius': '2px',
      '--swk-radius-sm': '2px',
      '--swk-font': 'Georgia, serif',
    } as React.CSSProperties,
  },
};

/** Dark theme. */
export const Dark: Story = { globals: { theme: 'dark' } };

/** The list in a 360 px side panel: names, states and actions wrap instead of overflowing. */
export const Narrow: Story = {
  decorators: [narrowPanel],
  play: async ({ canvasElement }) => {
    await expectFitsNarrowPanel(canvasElement, 'populated');
  },
};
