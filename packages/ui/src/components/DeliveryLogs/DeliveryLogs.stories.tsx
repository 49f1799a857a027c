import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, screen, userEvent, waitFor, within } from 'storybook/test';
import { backendOf, type KitBackendParameters, LONG_HISTORY, SAMPLE_NOW } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
import { DeliveryLogs } from './DeliveryLogs';

const meta = {
  title: 'Components/DeliveryLogs',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          "Every delivery of one webhook, newest first, with a status filter, search, a live tail and a detail panel with retries. Use it where a user checks what was sent to Segment and fixes failures (DataSourceView's Logs tab).",
      },
    },
  },
  component: DeliveryLogs,
  args: { webhookId: 'wh_orders', now: SAMPLE_NOW },
} satisfies Meta<typeof DeliveryLogs>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The rows of the deliveries list (not the options of the filter selects). */
const rows = (canvasElement: HTMLElement) =>
  within(within(canvasElement).getByRole('listbox', { name: 'Deliveries' })).queryAllByRole('option');

/** The deliveries of three days, newest first: one pending, one retrying, delivered and failed ones. */
export const Default: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByRole('listbox', { name: 'Deliveries' })).toBeVisible();
    await expect(rows(canvasElement).length).toBeGreaterThan(0);
  },
};

/** A month of deliveries: only the visible rows are in the DOM; scrolling loads the next page. */
export const ManyRows: Story = {
  parameters: { backend: { orders: LONG_HISTORY } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const list = await canvas.findByRole('listbox', { name: 'Deliveries' });
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    await expect(rows(canvasElement).length).toBeLessThan(40);
    list.scrollTop = list.scrollHeight;
    // Reaching the end of the first page asks for the next one.
    await waitFor(() => expect(Number(rows(canvasElement).at(-1)?.getAttribute('aria-posinset'))).toBeGreaterThan(100));
    await expect(rows(canvasElement).length).toBeLessThan(40);
  },
};

/** Keyboard: arrows move through the rows, Enter opens the detail. */
export const Keyboard: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const list = await canvas.findByRole('listbox', { name: 'Deliveries' });
    list.focus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}{Enter}');
    const selected = rows(canvasElement).find((row) => row.getAttribute('aria-selected') === 'true');
    await expect(selected).toHaveAttribute('aria-posinset', '3');
    await expect(await canvas.findByRole('heading', { level: 3, name: /^Delivery evt_/ })).toBeVisible();
  },
};

/** Keyboard paging: End scrolls the last loaded row into view, Home goes back; the active row is always rendered. */
export const KeyboardPaging: Story = {
  parameters: { backend: { orders: LONG_HISTORY } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const list = await canvas.findByRole('listbox', { name: 'Deliveries' });
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    const active = () => canvasElement.ownerDocument.getElementById(list.getAttribute('aria-activedescendant') ?? '');
    list.focus();
    await userEvent.keyboard('{End}');
    await waitFor(() => expect(Number(active()?.getAttribute('aria-posinset'))).toBeGreaterThanOrEqual(100));
    const box = list.getBoundingClientRect();
    const row = active()!.getBoundingClientRect();
    await expect(row.top).toBeGreaterThanOrEqual(box.top - 1);
    await expect(row.bottom).toBeLessThanOrEqual(box.bottom + 1);
    await expect(rows(canvasElement).length).toBeLessThan(40);
    await userEvent.keyboard('{Home}');
    await waitFor(() => expect(active()?.getAttribute('aria-posinset')).toBe('1'));
    await expect(list.scrollTop).toBe(0);
  },
};

/** Filter by status. */
export const FailedOnly: Story = {
  args: { defaultStatus: 'failed' },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    for (const row of rows(canvasElement)) await expect(row).toHaveAttribute('data-status', 'failed');
  },
};

const SEARCH = 'Search by event ID, message ID or person ID';

