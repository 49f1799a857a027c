import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithKit } from '../../test/render';
import { DataSourceView } from './DataSourceView';

const view = () => document.querySelector('.swk-view');

async function reconnectDialog(user: Awaited<ReturnType<typeof renderWithKit>>['user']) {
  await user.click(await screen.findByRole('button', { name: 'Actions' }));
  await user.click(await screen.findByRole('menuitem', { name: 'Reconnect' }));
  return screen.findByRole('alertdialog', { name: 'Reconnect Survey results (EU)?' });
}

describe('DataSourceView reconnect with backfill', () => {
  it('sends the skipped events with the reconnect and reports how many were queued', async () => {
    const { backend, user } = await renderWithKit(<DataSourceView webhookId="wh_survey" />, {
      backend: { surveySkipped: 3 },
    });
    const dialog = await reconnectDialog(user);
    expect(within(dialog).getByRole('group')).toHaveAccessibleName('3 events were recorded while disconnected');
    await user.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    expect(await screen.findByText(/3 skipped events were queued to send/)).toBeInTheDocument();
    expect(view()).toHaveAttribute('data-status', 'active');
    expect(backend.requestsTo('POST /webhooks/:id/reconnect').map((request) => request.body)).toEqual([
      { backfill: true },
    ]);
    const queued = await backend.service.listDeliveries(backend.accountId, 'wh_survey', { status: 'skipped' });
    expect(queued.items).toHaveLength(0);
  });

  it('reconnects without them: they stay skipped', async () => {
    const { backend, user } = await renderWithKit(<DataSourceView webhookId="wh_survey" />, {
      backend: { surveySkipped: 2 },
    });
    const dialog = await reconnectDialog(user);
    await user.click(within(dialog).getByRole('radio', { name: 'Reconnect without them' }));
    await user.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    expect(await screen.findByText('Reconnected. Sending to Segment resumes.')).toBeInTheDocument();
    expect(backend.requestsTo('POST /webhooks/:id/reconnect').map((request) => request.body)).toEqual([undefined]);
    const skipped = await backend.service.listDeliveries(backend.accountId, 'wh_survey', { status: 'skipped' });
    expect(skipped.items).toHaveLength(2);
  });

  it('asks nothing when no event was skipped', async () => {
    const { backend, user } = await renderWithKit(<DataSourceView webhookId="wh_survey" />);
    const dialog = await reconnectDialog(user);
    expect(within(dialog).queryByRole('radio')).not.toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Reconnect' }));
    await waitFor(() => expect(view()).toHaveAttribute('data-status', 'active'));
    expect(backend.requestsTo('POST /webhooks/:id/reconnect')).toHaveLength(1);
  });
});
