import type { Overview } from '@segment-webhook/core/contract';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { backendOf, type KitBackendParameters, LONG_HISTORY } from '../../test/backend';
import { expectFitsNarrowPanel, narrowPanel } from '../../test/narrow';
import { OverviewPanel, WebhookOverview } from './Overview';

const meta = {
  title: 'Components/Overview',
  tags: ['autodocs'],
  parameters: {
    docs: {
      description: {
        component:
          "Delivery volume, success rate, lag and counts of one webhook over 24 hours, 7 or 30 days. Use it as the first tab of a webhook's page, or on a host's dashboard.",
      },
    },
  },
  component: WebhookOverview,
  args: { webhookId: 'wh_orders' },
} satisfies Meta<typeof WebhookOverview>;
export default meta;
type Story = StoryObj<typeof meta>;

/** The last 24 hours, in hourly buckets. */
export const Last24Hours: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expect(await canvas.findByRole('img', { name: /Deliveries over time/ })).toBeVisible();
    await expect(canvas.getByRole('radio', { name: 'Last 24 hours' })).toHaveAttribute('aria-checked', 'true');
  },
};

/** Switching to 7 and 30 days asks the server for that range. */
export const SwitchRange: Story = {
  parameters: { backend: { orders: LONG_HISTORY } satisfies KitBackendParameters },
  play: async (context) => {
    const { canvasElement } = context;
    const canvas = within(canvasElement);
    await canvas.findByRole('img', { name: /Deliveries over time/ });
    await userEvent.click(canvas.getByRole('radio', { name: 'Last 30 days' }));
    await waitFor(() => expect(canvasElement.querySelector('.swk-chart')).toHaveAttribute('data-range', '30d'));
    await expect(backendOf(context).requestsTo('GET /webhooks/:id/overview').at(-1)?.query).toEqual({ range: '30d' });
  },
};

/** A webhook without deliveries. */
export const Empty: Story = {
  parameters: { backend: { orders: { events: 0 } } satisfies KitBackendParameters },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('img', { name: /0 delivered and 0 failed/ })).toBeVisible();
  },
};

/** Needs attention: Segment refused five batches in a row, later deliveries are held. */
export const WithHeldDeliveries: Story = {
  args: { webhookId: 'wh_email' },
};

/** Loading. */
export const Loading: Story = {
  parameters: {
    backend: { setup: (backend) => backend.hang('GET /webhooks/:id/overview') } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByRole('status')).toHaveTextContent('Loading the overview…');
  },
};

/** The overview could not be loaded. */
export const LoadError: Story = {
  parameters: {
    backend: {
      setup: (backend) => backend.fail('GET /webhooks/:id/overview', { code: 'internal_error' }),
    } satisfies KitBackendParameters,
  },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('alert')).toHaveTextContent(
      'The overview could not be loaded.',
    );
  },
};

const sample: Overview = {
  range: '7d',
  counts: { pending: 3, retrying: 2, delivered: 12_840, failed: 96, skipped: 0, held: 0 },
  series: Array.from({ length: 7 }, (_, day) => ({
    start: new Date(Date.UTC(2026, 10, 21 + day)).toISOString(),
    delivered: 1500 + ((day * 397) % 600),
    failed: (day * 7) % 30,
  })),
  successRate: 12_840 / 12_936,
  lastDeliveredAt: '2026-11-27T11:59:12.000Z',
  lagMs: { p50: 420, p95: 2_300 },
  fieldCoverage: [],
  fieldCoverageSampled: false,
};

/** The presentational panel with data passed in (no API). */
export const Presentational: StoryObj<typeof OverviewPanel> = {
  render: () => <OverviewPanel overview={sample} range="7d" onRangeChange={() => {}} />,
  play: async ({ canvasElement }) => {
    await expect(within(canvasElement).getByText('99.3%')).toBeVisible();
  },
};

/** The overview in a 360 px side panel: metrics stack and the chart shrinks. */
export const Narrow: Story = {
  decorators: [narrowPanel],
  play: async ({ canvasElement }) => {
    await expectFitsNarrowPanel(canvasElement);
  },
};

/** Field coverage of a webhook whose fields are always filled: a meter per field, no warning. */
export const FieldCoverageComplete: Story = {
  play: async ({ canvasElement }) => {
    const section = await within(canvasElement).findByRole('region', { name: 'Field coverage' });
    await expect(within(section).getByRole('meter', { name: 'Coverage of email' })).toHaveAttribute(
      'aria-valuetext',
      expect.stringMatching(/^100%/),
    );
    await expect(section.querySelector('.swk-coverage__warning')).toBeNull();
  },
};

const lowCoverage: Overview = {
  ...sample,
  counts: { ...sample.counts, skipped: 14 },
  fieldCoverage: [
    { key: 'email', present: 4_916, total: 12_936 },
    { key: 'order_total', present: 12_936, total: 12_936 },
    { key: 'phone', present: 10_090, total: 12_936 },
  ],
  fieldCoverageSampled: true,
};

/**
 * A field often empty: `email` had a value in 38% of the events, so the overview warns; the figures come from a
 * sample of the range's latest events, and events skipped while disconnected are counted.
 */
export const FieldCoverageWarning: StoryObj<typeof OverviewPanel> = {
  render: () => <OverviewPanel overview={lowCoverage} range="7d" onRangeChange={() => {}} />,
  play: async ({ canvasElement }) => {
    const section = within(canvasElement).getByRole('region', { name: 'Field coverage' });
    await expect(within(section).getByText(/email was empty in 62% of events/)).toBeVisible();
    await expect(within(section).getByText(/phone was empty in 22% of events/)).toBeVisible();
    await expect(within(section).getByText(/Based on a sample/)).toBeVisible();
    await expect(within(canvasElement).getByText('Skipped while disconnected')).toBeVisible();
  },
};