/** Search by person id (one box for an event id, message id or person id, applied on Enter). */
export const SearchByPerson: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    const person = rows(canvasElement)[0]!.querySelector('.swk-logs__person')!.textContent!;
    await userEvent.type(canvas.getByRole('searchbox', { name: SEARCH }), `${person}{Enter}`);
    await waitFor(() => {
      for (const row of rows(canvasElement)) expect(row.querySelector('.swk-logs__person')).toHaveTextContent(person);
    });
    await expect(canvas.getByRole('button', { name: 'Clear search' })).toBeVisible();
  },
};

/** Find one event by its id in the last 24 hours. */
export const FindEventLast24Hours: Story = {
  args: { defaultRange: '24h' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    await expect(canvas.getByLabelText('Time range')).toHaveValue('24h');
    const eventId = rows(canvasElement)[2]!.querySelector('.swk-logs__event')!.textContent!;
    await userEvent.type(canvas.getByRole('searchbox', { name: SEARCH }), `${eventId}{Enter}`);
    await waitFor(() => expect(rows(canvasElement)).toHaveLength(1));
    await expect(rows(canvasElement)[0]).toHaveTextContent(eventId);
  },
};

/** A custom time range: two labelled date-time fields; a range that ends before it starts is refused. */
export const CustomRange: Story = {
  args: { defaultRange: 'custom' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    const from = canvas.getByLabelText('From') as HTMLInputElement;
    const to = canvas.getByLabelText('To');
    await expect(from.value).not.toBe('');
    await userEvent.clear(to);
    await userEvent.type(to, '2020-01-01T00:00');
    await expect(await canvas.findByRole('alert')).toHaveTextContent('From must be before To.');
    await expect(to).toHaveAttribute('aria-invalid', 'true');
  },
};

/** The Export menu: CSV or NDJSON of every delivery matching the filters. */
export const ExportMenuOpen: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('listbox', { name: 'Deliveries' });
    await userEvent.click(canvas.getByRole('button', { name: 'Export' }));
    await expect(await screen.findByRole('menuitem', { name: 'Export CSV' })).toBeVisible();
    await expect(screen.getByRole('menuitem', { name: 'Export NDJSON' })).toBeVisible();
    // Closed again for the a11y check (an open modal menu hides the rest of the page from assistive tech).
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(canvas.getByRole('button', { name: 'Export' })).toHaveFocus());
  },
};

