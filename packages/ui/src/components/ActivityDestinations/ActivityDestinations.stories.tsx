import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { backendOf, type KitBackendParameters } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
import { ActivityDestinations } from './ActivityDestinations';

const meta = {
  title: 'Components/ActivityDestinations',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          "The host's activities with each one's Data destination (a Segment webhook, or none) and the plan's outbound activity streams. Use it where a user decides which activities go to Segment, such as the host's activity settings.",
      },
    },
  },
  component: ActivityDestinations,
  decorators: [
    (Story) => (
      <div style={{ maxWidth: 720 }}>
        <Story />
      </div>
    ),
  ],
} satisfies Meta<typeof ActivityDestinations>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Activities with their destinations; 3 of 5 outbound streams used. Route one more. */
export const Populated: Story = {
  play: async (context) => {
    const { canvasElement } = context;
    const backend = backendOf(context);
    const canvas = within(canvasElement);
    const body = within(canvasElement.ownerDocument.body);
    await expect(await canvas.findByText('3 of 5 used')).toBeVisible();
    await userEvent.click(canvas.getByRole('combobox', { name: 'Data destination for Email clicked' }));
    await userEvent.click(await body.findByRole('option', { name: 'Email engagement' }));
    await waitFor(() => expect(canvas.getByText('4 of 5 used')).toBeVisible());
    await expect(await backend.service.listRoutes(backend.accountId)).toContainEqual({
      activityId: 'email-clicked',
      webhookId: 'wh_email',
    });
  },
};

/** Every stream in the plan is used: the meter is full and says what to do. */
export const AtStreamLimit: Story = {
  parameters: { backend: { includedStreams: 3 } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByText('3 of 3 used')).toBeVisible();
    await expect(canvas.getByText(/You have used every outbound activity stream in your plan/)).toBeVisible();
    await expect(canvas.getByRole('meter')).toHaveAttribute('data-state', 'full');
  },
};

/** Routing one more activity past the limit: the 409 is shown inline on that row. */
export const StreamLimitReached: Story = {
  parameters: { backend: { includedStreams: 3 } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const body = within(canvasElement.ownerDocument.body);
    const select = await canvas.findByRole('combobox', { name: 'Data destination for Form submitted' });
    await waitFor(() => expect(select).toBeEnabled());
    await userEvent.click(select);
    await userEvent.click(await body.findByRole('option', { name: 'Orders to Segment' }));
    const alert = await canvas.findByRole('alert');
    await expect(alert).toHaveTextContent('outbound activity streams are all in use');
    await expect(select).toHaveAttribute('aria-invalid', 'true');
    await expect(select).toHaveTextContent('None');
  },
};

/** Waiting for the activities. */
export const Loading: Story = {
  parameters: {
    backend: {
      setup: (backend) => {
        backend.hang('GET /activities');
        backend.hang('GET /usage');
      },
    } satisfies KitBackendParameters,
  },
};

/** The host has no activities yet. */
export const Empty: Story = {
  parameters: { backend: { activities: [] } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText('There are no activities to route yet.')).toBeVisible();
  },
};

/** The activities could not be loaded. */
export const ErrorState: Story = {
  name: 'Error',
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /activities', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent(
      'The activities could not be loaded.',
    );
  },
};

/** Read-only. */
export const Disabled: Story = { args: { disabled: true } };

/** The destinations in a 360 px side panel. */
export const Narrow: Story = {
  decorators: [narrowPanel],
  play: async ({ canvasElement }) => {
    await expectFitsNarrowPanel(canvasElement, 'populated');
  },
};
