import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, within } from 'storybook/test';
import type { KitBackendParameters } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
import { SendToWebhookAction } from './SendToWebhookAction';

const meta = {
  title: 'Components/SendToWebhookAction',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          "The editor of a Send to webhook step: choose the webhook and preview the message it will send. Use it inside the host's automation or journey builder.",
      },
    },
  },
  component: SendToWebhookAction,
  args: { onChange: fn() },
  decorators: [
    (Story) => (
      <div style={{ maxWidth: 560 }}>
        <Story />
      </div>
    ),
  ],
} satisfies Meta<typeof SendToWebhookAction>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Choose a webhook and see what will be sent for a sample person. */
export const ChooseWebhook: Story = {
  play: async ({ canvasElement, args }) => {
    const canvas = within(canvasElement);
    const body = within(canvasElement.ownerDocument.body);
    const select = await canvas.findByRole('combobox', { name: 'Segment webhook' });
    await userEvent.click(select);
    // Only active webhooks are offered.
    await expect(body.queryByRole('option', { name: /Survey results/ })).toBeNull();
    await userEvent.click(await body.findByRole('option', { name: 'Orders to Segment' }));
    await expect(args.onChange).toHaveBeenCalledWith('wh_orders');
    const preview = await canvas.findByRole('region', { name: 'What will be sent (sample person)' });
    await expect(preview).toHaveTextContent('"event": "Order placed"');
    await expect(preview).toHaveTextContent('"source": "ortto"');
  },
};

/** A webhook already chosen (controlled). */
export const Preselected: Story = { args: { value: 'wh_orders' } };

/** The chosen webhook needs attention: the reason is shown. */
export const NeedsAttention: Story = {
  args: { value: 'wh_email' },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText(/Exceed payload limit/)).toBeVisible();
  },
};

/** The chosen webhook was disconnected since: the editor says nothing will be sent. */
export const InactiveChoice: Story = {
  args: { value: 'wh_survey' },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText(/is disconnected: nothing is sent/)).toBeVisible();
  },
};

/** No active webhooks. */
export const Empty: Story = {
  parameters: { backend: { webhooks: ['wh_survey', 'wh_legacy'] } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText(/There are no active Segment webhooks/)).toBeVisible();
  },
};

/** Waiting for the webhooks. */
export const Loading: Story = {
  parameters: { backend: { setup: (backend) => backend.hang('GET /webhooks') } satisfies KitBackendParameters },
};

/** The webhooks could not be loaded. */
export const ErrorState: Story = {
  name: 'Error',
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /webhooks', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent(
      'The webhooks could not be loaded.',
    );
  },
};

/** Disabled with a webhook chosen. */
export const Disabled: Story = { args: { value: 'wh_orders', disabled: true } };

/** The action editor in a 360 px side panel. */
export const Narrow: Story = {
  decorators: [narrowPanel],
  play: async ({ canvasElement }) => {
    await expectFitsNarrowPanel(canvasElement);
  },
};