/** The export failed: the logs say so. */
export const ExportError: Story = {
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /webhooks/:id/deliveries/export', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async (context) => {
    const canvas = within(context.canvasElement);
    await canvas.findByRole('listbox', { name: 'Deliveries' });
    await userEvent.click(canvas.getByRole('button', { name: 'Export' }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Export CSV' }));
    await expect(await canvas.findByRole('alert')).toHaveTextContent('The export could not be downloaded.');
    await expect(backendOf(context).requestsTo('GET /webhooks/:id/deliveries/export')).toHaveLength(1);
  },
};

/** Replay…: the dialog explains Segment's 24-hour duplicate window before anything is sent. */
export const ReplayDialogOpen: Story = {
  args: { defaultRange: '7d' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('listbox', { name: 'Deliveries' });
    await userEvent.click(canvas.getByRole('button', { name: 'Replay…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Replay deliveries' });
    await expect(dialog).toHaveTextContent('Segment silently drops a message id it has seen in the last 24 hours.');
    await expect(within(dialog).getByRole('checkbox', { name: 'Failed' })).toBeChecked();
    await expect(within(dialog).getByRole('checkbox', { name: 'Delivered' })).not.toBeChecked();
  },
};

/**
 * Replay of failed and delivered deliveries queued: how many, and how many of them Segment first accepted
 * less than 24 hours ago (it will likely drop those as duplicates).
 */
export const Replayed: Story = {
  args: { defaultRange: '7d' },
  play: async (context) => {
    const canvas = within(context.canvasElement);
    await canvas.findByRole('listbox', { name: 'Deliveries' });
    await userEvent.click(canvas.getByRole('button', { name: 'Replay…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Replay deliveries' });
    await userEvent.click(within(dialog).getByRole('checkbox', { name: 'Delivered' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Replay' }));
    await expect(
      await within(dialog).findByText(
        /^Queued \d+ deliveries; [1-9]\d* of them within Segment’s 24-hour duplicate window\.$/,
      ),
    ).toBeVisible();
    await expect(backendOf(context).requestsTo('POST /webhooks/:id/replay')).toHaveLength(1);
  },
};

/** Replay with a range that ends before it starts: refused inline, nothing sent. */
export const ReplayInvalidRange: Story = {
  play: async (context) => {
    const canvas = within(context.canvasElement);
    await canvas.findByRole('listbox', { name: 'Deliveries' });
    await userEvent.click(canvas.getByRole('button', { name: 'Replay…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Replay deliveries' });
    const to = within(dialog).getByLabelText('To');
    await userEvent.clear(to);
    await userEvent.type(to, '2020-01-01T00:00');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Replay' }));
    await expect(within(dialog).getByText('From must be before To.')).toBeVisible();
    await expect(backendOf(context).requestsTo('POST /webhooks/:id/replay')).toHaveLength(0);
  },
};

/** The server refused the replay: its message, inline. */
export const ReplayError: Story = {
  parameters: {
    backend: {
      setup: (backend) => backend.fail('POST /webhooks/:id/replay', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('listbox', { name: 'Deliveries' });
    await userEvent.click(canvas.getByRole('button', { name: 'Replay…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Replay deliveries' });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Replay' }));
    await expect(await within(dialog).findByRole('alert')).toHaveTextContent('The deliveries could not be replayed.');
  },
};

/** A failed delivery's detail: payload, every attempt and the response; Retry schedules it again. */
export const RetryFailedDelivery: Story = {
  args: { defaultStatus: 'failed' },
  play: async (context) => {
    const { canvasElement } = context;
    const canvas = within(canvasElement);
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    await userEvent.click(rows(canvasElement)[0]!);
    const detail = await canvas.findByRole('region', { name: /^Delivery evt_/ });
    await expect(await within(detail).findByRole('region', { name: 'Segment payload' })).toBeVisible();
    await expect(within(detail).getByText(/Attempts \(\d+\)/)).toBeVisible();
    await userEvent.click(within(detail).getByRole('button', { name: 'Retry' }));
    await expect(await within(detail).findByText('Scheduled again with the same message id.')).toBeVisible();
    await expect(backendOf(context).requestsTo('POST /webhooks/:id/deliveries/:deliveryId/retry')).toHaveLength(1);
  },
};

/** A failed delivery's detail open: every attempt with Segment's response, the payload, and Retry. */
export const FailedDeliveryDetail: Story = {
  render: (args, { loaded }) => (
    <DeliveryLogs {...args} defaultSelectedId={backendOf({ loaded }).sample.recentFailedDeliveryId ?? undefined} />
  ),
  play: async ({ canvasElement }) => {
    const detail = await within(canvasElement).findByRole('region', { name: /^Delivery evt_/ });
    await expect(await within(detail).findByRole('button', { name: 'Retry' })).toBeEnabled();
    await expect(detail).toHaveAttribute('data-status', 'failed');
    await expect(within(detail).getByText('Attempts (3)')).toBeVisible();
    await expect(within(detail).getAllByText(/^Settings version \d+$/)).toHaveLength(3);
    await expect(within(detail).queryByText(/de-duplication window/)).not.toBeInTheDocument();
  },
};

/** A failed delivery older than 24 hours: Retry warns that Segment may no longer de-duplicate it. */
export const StaleFailedDeliveryDetail: Story = {
  render: (args, { loaded }) => (
    <DeliveryLogs {...args} defaultSelectedId={backendOf({ loaded }).sample.staleFailedDeliveryId ?? undefined} />
  ),
  play: async ({ canvasElement }) => {
    const detail = await within(canvasElement).findByRole('region', { name: /^Delivery evt_/ });
    await expect(await within(detail).findByText(/older than Segment’s 24-hour de-duplication window/)).toBeVisible();
  },
};

/** Retry all failed warns that some are older than Segment's 24-hour de-duplication window. */
export const RetryAllFailed: Story = {
  // The sample's three days of deliveries include failed ones older than 24 hours.
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await canvas.findByRole('listbox', { name: 'Deliveries' });
    await userEvent.click(canvas.getByRole('button', { name: 'Retry all failed' }));
    const dialog = await screen.findByRole('alertdialog');
    await expect(await within(dialog).findByText(/older than Segment’s 24-hour de-duplication window/)).toBeVisible();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Retry all failed' }));
    await expect(await canvas.findByText(/failed deliveries scheduled again/)).toBeVisible();
  },
};

/** Held deliveries of a disconnected webhook say why they wait. */
export const HeldDeliveries: Story = {
  args: { webhookId: 'wh_survey', defaultStatus: 'pending' },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    await expect(rows(canvasElement)[0]).toHaveAttribute('data-held', 'disconnected');
    await expect(rows(canvasElement)[0]).toHaveTextContent('Held: webhook disconnected');
  },
};

/** The Live toggle tails the stream: a new event appears on top, pending, then delivered. */
export const Live: Story = {
  args: { defaultLive: true },
  play: async (context) => {
    const { canvasElement } = context;
    const backend = backendOf(context);
    const canvas = within(canvasElement);
    await expect(await canvas.findByRole('switch', { name: 'Live' })).toBeChecked();
    await expect(await canvas.findByText('Live: new deliveries appear as they happen.')).toBeVisible();
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
    backend.clock.advance(60_000);
    await backend.ingest({
      id: 'evt_live_1',
      activityId: 'order-placed',
      occurredAt: new Date(backend.clock.now()).toISOString(),
      person: { id: 'person_live', email: 'live@example.com' },
      attributes: { order_id: 'ord_live', total: 99, currency: 'USD' },
    });
    await waitFor(() => expect(rows(canvasElement)[0]).toHaveTextContent('evt_live_1'));
    await expect(rows(canvasElement)[0]).toHaveAttribute('data-status', 'pending');
    await backend.deliver();
    await waitFor(() => expect(rows(canvasElement)[0]).toHaveAttribute('data-status', 'delivered'));
    await expect(rows(canvasElement)[0]).toHaveTextContent('evt_live_1');
  },
};

/** The live feed drops: the toggle says so and reconnects (then reloads the list). */
export const LiveInterrupted: Story = {
  args: { defaultLive: true, liveRetryMs: 200 },
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /webhooks/:id/deliveries/stream', 'network'),
    } satisfies KitBackendParameters,
  },
  play: async (context) => {
    const { canvasElement } = context;
    const backend = backendOf(context);
    const canvas = within(canvasElement);
    await expect(await canvas.findByText('The live feed was interrupted. Reconnecting…')).toBeVisible();
    backend.fail('GET /webhooks/:id/deliveries/stream', null);
    await expect(await canvas.findByText('Live: new deliveries appear as they happen.')).toBeVisible();
    await expect(backend.requestsTo('GET /webhooks/:id/deliveries/stream').length).toBeGreaterThan(1);
  },
};

/** No deliveries yet. */
export const Empty: Story = {
  parameters: { backend: { orders: { events: 0 } } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByText(/No deliveries yet/)).toBeVisible();
  },
};

/** No deliveries match the filters: the empty state names them and offers to clear them. */
export const NoMatches: Story = {
  args: { defaultRange: '24h' },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await userEvent.type(await canvas.findByRole('searchbox', { name: SEARCH }), 'nobody{Enter}');
    await expect(
      await canvas.findByText(/No deliveries match the search “nobody”, the time range Last 24 hours\./),
    ).toBeVisible();
    await userEvent.click(canvas.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(rows(canvasElement).length).toBeGreaterThan(0));
  },
};

/** Loading the first page. */
export const Loading: Story = {
  parameters: {
    backend: { setup: (backend) => backend.hang('GET /webhooks/:id/deliveries') } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('Loading deliveries…')).toBeVisible();
  },
};

/** The deliveries could not be loaded. */
export const LoadError: Story = {
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /webhooks/:id/deliveries', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent(
      'The deliveries could not be loaded.',
    );
  },
};

/** The logs in a 360 px side panel: filters stack and rows keep their status, ids and time. */
export const Narrow: Story = {
  decorators: [narrowPanel],
  play: async ({ canvasElement }) => {
    await expectFitsNarrowPanel(canvasElement);
  },
};
