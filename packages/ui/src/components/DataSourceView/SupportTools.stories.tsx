import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, userEvent, waitFor, within } from 'storybook/test';
import { backendOf, type KitBackendParameters, SAMPLE_NOW } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
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

/** The Settings tab with its version and the History section: who changed which setting, newest first. */
export const SettingsHistory: Story = {
  args: { defaultTab: 'settings' },
  parameters: { backend: { history: true } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const history = await canvas.findByRole('region', { name: 'History' });
    await waitFor(() => expect(history).toHaveAttribute('data-state', 'ready'));
    await expect(canvas.getByText('Settings version 4')).toBeVisible();
    await expect(history.querySelector('[data-version="3"]')).toHaveTextContent(/Grace Hopper\s*Write key changed/);
    await expect(within(history).getByText("Track event name: 'Order completed' → 'Order placed'")).toBeVisible();
  },
};

/** A webhook never changed since it was created: one version, by nobody the host named. */
export const SettingsHistoryFirstVersion: Story = {
  args: { defaultTab: 'settings' },
  play: async ({ canvasElement }) => {
    const history = await within(canvasElement).findByRole('region', { name: 'History' });
    await waitFor(() => expect(history).toHaveAttribute('data-state', 'ready'));
    await expect(history.querySelector('[data-version="1"]')).toHaveTextContent(/Version 1 · .+ · Unknown · Created/);
  },
};

/** The history is loading. */
export const SettingsHistoryLoading: Story = {
  args: { defaultTab: 'settings' },
  parameters: {
    backend: { setup: (backend) => backend.hang('GET /webhooks/:id/history') } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    const history = await within(canvasElement).findByRole('region', { name: 'History' });
    await expect(within(history).getByRole('status')).toHaveTextContent('Loading the history…');
  },
};

/** The history could not be loaded: the error and Try again. */
export const SettingsHistoryError: Story = {
  args: { defaultTab: 'settings' },
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /webhooks/:id/history', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    const history = await within(canvasElement).findByRole('region', { name: 'History' });
    await expect(await within(history).findByRole('alert')).toHaveTextContent('The history could not be loaded.');
    await expect(within(history).getByRole('button', { name: 'Try again' })).toBeVisible();
  },
};

/** Test again in Settings with one of the account's recent activity events instead of the sample. */
export const TestAgainWithRecentActivity: Story = {
  args: { defaultTab: 'settings' },
  parameters: { backend: { recentActivities: true } satisfies KitBackendParameters },
  play: async (context) => {
    const { canvasElement } = context;
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('combobox', { name: 'Test with' }));
    await userEvent.click(await screen.findByRole('option', { name: /^Email opened · person_0107/ }));
    await userEvent.click(canvas.getByRole('button', { name: 'Test again' }));
    await expect(await canvas.findByText('Segment accepted the test event')).toBeVisible();
    await expect(canvasElement.querySelector('.swk-test-result')).toHaveTextContent('"userId": "person_0107"');
    await expect(backendOf(context).requestsTo('POST /webhooks/:id/test').at(-1)?.body).toEqual({
      activityEventId: 'evt_recent_2',
    });
  },
};

/**
 * The Settings tab in a 360 px side panel with a recent activity event chosen for Test with: the select, the
 * version and the history wrap instead of sticking out.
 */
export const SettingsNarrow: Story = {
  args: { defaultTab: 'settings', webhookId: 'wh_survey' },
  decorators: [narrowPanel],
  parameters: { backend: { recentActivities: true } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('combobox', { name: 'Test with' }));
    await userEvent.click(await screen.findByRole('option', { name: /^Order placed · person_0042/ }));
    await expect(canvas.getByRole('combobox', { name: 'Test with' })).toHaveTextContent(/person_0042/);
    const history = canvas.getByRole('region', { name: 'History' });
    await waitFor(() => expect(history).toHaveAttribute('data-state', 'ready'));
    await expectFitsNarrowPanel(canvasElement);
  },
};
