import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, screen, userEvent, waitFor, within } from 'storybook/test';
import { backendOf, type KitBackendParameters, SAMPLE_NOW } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
import { DataSourceView } from './DataSourceView';

const meta = {
  title: 'Components/DataSourceView',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          "One webhook's page: its name, status and health, the lifecycle actions, and the Overview, Logs and Settings tabs. Use it as the detail page a user reaches from DataSourceList.",
      },
    },
  },
  component: DataSourceView,
  args: { webhookId: 'wh_orders', now: SAMPLE_NOW, onDeleted: fn() },
} satisfies Meta<typeof DataSourceView>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Opens the Actions menu and picks an item (the menu renders in a portal). */
async function chooseAction(canvasElement: HTMLElement, item: string) {
  await userEvent.click(within(canvasElement).getByRole('button', { name: 'Actions' }));
  await userEvent.click(await screen.findByRole('menuitem', { name: item }));
  return screen.findByRole('alertdialog');
}

/** An active, healthy webhook on the Overview tab. */
export const Active: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByRole('heading', { level: 1, name: /Orders to Segment/ })).toBeVisible();
    await expect(canvasElement.querySelector('.swk-view')).toHaveAttribute('data-status', 'active');
    await expect(await canvas.findByText('Success rate')).toBeVisible();
  },
};

/** Rename in place: pencil, type, Enter saves (PATCH name); Escape cancels. */
export const Rename: Story = {
  play: async (context) => {
    const { canvasElement } = context;
    const backend = backendOf(context);
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: 'Rename Orders to Segment' }));
    const input = await canvas.findByRole('textbox', { name: 'Webhook name' });
    await waitFor(() => expect(input).toHaveFocus());
    await userEvent.clear(input);
    await userEvent.type(input, 'Orders (Segment prod){Enter}');
    await expect(await canvas.findByRole('heading', { level: 1, name: /Orders \(Segment prod\)/ })).toBeVisible();
    await expect(backend.requestsTo('PATCH /webhooks/:id').at(-1)?.body).toEqual({ name: 'Orders (Segment prod)' });
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Rename Orders (Segment prod)' })).toHaveFocus());

    await userEvent.click(canvas.getByRole('button', { name: 'Rename Orders (Segment prod)' }));
    await userEvent.type(await canvas.findByRole('textbox', { name: 'Webhook name' }), ' draft{Escape}');
    await expect(await canvas.findByRole('heading', { level: 1, name: /Orders \(Segment prod\)$/ })).toBeVisible();
    await expect(backend.requestsTo('PATCH /webhooks/:id')).toHaveLength(1);
  },
};

/** A rename the host's server refuses: the error shows beside the field and the input stays open. */
export const RenameError: Story = {
  parameters: {
    backend: {
      setup: (backend) =>
        backend.fail('PATCH /webhooks/:id', {
          code: 'validation_error',
          detail: 'A webhook with this name already exists.',
          errors: [{ path: ['name'], message: 'A webhook with this name already exists.' }],
        }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: 'Rename Orders to Segment' }));
    await userEvent.type(canvas.getByRole('textbox', { name: 'Webhook name' }), ' 2{Enter}');
    await expect(await canvas.findByRole('alert')).toHaveTextContent('A webhook with this name already exists.');
    await expect(canvas.getByRole('textbox', { name: 'Webhook name' })).toHaveAttribute('aria-invalid', 'true');
  },
};

/** Needs attention (Segment refused its last five batches): the reason and Resume. */
export const NeedsAttention: Story = {
  args: { webhookId: 'wh_email' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByText(/Exceed payload limit/)).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(canvas.queryByRole('button', { name: 'Resume' })).not.toBeInTheDocument());
    await expect(canvasElement.querySelector('.swk-view')).toHaveAttribute('data-health', 'healthy');
  },
};

