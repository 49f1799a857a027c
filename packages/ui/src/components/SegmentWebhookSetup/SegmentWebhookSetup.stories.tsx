import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, userEvent, waitFor, within } from 'storybook/test';
import { backendOf, type KitBackendParameters } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
import { SegmentWebhookSetup } from './SegmentWebhookSetup';

const meta = {
  title: 'Components/SegmentWebhookSetup',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          'The form that creates a Segment webhook, with a live preview of the message and a Test button. Use it as the setup page a user reaches from New data source.',
      },
    },
  },
  component: SegmentWebhookSetup,
  args: { onCreated: fn(), onCancel: fn() },
} satisfies Meta<typeof SegmentWebhookSetup>;
export default meta;
type Story = StoryObj<typeof meta>;
type Context = Parameters<NonNullable<Story['play']>>[0];

/** Fills every control the way the seed's setup steps describe. */
async function fillForm({ canvasElement }: Context) {
  const canvas = within(canvasElement);
  const body = within(canvasElement.ownerDocument.body);
  await userEvent.type(canvas.getByLabelText('Webhook name'), 'Orders to Segment');
  await userEvent.type(canvas.getByLabelText('Track event name'), 'Order placed');
  await userEvent.type(canvas.getByLabelText('Write key'), 'wk_live_9f8e7d6c');
  await userEvent.click(canvas.getByRole('radio', { name: 'EU' }));
  await userEvent.click(canvas.getByRole('button', { name: 'Add field' }));
  await userEvent.type(canvas.getByLabelText('Property name'), 'email');
  await userEvent.click(canvas.getByRole('combobox', { name: 'Source' }));
  await userEvent.click(await body.findByRole('option', { name: 'Email' }));
  // The live preview follows the form.
  const preview = canvas.getByRole('region', { name: 'Payload preview' });
  await waitFor(() => expect(preview).toHaveTextContent('"event": "Order placed"'));
  await expect(preview).toHaveTextContent('"email":');
}

async function clickTest({ canvasElement }: Context) {
  await userEvent.click(within(canvasElement).getByRole('button', { name: 'Test' }));
}

/** The empty setup page. */
export const Default: Story = {};

/** The field catalog is still loading: the fields editor says so; the rest of the form works. */
export const CatalogLoading: Story = {
  parameters: { backend: { setup: (backend) => backend.hang('GET /fields') } satisfies KitBackendParameters },
  args: { defaultValues: { fields: [{ key: 'email', from: '' }] } },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('combobox', { name: 'Source' })).toHaveTextContent('Loading…');
  },
};

/** Prefilled values (e.g. duplicating a webhook), with fields of every kind. */
export const Prefilled: Story = {
  args: {
    defaultValues: {
      name: 'Orders to Segment',
      trackEventName: 'Order placed',
      region: 'eu',
      fields: [
        { key: 'email', from: 'person.email' },
        { key: 'total', from: 'activity.total' },
        { key: 'source', value: 'ortto' },
      ],
    },
  },
};

/** Fill the form, Test (Segment answers 200, with the honest caveat), then Create. */
export const FillTestAndCreate: Story = {
  play: async (context) => {
    const canvas = within(context.canvasElement);
    await context.step('Fill the form', () => fillForm(context));
    await context.step('Test', async () => {
      await clickTest(context);
      const panel = await canvas.findByRole('region', { name: 'Test result' });
      await expect(await within(panel).findByText('Segment accepted the test event')).toBeVisible();
      await expect(within(panel).getByTestId('test-http-status')).toHaveTextContent('200');
      await expect(within(panel).getByText(/Segment answers 200 even for an unknown write key/)).toBeVisible();
      await expect(within(panel).getByRole('link', { name: /Segment source debugger/ })).toHaveAttribute(
        'href',
        'https://segment.com/docs/connections/sources/debugger/',
      );
      await expect(within(panel).getByRole('region', { name: 'Payload sent' })).toHaveTextContent('"integrations"');
      const sent = backendOf(context).requestsTo('POST /webhooks/test')[0]?.body;
      await expect(sent).toMatchObject({ trackEventName: 'Order placed', region: 'eu' });
    });
    await context.step('Create', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Create' }));
      await waitFor(() =>
        expect(context.args.onCreated).toHaveBeenCalledWith(
          expect.objectContaining({ name: 'Orders to Segment', region: 'eu', status: 'active' }),
        ),
      );
    });
  },
};

/** Segment refused the test message (400). */
export const TestSegmentError: Story = {
  parameters: {
    backend: {
      setup: (backend) => backend.sink.failNext(1, 400, 'Exceed payload limit'),
    } satisfies KitBackendParameters,
  },
  play: async (context) => {
    await fillForm(context);
    await clickTest(context);
    const panel = within(context.canvasElement).getByRole('region', { name: 'Test result' });
    await expect(await within(panel).findByText('Segment refused the test event')).toBeVisible();
    await expect(within(panel).getByTestId('test-http-status')).toHaveTextContent('400');
    await expect(within(panel).getByRole('region', { name: 'Response' })).toHaveTextContent('Exceed payload limit');
  },
};

