import type { Overview } from '@segment-webhook/core/contract';
import { cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderWithKit, renderWithoutRequests } from '../../test/render';
import { OverviewPanel, WebhookOverview } from './Overview';

const wrap = renderWithoutRequests;

const overview: Overview = {
  range: '24h',
  counts: { pending: 1, retrying: 0, delivered: 90, failed: 10, skipped: 0, held: 2 },
  series: [
    { start: '2026-11-27T10:00:00.000Z', delivered: 40, failed: 0 },
    { start: '2026-11-27T11:00:00.000Z', delivered: 50, failed: 10 },
  ],
  successRate: 0.9,
  lastDeliveredAt: '2026-11-27T11:59:00.000Z',
  lagMs: { p50: 420, p95: 2300 },
  fieldCoverage: [],
  fieldCoverageSampled: false,
};

describe('OverviewPanel', () => {
  it('shows counts, success rate, lag and a bar per non-zero series value', () => {
    const { container } = wrap(<OverviewPanel overview={overview} range="24h" onRangeChange={() => {}} />);
    expect(screen.getByText('90%')).toBeInTheDocument();
    expect(screen.getByText('420 ms')).toBeInTheDocument();
    expect(screen.getByText('2.3 s')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /90 delivered and 10 failed over 2 hours/ })).toBeInTheDocument();
    expect(container.querySelectorAll('rect[data-series="delivered"]')).toHaveLength(2);
    expect(container.querySelectorAll('rect[data-series="failed"]')).toHaveLength(1);
  });

  it('formats numbers and dates in the provider’s locale', () => {
    const big: Overview = {
      ...overview,
      counts: { ...overview.counts, delivered: 12_345 },
      lagMs: { p50: 420, p95: 2_345 },
    };
    renderWithoutRequests(<OverviewPanel overview={big} range="24h" onRangeChange={() => {}} />, {
      baseUrl: '/x',
      locale: 'de-DE',
    });
    expect(screen.getByText('12.345')).toBeInTheDocument();
    expect(screen.getByText('2,3 s')).toBeInTheDocument();
    expect(
      screen.getByText(
        new Intl.DateTimeFormat('de-DE', { dateStyle: 'medium', timeStyle: 'medium' }).format(
          Date.parse(overview.lastDeliveredAt!),
        ),
      ),
    ).toBeInTheDocument();
    // The default stays en-US, matching the default English messages.
    cleanup();
    wrap(<OverviewPanel overview={big} range="24h" onRangeChange={() => {}} />);
    expect(screen.getByText('12,345')).toBeInTheDocument();
    expect(screen.getByText('2.3 s')).toBeInTheDocument();
  });

  it('reports a range change', async () => {
    const onRangeChange = vi.fn();
    wrap(<OverviewPanel overview={overview} range="24h" onRangeChange={onRangeChange} />);
    await userEvent.setup().click(screen.getByRole('radio', { name: 'Last 7 days' }));
    expect(onRangeChange).toHaveBeenCalledWith('7d');
  });
});

describe('WebhookOverview', () => {
  it('loads the overview of the selected range', async () => {
    const { container, backend, user } = await renderWithKit(<WebhookOverview webhookId="wh_orders" />);
    await screen.findByRole('img', { name: /Deliveries over time/ });
    await user.click(screen.getByRole('radio', { name: 'Last 30 days' }));
    await waitFor(() => expect(container.querySelector('.swk-chart')).toHaveAttribute('data-range', '30d'));
    expect(backend.requestsTo('GET /webhooks/:id/overview').map((request) => request.query)).toEqual([
      { range: '24h' },
      { range: '30d' },
    ]);
  });
});
