import { screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderWithKit } from '../../test/render';
import { DataSourceList } from './DataSourceList';

describe('DataSourceList', () => {
  it('lists webhooks with status and health, and reports the chosen one', async () => {
    const onSelect = vi.fn();
    const { user } = await renderWithKit(
      <DataSourceList onSelect={onSelect} onNew={() => {}} selectedId="wh_orders" />,
    );
    const list = await screen.findByRole('list');
    const rows = within(list).getAllByRole('button');
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['active', 'active', 'disconnected', 'archived']);
    expect(rows[0]).toHaveAttribute('aria-current', 'true');
    expect(rows[1]).toHaveAttribute('data-health', 'needs_attention');
    // Archived webhooks show no health badge.
    expect(within(rows[3]!).queryByText('Healthy')).not.toBeInTheDocument();
    await user.click(rows[2]!);
    expect(onSelect).toHaveBeenCalledWith(expect.objectContaining({ id: 'wh_survey' }));
  });

  it('filters by status through the API', async () => {
    const { backend } = await renderWithKit(<DataSourceList status="archived" />);
    expect(await screen.findByText('Old journey webhook')).toBeInTheDocument();
    expect(screen.queryByText('Orders to Segment')).not.toBeInTheDocument();
    expect(backend.requestsTo('GET /webhooks')[0]).toMatchObject({ path: '/webhooks', query: { status: 'archived' } });
  });

  it('shows the empty state with New data source', async () => {
    const onNew = vi.fn();
    const { user } = await renderWithKit(<DataSourceList onNew={onNew} />, { backend: { webhooks: [] } });
    await screen.findByText('No Segment webhooks yet.');
    await user.click(screen.getByRole('button', { name: 'New data source' }));
    expect(onNew).toHaveBeenCalled();
  });
});
