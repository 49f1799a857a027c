import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, within } from 'storybook/test';
import { sampleWebhooks } from '../../fake';
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
    await expect(row).toHaveTextContent('Segment answered 400 Exceed payload limit');
    await expect(canvas.getByRole('button', { name: /Survey results/ })).toHaveTextContent('Disconnected');
    await userEvent.click(row);
    await expect(args.onSelect).toHaveBeenCalledWith(expect.objectContaining({ id: 'wh_email' }));
    await userEvent.click(canvas.getByRole('button', { name: 'New data source' }));
    await expect(args.onNew).toHaveBeenCalledTimes(1);
  },
};

/** Waiting for the list. */
export const Loading: Story = {
  parameters: { fake: { hang: ['GET /webhooks'] } },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('region', { name: 'Segment webhooks' })).toHaveAttribute(
      'aria-busy',
      'true',
    );
  },
};

/** No webhooks yet: the empty state leads to New data source. */
export const Empty: Story = {
  parameters: { fake: { webhooks: [] } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByText('No Segment webhooks yet.')).toBeVisible();
    await expect(canvas.getByRole('button', { name: 'New data source' })).toBeVisible();
  },
};

/** The list could not be loaded; Try again refetches. */
export const ErrorState: Story = {
  name: 'Error',
  parameters: { fake: { failures: { 'GET /webhooks': { code: 'internal_error', detail: 'The server failed.' } } } },
  play: async ({ canvasElement, loaded }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByRole('alert')).toHaveTextContent('The data sources could not be loaded.');
    loaded.fake.fail('GET /webhooks', null);
    await userEvent.click(canvas.getByRole('button', { name: 'Try again' }));
    await expect(await canvas.findByRole('button', { name: /Orders to Segment/ })).toBeVisible();
  },
};

/** Only the webhook that needs attention. */
export const NeedsAttention: Story = {
  parameters: { fake: { webhooks: sampleWebhooks().filter((w) => w.health.state === 'needs_attention') } },
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
