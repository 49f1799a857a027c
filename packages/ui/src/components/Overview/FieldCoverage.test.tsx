import type { Overview } from '@segment-webhook/core/contract';
import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithKit, renderWithoutRequests, WithoutRequests } from '../../test/render';
import { FieldCoveragePanel, lowCoverage } from './FieldCoverage';
import { OverviewPanel, WebhookOverview } from './Overview';

const wrap = renderWithoutRequests;

const coverage = [
  { key: 'email', present: 190, total: 500 },
  { key: 'order_total', present: 400, total: 500 },
  { key: 'source', present: 500, total: 500 },
];

describe('lowCoverage', () => {
  it('keeps the fields under the threshold, never a field seen in no event', () => {
    expect(lowCoverage(coverage).map((item) => item.key)).toEqual(['email']);
    expect(lowCoverage(coverage, 0.9).map((item) => item.key)).toEqual(['email', 'order_total']);
    expect(lowCoverage([{ key: 'x', present: 0, total: 0 }])).toEqual([]);
  });
});

describe('FieldCoveragePanel', () => {
  it('shows a meter per field and warns about a field under 80%', () => {
    wrap(<FieldCoveragePanel coverage={coverage} />);
    const section = screen.getByRole('region', { name: 'Field coverage' });
    const email = within(section).getByRole('meter', { name: 'Coverage of email' });
    expect(email).toHaveAttribute('aria-valuenow', '190');
    expect(email).toHaveAttribute('aria-valuemax', '500');
    expect(email).toHaveAttribute('aria-valuetext', '38% (190 of 500 events)');
    expect(within(section).getByRole('meter', { name: 'Coverage of order_total' })).toHaveAttribute(
      'aria-valuetext',
      '80% (400 of 500 events)',
    );
    const warnings = section.querySelectorAll('.swk-coverage__warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toHaveTextContent('email was empty in 62% of events: check that your people have a value');
    expect(section).not.toHaveTextContent(/sample/);
  });

  it('says when the figures come from a sample, and renders nothing without fields', () => {
    const { container } = wrap(
      <>
        <FieldCoveragePanel coverage={[]} />
        <FieldCoveragePanel coverage={[{ key: 'email', present: 9, total: 10 }]} sampled />
      </>,
    );
    expect(screen.getAllByRole('region')).toHaveLength(1);
    expect(screen.getByRole('region')).toHaveTextContent('Based on a sample of the latest events in this range.');
    expect(container.querySelector('.swk-coverage__warning')).toBeNull();
  });

  it('is part of the overview, with its threshold', () => {
    const overview: Overview = {
      range: '24h',
      counts: { pending: 0, retrying: 0, delivered: 10, failed: 0, skipped: 4, held: 0 },
      series: [],
      successRate: 1,
      lastDeliveredAt: null,
      lagMs: { p50: null, p95: null },
      fieldCoverage: [{ key: 'phone', present: 9, total: 10 }],
      fieldCoverageSampled: false,
    };
    const { rerender } = wrap(
      <OverviewPanel overview={overview} range="24h" onRangeChange={() => {}} coverageThreshold={0.95} />,
    );
    expect(screen.getByText(/phone was empty in 10% of events/)).toBeInTheDocument();
    expect(screen.getByText('Skipped while disconnected')).toBeInTheDocument();
    rerender(
      <WithoutRequests>
        <OverviewPanel overview={overview} range="24h" onRangeChange={() => {}} />
      </WithoutRequests>,
    );
    expect(screen.queryByText(/phone was empty/)).not.toBeInTheDocument();
  });
});

describe('WebhookOverview field coverage', () => {
  it('shows the coverage the server measured for the configured fields', async () => {
    await renderWithKit(<WebhookOverview webhookId="wh_orders" />);
    const section = await screen.findByRole('region', { name: 'Field coverage' });
    await waitFor(() =>
      expect(
        within(section)
          .getAllByRole('meter')
          .map((meter) => meter.getAttribute('aria-label')),
      ).toEqual(['Coverage of email', 'Coverage of order_total', 'Coverage of source']),
    );
    expect(within(section).getByRole('meter', { name: 'Coverage of email' })).toHaveAttribute(
      'aria-valuetext',
      expect.stringMatching(/^100% \(\d+ of \d+ events\)$/),
    );
  });
});
