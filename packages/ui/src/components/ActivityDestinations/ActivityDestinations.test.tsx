import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithKit } from '../../test/render';
import { ActivityDestinations } from './ActivityDestinations';

describe('ActivityDestinations', () => {
  it('shows each activity’s destination and the usage meter', async () => {
    await renderWithKit(<ActivityDestinations />);
    const row = (await screen.findByRole('rowheader', { name: 'Order placed' })).closest('tr')!;
    expect(within(row).getByRole('combobox')).toHaveTextContent('Orders to Segment');
    expect(await screen.findByText('3 of 5 used')).toBeInTheDocument();
    const meter = screen.getByRole('meter', { name: 'Outbound activity streams' });
    expect(meter).toHaveAttribute('aria-valuenow', '3');
    expect(meter).toHaveAttribute('aria-valuemax', '5');
  });

  it('routes an activity and refreshes usage; none unroutes it', async () => {
    const { user, backend } = await renderWithKit(<ActivityDestinations />);
    const select = await screen.findByRole('combobox', { name: 'Data destination for Cart abandoned' });
    await waitFor(() => expect(select).toBeEnabled());
    await user.click(select);
    await user.click(await screen.findByRole('option', { name: 'Orders to Segment' }));
    await screen.findByText('4 of 5 used');
    expect(backend.requestsTo('PUT /activities/:activityId/destination')[0]?.body).toEqual({ webhookId: 'wh_orders' });
    await user.click(screen.getByRole('combobox', { name: 'Data destination for Cart abandoned' }));
    await user.click(await screen.findByRole('option', { name: 'None' }));
    await screen.findByText('3 of 5 used');
    expect(backend.requestsTo('DELETE /activities/:activityId/destination')).toHaveLength(1);
  });

  it('says so at the limit and shows the 409 inline on the row', async () => {
    const { user } = await renderWithKit(<ActivityDestinations />, { backend: { includedStreams: 3 } });
    expect(await screen.findByText(/You have used every outbound activity stream/)).toBeInTheDocument();
    const select = screen.getByRole('combobox', { name: 'Data destination for Email clicked' });
    await waitFor(() => expect(select).toBeEnabled());
    await user.click(select);
    await user.click(await screen.findByRole('option', { name: 'Email engagement' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveAttribute('data-code', 'stream_limit_reached');
    expect(select).toHaveAccessibleDescription(/outbound activity streams are all in use/);
    expect(select).toHaveTextContent('None');
  });

  it('does not offer archived webhooks as destinations', async () => {
    const { user } = await renderWithKit(<ActivityDestinations />);
    const select = await screen.findByRole('combobox', { name: 'Data destination for Email clicked' });
    await waitFor(() => expect(select).toBeEnabled());
    await user.click(select);
    await screen.findByRole('option', { name: 'Orders to Segment' });
    expect(screen.queryByRole('option', { name: /Old journey webhook/ })).not.toBeInTheDocument();
    expect(screen.getByRole('option', { name: 'Survey results (EU) (Disconnected)' })).toBeInTheDocument();
  });
});
