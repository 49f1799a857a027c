import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { defaultMessages } from '../../messages';
import { renderWithKit } from '../../test/render';
import { DataSourceView } from './DataSourceView';
import { describeHistoryChange, WebhookHistory } from './WebhookHistory';

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

describe('Settings history', () => {
  it('lists the versions newest first, with who and what, and the write key only as changed', async () => {
    const { container } = await renderWithKit(<DataSourceView webhookId="wh_orders" defaultTab="settings" />, {
      backend: { history: true },
    });
    const history = await screen.findByRole('region', { name: 'History' });
    await waitFor(() => expect(history).toHaveAttribute('data-state', 'ready'));
    const entries = within(history)
      .getAllByRole('listitem')
      .filter((item) => item.dataset.version);
    expect(entries.map((entry) => entry.dataset.version)).toEqual(['4', '3', '2', '1']);
    expect(entries[0]).toHaveTextContent(/^Version 4 · .+ · Unknown/);
    expect(entries[0]).toHaveTextContent(
      'Fields: 2 fields (email, order_total) → 3 fields (email, order_total, source)',
    );
    expect(entries[1]).toHaveTextContent(/Version 3 · .+ · Grace Hopper/);
    expect(entries[1]).toHaveTextContent('Write key changed');
    expect(entries[2]).toHaveTextContent(/Version 2 · .+ · Ada Lovelace/);
    expect(entries[2]).toHaveTextContent("Track event name: 'Order completed' → 'Order placed'");
    expect(entries[3]).toHaveTextContent('Created');
    expect(container.textContent).not.toMatch(/wk_sample/);
    expect(screen.getByText('Settings version 4')).toBeInTheDocument();
  });

  it('adds the new version after a save, with the actor the host names', async () => {
    const { user } = await renderWithKit(<DataSourceView webhookId="wh_orders" defaultTab="settings" />, {
      backend: { actor: 'Katherine Johnson' },
    });
    const history = await screen.findByRole('region', { name: 'History' });
    await waitFor(() => expect(history).toHaveAttribute('data-state', 'ready'));
    expect(screen.getByText('Settings version 1')).toBeInTheDocument();
    const eventName = screen.getByLabelText('Track event name');
    await user.clear(eventName);
    await user.type(eventName, 'Order shipped');
    await user.type(screen.getByLabelText('Write key'), 'wk_brand_new_key_9876');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(history.querySelector('[data-version="2"]')).not.toBeNull());
    expect(history.querySelector('[data-version="2"]')).toHaveTextContent(/^Version 2 · .+ · Katherine Johnson/);
    const latest = history.querySelector<HTMLElement>('[data-version="2"]')!;
    expect(within(latest).getByText("Track event name: 'Order placed' → 'Order shipped'")).toBeInTheDocument();
    expect(within(latest).getByText('Write key changed')).toBeInTheDocument();
    expect(screen.getByText('Settings version 2')).toBeInTheDocument();
    expect(history.textContent).not.toContain('9876');
  });

  it('pages older versions and shows loading and error states', async () => {
    const { backend, user } = await renderWithKit(<WebhookHistory webhookId="wh_orders" pageSize={2} />, {
      backend: { history: true },
    });
    const history = await screen.findByRole('region', { name: 'History' });
    await waitFor(() => expect(history).toHaveAttribute('data-state', 'ready'));
    expect(history.querySelectorAll('[data-version]')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Show older changes' }));
    await waitFor(() => expect(history.querySelectorAll('[data-version]')).toHaveLength(4));
    expect(screen.queryByRole('button', { name: 'Show older changes' })).not.toBeInTheDocument();
    expect(backend.requestsTo('GET /webhooks/:id/history').map((request) => request.query.limit)).toEqual(['2', '2']);
  });

  it('shows an error with Try again', async () => {
    const { backend, user } = await renderWithKit(<WebhookHistory webhookId="wh_orders" />, {
      backend: { setup: (b) => b.fail('GET /webhooks/:id/history', { code: 'internal_error' }) },
    });
    expect(await screen.findByRole('alert')).toHaveTextContent('The history could not be loaded.');
    backend.fail('GET /webhooks/:id/history', null);
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getByRole('region', { name: 'History' })).toHaveAttribute('data-state', 'ready'));
  });

  it('describes each kind of change', () => {
    const m = defaultMessages;
    expect(describeHistoryChange({ field: 'region', from: 'us', to: 'eu' }, m)).toBe('Data ingestion region: US → EU');
    expect(describeHistoryChange({ field: 'sendActivityPayload', from: true, to: false }, m)).toBe(
      'Send activity payload: on → off',
    );
    expect(describeHistoryChange({ field: 'name', from: null, to: 'Orders' }, m)).toBe("Webhook name: 'Orders'");
    expect(describeHistoryChange({ field: 'fields', from: [], to: [{ key: 'email', from: 'person.email' }] }, m)).toBe(
      'Fields: none → 1 field (email)',
    );
    expect(describeHistoryChange({ field: 'writeKey', changed: true }, m)).toBe('Write key changed');
  });
});
