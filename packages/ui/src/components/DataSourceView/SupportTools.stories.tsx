import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, userEvent, waitFor, within } from 'storybook/test';
import { backendOf, type KitBackendParameters, SAMPLE_NOW } from '../../test/backend';
import { DataSourceView } from './DataSourceView';

const meta = {
  title: 'Components/DataSourceView/Support tools',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          "The data source view's answers for a bad day: reconnect and send what was missed, who changed which setting and when, and Test with one of the account's real activity events.",
      },
    },
  },
  component: DataSourceView,
  args: { webhookId: 'wh_orders', now: SAMPLE_NOW, onDeleted: fn() },
} satisfies Meta<typeof DataSourceView>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Reconnect a webhook that skipped 3 events while disconnected, sending them: the page says how many were queued. */
export const ReconnectWithBackfill: Story = {
  args: { webhookId: 'wh_survey' },
  parameters: { backend: { surveySkipped: 3 } satisfies KitBackendParameters },
  play: async (context) => {
    const { canvasElement } = context;
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: 'Actions' }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Reconnect' }));
    const dialog = await screen.findByRole('alertdialog');
    await expect(within(dialog).getByRole('group')).toHaveAccessibleName('3 events were recorded while disconnected');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    await expect(await canvas.findByText(/3 skipped events were queued to send/)).toBeVisible();
    await expect(backendOf(context).requestsTo('POST /webhooks/:id/reconnect').at(-1)?.body).toEqual({
      backfill: true,
    });
  },
};
