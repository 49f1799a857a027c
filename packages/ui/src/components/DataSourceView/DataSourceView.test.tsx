import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { SegmentWebhookProvider } from '../../provider';
import { createKitBackend, type KitBackendParameters } from '../../test/backend';
import { createTestQueryClient } from '../../test/query-client';
import { DataSourceView } from './DataSourceView';

async function setup(ui: ReactNode, parameters: KitBackendParameters = {}) {
  const backend = await createKitBackend(parameters);
  const user = userEvent.setup();
  render(
    <SegmentWebhookProvider baseUrl="/api/segment-webhooks" fetch={backend.fetch} queryClient={createTestQueryClient()}>
      {ui}
    </SegmentWebhookProvider>,
  );
  return { backend, user };
}

/** The webhook as the service has it now. */
const stored = (backend: Awaited<ReturnType<typeof setup>>['backend'], id: string) =>
  backend.service.getWebhook(backend.accountId, id);

const view = () => document.querySelector('.swk-view');

async function startRename(user: ReturnType<typeof userEvent.setup>, name = 'Orders to Segment') {
  await user.click(await screen.findByRole('button', { name: `Rename ${name}` }));
  return screen.getByRole('textbox', { name: 'Webhook name' });
}

const SEARCH = 'Search by event ID, message ID or person ID';

describe('DataSourceView tabs', () => {
  it('keeps the Logs filters when the user switches to another tab and back', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" />);
    await user.click(await screen.findByRole('tab', { name: 'Logs' }));
    await user.selectOptions(await screen.findByRole('combobox', { name: 'Status' }), 'failed');
    await user.type(screen.getByRole('searchbox', { name: SEARCH }), 'p_1{Enter}');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Time range' }), '24h');
    // The first page, then one per filter.
    await waitFor(() => expect(backend.requestsTo('GET /webhooks/:id/deliveries').length).toBeGreaterThanOrEqual(4));
    const listed = backend.requestsTo('GET /webhooks/:id/deliveries').length;

    await user.click(screen.getByRole('tab', { name: 'Overview' }));
    expect(screen.queryByRole('searchbox', { name: SEARCH })).toBeNull();
    await user.click(screen.getByRole('tab', { name: 'Logs' }));
    expect(screen.getByRole('combobox', { name: 'Status' })).toHaveValue('failed');
    expect(screen.getByRole('searchbox', { name: SEARCH })).toHaveValue('p_1');
    expect(screen.getByRole('combobox', { name: 'Time range' })).toHaveValue('24h');
    // Nothing was fetched again for the same filters.
    expect(backend.requestsTo('GET /webhooks/:id/deliveries')).toHaveLength(listed);
  });
});

describe('DataSourceView rename in place', () => {
  it('saves the new name on Enter with a PATCH of the name only', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" />);
    const input = await startRename(user);
    expect(input).toHaveFocus();
    expect(input).toHaveValue('Orders to Segment');
    await user.clear(input);
    await user.type(input, 'Orders v2{Enter}');
    expect(await screen.findByRole('heading', { level: 1, name: /Orders v2/ })).toBeInTheDocument();
    expect(backend.requestsTo('PATCH /webhooks/:id').map((r) => r.body)).toEqual([{ name: 'Orders v2' }]);
    expect((await stored(backend, 'wh_orders')).name).toBe('Orders v2');
  });

  it('saves when the field loses focus', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" />);
    const input = await startRename(user);
    await user.type(input, ' (prod)');
    await user.click(document.body);
    expect(await screen.findByRole('heading', { level: 1, name: /Orders to Segment \(prod\)/ })).toBeInTheDocument();
    expect(backend.requestsTo('PATCH /webhooks/:id')).toHaveLength(1);
  });

  it('cancels on Escape without a request and returns focus to the pencil', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" />);
    const input = await startRename(user);
    await user.type(input, ' draft{Escape}');
    expect(screen.queryByRole('textbox', { name: 'Webhook name' })).not.toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 1 })).toHaveTextContent(/^Orders to Segment$/);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Rename Orders to Segment' })).toHaveFocus());
    expect(backend.requestsTo('PATCH /webhooks/:id')).toHaveLength(0);
  });

  it('returns focus to the pencil after saving, even when a frame runs before React commits', async () => {
    // The race CI hit under load: an animation frame that comes before React has put the pencil back.
    // Frames run at once here, so focus must not depend on one.
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
      callback(performance.now());
      return 0;
    });
    try {
      const { user } = await setup(<DataSourceView webhookId="wh_orders" />);
      const input = await startRename(user);
      await user.clear(input);
      await user.type(input, 'Orders v3{Enter}');
      await waitFor(() => expect(screen.getByRole('button', { name: 'Rename Orders v3' })).toHaveFocus());
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('sends nothing when the name is unchanged', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" />);
    const input = await startRename(user);
    await user.type(input, '{Enter}');
    expect(screen.queryByRole('textbox', { name: 'Webhook name' })).not.toBeInTheDocument();
    expect(backend.requestsTo('PATCH /webhooks/:id')).toHaveLength(0);
  });

  it('rejects an empty name beside the field', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" />);
    const input = await startRename(user);
    await user.clear(input);
    await user.type(input, '{Enter}');
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a webhook name');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(backend.requestsTo('PATCH /webhooks/:id')).toHaveLength(0);
  });

  it('shows a server error and keeps the field open', async () => {
    const { user } = await setup(<DataSourceView webhookId="wh_orders" />, {
      setup: (backend) =>
        backend.fail('PATCH /webhooks/:id', { code: 'validation_error', detail: 'That name is taken.' }),
    });
    const input = await startRename(user);
    await user.type(input, ' 2{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent('That name is taken.');
    expect(screen.getByRole('textbox', { name: 'Webhook name' })).toHaveValue('Orders to Segment 2');
  });
});