/** Disconnected: Reconnect and Archive are offered; Delete waits for the archive. */
export const Disconnected: Story = {
  args: { webhookId: 'wh_survey' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(await canvas.findByRole('button', { name: 'Actions' }));
    await expect(await screen.findByRole('menuitem', { name: 'Reconnect' })).toBeVisible();
    await expect(screen.getByRole('menuitem', { name: 'Archive' })).toBeVisible();
    await expect(screen.getByRole('menuitem', { name: 'Delete (archive first)' })).toHaveAttribute(
      'aria-disabled',
      'true',
    );
    await userEvent.keyboard('{Escape}');
  },
};

/** Archived: Unarchive and Delete. */
export const Archived: Story = {
  args: { webhookId: 'wh_legacy' },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText('Archived')).toBeVisible();
  },
};

/** Disconnect → archive → delete, each confirmed in an alert dialog; delete asks for the name. */
export const DisconnectArchiveDelete: Story = {
  play: async ({ canvasElement, args }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('heading', { level: 1, name: /Orders to Segment/ });

    let dialog = await chooseAction(canvasElement, 'Disconnect');
    await expect(within(dialog).getByText(/held, not lost/)).toBeVisible();
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await userEvent.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    await waitFor(() =>
      expect(canvasElement.querySelector('.swk-view')).toHaveAttribute('data-status', 'disconnected'),
    );

    dialog = await chooseAction(canvasElement, 'Archive');
    await expect(within(dialog).getByText(/releases its outbound activity streams/)).toBeVisible();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(canvasElement.querySelector('.swk-view')).toHaveAttribute('data-status', 'archived'));

    dialog = await chooseAction(canvasElement, 'Delete');
    const confirm = within(dialog).getByRole('button', { name: 'Delete' });
    await expect(confirm).toBeDisabled();
    await userEvent.type(
      within(dialog).getByRole('textbox', { name: 'Type the name to confirm' }),
      'Orders to Segment',
    );
    await expect(confirm).toBeEnabled();
    await userEvent.click(confirm);
    await expect(await canvas.findByText('Orders to Segment was deleted.')).toBeVisible();
    await expect(args.onDeleted).toHaveBeenCalled();
  },
};

/** The Logs tab. */
export const LogsTab: Story = {
  args: { defaultTab: 'logs' },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('listbox', { name: 'Deliveries' })).toBeVisible();
  },
};

/** The Settings tab. */
export const SettingsTab: Story = {
  args: { defaultTab: 'settings' },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByLabelText('Track event name')).toHaveValue('Order placed');
  },
};

/** Editing a setting and Test again. */
export const EditSettings: Story = {
  args: { defaultTab: 'settings' },
  play: async (context) => {
    const { canvasElement } = context;
    const backend = backendOf(context);
    const canvas = within(canvasElement);
    const eventName = await canvas.findByLabelText('Track event name');
    await userEvent.clear(eventName);
    await userEvent.type(eventName, 'Order completed');
    await userEvent.click(canvas.getByRole('radio', { name: 'EU' }));
    await userEvent.click(canvas.getByRole('button', { name: 'Save changes' }));
    await expect(await canvas.findByText('Settings saved.')).toBeVisible();
    await expect(backend.requestsTo('PATCH /webhooks/:id').at(-1)?.body).toEqual({
      trackEventName: 'Order completed',
      region: 'eu',
    });
    await userEvent.click(canvas.getByRole('button', { name: 'Test again' }));
    await expect(await canvas.findByText('Segment accepted the test event')).toBeVisible();
  },
};

/** The webhook is loading. */
export const Loading: Story = {
  parameters: { backend: { setup: (backend) => backend.hang('GET /webhooks/:id') } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent('Loading the data source…');
  },
};

/** The webhook could not be loaded: there is none with this id (deleted meanwhile, or a stale link). */
export const LoadError: Story = {
  args: { webhookId: 'wh_deleted' },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent('Webhook not found.');
  },
};

/** Dark theme. */
export const Dark: Story = {
  globals: { theme: 'dark' },
};

/** A webhook's page in a 360 px side panel: header, badges, actions and tabs wrap instead of overflowing. */
export const Narrow: Story = {
  decorators: [narrowPanel],
  play: async ({ canvasElement }) => {
    await expectFitsNarrowPanel(canvasElement);
  },
};