/** Segment could not be reached from the server (the connection dropped). */
export const TestNetworkError: Story = {
  parameters: { backend: { setup: (backend) => backend.sink.dropNext(1) } satisfies KitBackendParameters },
  play: async (context) => {
    await fillForm(context);
    await clickTest(context);
    const panel = within(context.canvasElement).getByRole('region', { name: 'Test result' });
    await expect(await within(panel).findByText('Segment could not be reached')).toBeVisible();
    await expect(within(panel).getByTestId('test-http-status')).toHaveTextContent('No response');
  },
};

/** Create with nothing filled in: every message beside its field. */
export const ValidationErrors: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.click(canvas.getByRole('button', { name: 'Create' }));
    await expect(await canvas.findByText('Enter a webhook name')).toBeVisible();
    await expect(canvas.getByLabelText('Webhook name')).toHaveAttribute('aria-invalid', 'true');
    await expect(canvas.getByLabelText('Write key')).toHaveAccessibleDescription(
      /Enter the write key of your Segment source/,
    );
    await expect(canvas.getByLabelText('Webhook name')).toHaveFocus();
  },
};

/** The server rejected the write key and a field: its errors land on those fields. */
export const ServerValidationErrors: Story = {
  parameters: {
    backend: {
      setup: (backend) =>
        backend.fail('POST /webhooks', {
          code: 'validation_error',
          detail: 'The request is invalid.',
          errors: [
            { path: ['writeKey'], message: 'This write key belongs to another workspace' },
            { path: ['fields', 0, 'key'], message: 'Segment reserves this property name' },
          ],
        }),
    } satisfies KitBackendParameters,
  },
  play: async (context) => {
    const canvas = within(context.canvasElement);
    await fillForm(context);
    await userEvent.click(canvas.getByRole('button', { name: 'Create' }));
    await expect(await canvas.findByText('This write key belongs to another workspace')).toBeVisible();
    await expect(canvas.getByLabelText('Write key')).toHaveAttribute('aria-invalid', 'true');
    await expect(canvas.getByLabelText('Property name')).toHaveAccessibleDescription(
      'Segment reserves this property name',
    );
    await expect(context.args.onCreated).not.toHaveBeenCalled();
  },
};

/** The server failed: the error is announced. */
export const ServerError: Story = {
  parameters: {
    backend: {
      setup: (backend) => backend.fail('POST /webhooks', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async (context) => {
    await fillForm(context);
    await userEvent.click(within(context.canvasElement).getByRole('button', { name: 'Create' }));
    await expect(await within(context.canvasElement).findByRole('alert')).toHaveTextContent(
      // The server's own answer to an unexpected error: it never says more (the error is logged).
      'The webhook could not be created. An unexpected error occurred. It has been logged.',
    );
  },
};

/** Create is disabled while the request is in flight. */
export const Submitting: Story = {
  parameters: { backend: { setup: (backend) => backend.hang('POST /webhooks') } satisfies KitBackendParameters },
  play: async (context) => {
    await fillForm(context);
    const create = within(context.canvasElement).getByRole('button', { name: 'Create' });
    await userEvent.click(create);
    await waitFor(() => expect(create).toBeDisabled());
    await expect(create).toHaveAttribute('aria-busy', 'true');
  },
};

/** The whole form disabled. */
export const Disabled: Story = {
  args: { disabled: true, defaultValues: { name: 'Orders to Segment', trackEventName: 'Order placed' } },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(canvas.getByLabelText('Webhook name')).toBeDisabled();
    await expect(canvas.getByRole('button', { name: 'Create' })).toBeDisabled();
    await expect(canvas.getByRole('button', { name: 'Test' })).toBeDisabled();
  },
};

/** Dark theme. */
export const Dark: Story = { globals: { theme: 'dark' } };

/** The setup form in a 360 px side panel: fields, preview and buttons fit the width. */
export const Narrow: Story = {
  decorators: [narrowPanel],
  play: async ({ canvasElement }) => {
    await expectFitsNarrowPanel(canvasElement, 'idle');
  },
};

/**
 * The host provides recent activity events: **Test with** offers them beside the sample. The preview and the
 * test result show the message built from the chosen event (Segment forwards no test: `integrations.All` is
 * false).
 */
export const TestWithRecentActivity: Story = {
  parameters: { backend: { recentActivities: true } satisfies KitBackendParameters },
  play: async (context) => {
    const { canvasElement } = context;
    const canvas = within(canvasElement);
    const body = within(canvasElement.ownerDocument.body);
    await fillForm(context);
    const select = await canvas.findByRole('combobox', { name: 'Test with' });
    await expect(select).toHaveTextContent('Sample activity');
    await userEvent.click(select);
    await userEvent.click(await body.findByRole('option', { name: /^Order placed · person_0311/ }));
    const preview = canvas.getByRole('region', { name: 'Payload preview' });
    await waitFor(() => expect(preview).toHaveTextContent('"userId": "person_0311"'));
    await clickTest(context);
    const result = await canvas.findByRole('region', { name: 'Test result' });
    await expect(await within(result).findByText('Segment accepted the test event')).toBeVisible();
    await expect(result).toHaveTextContent('"userId": "person_0311"');
    await expect(backendOf(context).requestsTo('POST /webhooks/test').at(-1)?.body).toMatchObject({
      activityEventId: 'evt_recent_3',
    });
  },
};