describe('DataSourceView lifecycle', () => {
  async function chooseAction(user: ReturnType<typeof userEvent.setup>, name: string) {
    await user.click(await screen.findByRole('button', { name: 'Actions' }));
    await user.click(await screen.findByRole('menuitem', { name }));
    return screen.findByRole('alertdialog');
  }

  it('offers only the transitions the state allows', async () => {
    const { user } = await setup(<DataSourceView webhookId="wh_orders" />);
    await user.click(await screen.findByRole('button', { name: 'Actions' }));
    const items = (await screen.findAllByRole('menuitem')).map((item) => item.textContent);
    expect(items).toEqual(['Disconnect', 'Delete (archive first)']);
    expect(screen.getByRole('menuitem', { name: 'Delete (archive first)' })).toHaveAttribute('aria-disabled', 'true');
  });

  it('returns focus to the Actions button when a dialog closes', async () => {
    const { user } = await setup(<DataSourceView webhookId="wh_orders" />);
    const dialog = await chooseAction(user, 'Disconnect');
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole('button', { name: 'Actions' })).toHaveFocus());
  });

  it('disconnects, archives and deletes, asking for the name before deleting', async () => {
    const onDeleted = vi.fn();
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" onDeleted={onDeleted} />);

    let dialog = await chooseAction(user, 'Disconnect');
    expect(dialog).toHaveTextContent('Disconnect Orders to Segment?');
    expect(dialog).toHaveTextContent(/held, not lost/);
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await user.click(within(dialog).getByRole('button', { name: 'Disconnect' }));
    await waitFor(() => expect(view()).toHaveAttribute('data-status', 'disconnected'));
    expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument();

    dialog = await chooseAction(user, 'Archive');
    expect(dialog).toHaveTextContent(/releases its outbound activity streams/);
    await user.click(within(dialog).getByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(view()).toHaveAttribute('data-status', 'archived'));

    dialog = await chooseAction(user, 'Delete');
    const confirm = within(dialog).getByRole('button', { name: 'Delete' });
    const input = within(dialog).getByRole('textbox', { name: 'Type the name to confirm' });
    expect(confirm).toBeDisabled();
    await user.type(input, 'orders to segment');
    expect(confirm).toBeDisabled();
    await user.clear(input);
    await user.type(input, 'Orders to Segment');
    expect(confirm).toBeEnabled();
    await user.click(confirm);

    expect(await screen.findByText('Orders to Segment was deleted.')).toBeInTheDocument();
    expect(onDeleted).toHaveBeenCalledWith(expect.objectContaining({ id: 'wh_orders' }));
    await expect(stored(backend, 'wh_orders')).rejects.toMatchObject({ code: 'not_found' });
    expect(
      backend.requests.map((r) => r.route).filter((r) => r?.startsWith('POST') || r?.startsWith('DELETE')),
    ).toEqual(['POST /webhooks/:id/disconnect', 'POST /webhooks/:id/archive', 'DELETE /webhooks/:id']);
  });

  it('cancelling a dialog changes nothing', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" />);
    const dialog = await chooseAction(user, 'Disconnect');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(view()).toHaveAttribute('data-status', 'active');
    expect(backend.requestsTo('POST /webhooks/:id/disconnect')).toHaveLength(0);
  });

  it('shows a refused transition inline and keeps the dialog open', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_survey" />);
    const dialog = await chooseAction(user, 'Archive');
    // Someone else reconnects it meanwhile: the server refuses to archive an active webhook.
    await backend.service.reconnect(backend.accountId, 'wh_survey');
    await user.click(within(dialog).getByRole('button', { name: 'Archive' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'Only a disconnected webhook can be archived; this one is active.',
    );
    expect(within(dialog).getByRole('button', { name: 'Archive' })).toBeEnabled();
  });

  it('shows the reason of a webhook that needs attention and resumes it', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_email" />);
    expect(await screen.findByText(/Exceed payload limit/)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(view()).toHaveAttribute('data-health', 'healthy'));
    expect(backend.requestsTo('POST /webhooks/:id/resume')).toHaveLength(1);
  });
});

describe('DataSourceView settings', () => {
  it('sends only the changed settings, keeps a blank write key unchanged and maps server errors to fields', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" defaultTab="settings" />);
    const eventName = await screen.findByLabelText('Track event name');
    await user.clear(eventName);
    await user.type(eventName, 'Order completed');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Settings saved.')).toBeInTheDocument();
    expect(backend.requestsTo('PATCH /webhooks/:id').map((r) => r.body)).toEqual([
      { trackEventName: 'Order completed' },
    ]);

    backend.fail('PATCH /webhooks/:id', {
      code: 'validation_error',
      detail: 'The request is invalid.',
      errors: [{ path: ['writeKey'], message: 'This write key was revoked' }],
    });
    await user.type(screen.getByLabelText('Write key'), 'wk_new_key_1234');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('This write key was revoked')).toBeInTheDocument();
    expect(screen.getByLabelText('Write key')).toHaveAttribute('aria-invalid', 'true');
    expect(backend.requestsTo('PATCH /webhooks/:id').at(-1)?.body).toEqual({ writeKey: 'wk_new_key_1234' });
  });

  it('validates with the contract before sending', async () => {
    const { backend, user } = await setup(<DataSourceView webhookId="wh_orders" defaultTab="settings" />);
    await user.clear(await screen.findByLabelText('Track event name'));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    expect(await screen.findByText('Enter a track event name')).toBeInTheDocument();
    expect(backend.requestsTo('PATCH /webhooks/:id')).toHaveLength(0);
  });
});
