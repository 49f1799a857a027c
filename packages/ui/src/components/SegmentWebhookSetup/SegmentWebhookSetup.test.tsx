import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderWithKit } from '../../test/render';
import { formPathOf, SegmentWebhookSetup } from './SegmentWebhookSetup';

type User = Awaited<ReturnType<typeof renderWithKit>>['user'];

async function fill(user: User, { name = 'Orders', event = 'Order placed', key = 'wk_123456' } = {}) {
  if (name) await user.type(screen.getByLabelText('Webhook name'), name);
  if (event) await user.type(screen.getByLabelText('Track event name'), event);
  if (key) await user.type(screen.getByLabelText('Write key'), key);
}

const testPanel = () => screen.getByRole('region', { name: 'Test result', hidden: true });

describe('SegmentWebhookSetup', () => {
  it('has exactly the labelled controls of the setup page', async () => {
    await renderWithKit(<SegmentWebhookSetup />);
    expect(screen.getByRole('textbox', { name: 'Webhook name' })).toBeInTheDocument();
    expect(screen.getByRole('textbox', { name: 'Track event name' })).toBeInTheDocument();
    expect(screen.getByLabelText('Write key')).toHaveAttribute('type', 'password');
    expect(screen.getByRole('checkbox', { name: 'Send activity payload' })).toBeChecked();
    const region = screen.getByRole('group', { name: 'Data ingestion region' });
    expect(within(region).getByRole('radio', { name: 'US' })).toBeChecked();
    expect(within(region).getByRole('radio', { name: 'EU' })).not.toBeChecked();
    expect(screen.getByRole('group', { name: 'Fields' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Test' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Create' })).toHaveAttribute('type', 'submit');
  });

  it("names the host's product from the provider, and no other product by default", async () => {
    const { unmount } = await renderWithKit(<SegmentWebhookSetup />);
    expect(screen.getByText(/^Send activity events to Segment as track events\./)).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(/Ortto/);
    unmount();
    await renderWithKit(<SegmentWebhookSetup />, { productName: 'Relay' });
    expect(screen.getByText(/^Send Relay activity events to Segment as track events\./)).toBeInTheDocument();
  });

  it('shows and hides the write key', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />);
    const toggle = screen.getByRole('button', { name: 'Show write key' });
    expect(toggle).toHaveAttribute('aria-pressed', 'false');
    await user.click(toggle);
    expect(screen.getByLabelText('Write key')).toHaveAttribute('type', 'text');
    expect(screen.getByRole('button', { name: 'Hide write key' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('validates with the contract schema, beside each field, and sends nothing', async () => {
    const { user, backend } = await renderWithKit(<SegmentWebhookSetup />);
    await user.type(screen.getByLabelText('Write key'), 'has a space');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    const name = screen.getByLabelText('Webhook name');
    await waitFor(() => expect(name).toHaveAttribute('aria-invalid', 'true'));
    expect(name).toHaveAccessibleDescription(/Enter a webhook name/);
    expect(screen.getByLabelText('Track event name')).toHaveAccessibleDescription(/Enter a track event name/);
    expect(screen.getByLabelText('Write key')).toHaveAccessibleDescription(/no spaces, colons or special characters/);
    expect(name).toHaveFocus();
    // Only reads (the field catalog, the recent activity events for Test with).
    expect(backend.requests.filter((request) => request.method !== 'GET')).toHaveLength(0);
  });

  it('clears a Test validation error while the user types, before the field loses focus', async () => {
    const { user, backend } = await renderWithKit(<SegmentWebhookSetup />);
    await user.type(screen.getByLabelText('Track event name'), 'Order placed');
    await user.click(screen.getByRole('button', { name: 'Test' }));
    const key = screen.getByLabelText('Write key');
    await waitFor(() => expect(key).toHaveAttribute('aria-invalid', 'true'));
    expect(key).toHaveFocus();
    await user.type(key, 'wk_123456');
    // Still focused: the error must already be gone, so the Test button does not move under the pointer.
    expect(key).toHaveFocus();
    await waitFor(() => expect(key).not.toHaveAttribute('aria-invalid', 'true'));
    expect(backend.requestsTo('POST /webhooks/test')).toHaveLength(0);
  });

  it('Test needs no name and sends the unsaved configuration', async () => {
    const { user, backend } = await renderWithKit(<SegmentWebhookSetup />);
    await fill(user, { name: '' });
    await user.click(screen.getByRole('radio', { name: 'EU' }));
    await user.click(screen.getByRole('checkbox', { name: 'Send activity payload' }));
    await user.click(screen.getByRole('button', { name: 'Test' }));
    expect(await within(testPanel()).findByText('Segment accepted the test event')).toBeInTheDocument();
    expect(backend.requestsTo('POST /webhooks/test')[0]?.body).toEqual({
      trackEventName: 'Order placed',
      writeKey: 'wk_123456',
      region: 'eu',
      sendActivityPayload: false,
      fields: [],
    });
    expect(backend.requestsTo('POST /webhooks')).toHaveLength(0);
  });

  it('shows an ok test: status, latency, payload, response and the debugger caveat', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />);
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Test' }));
    const panel = testPanel();
    await within(panel).findByText('Segment accepted the test event');
    expect(panel).toHaveAttribute('data-status', 'ok');
    expect(within(panel).getByTestId('test-http-status')).toHaveTextContent('200');
    // The latency the server measured for the call to the Segment stand-in.
    expect(within(panel).getByText(/^\d+ ms$/)).toBeInTheDocument();
    expect(within(panel).getByRole('region', { name: 'Payload sent' })).toHaveTextContent('"event": "Order placed"');
    expect(within(panel).getByRole('region', { name: 'Response' })).toHaveTextContent('{"success":true}');
    expect(
      within(panel).getByText(/Segment answers 200 even for an unknown write key or the wrong region/),
    ).toBeVisible();
    expect(within(panel).getByRole('link', { name: /source debugger/ })).toHaveAttribute('target', '_blank');
  });

  it('shows a Segment error', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />, {
      backend: { setup: (backend) => backend.sink.failNext(1, 400, 'Exceed payload limit') },
    });
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Test' }));
    const panel = testPanel();
    await within(panel).findByText('Segment refused the test event');
    expect(panel).toHaveAttribute('data-status', 'segment_error');
    expect(within(panel).getByTestId('test-http-status')).toHaveTextContent('400');
    expect(within(panel).getByText('Segment refused the message: HTTP 400 Exceed payload limit')).toBeInTheDocument();
    expect(within(panel).getByRole('region', { name: 'Response' })).toHaveTextContent('Exceed payload limit');
    expect(within(panel).queryByText(/Segment answers 200/)).not.toBeInTheDocument();
  });

  it('shows a network error between the server and Segment', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />, {
      backend: { setup: (backend) => backend.sink.dropNext(1) },
    });
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Test' }));
    const panel = testPanel();
    await within(panel).findByText('Segment could not be reached');
    expect(panel).toHaveAttribute('data-status', 'network_error');
    expect(within(panel).getByTestId('test-http-status')).toHaveTextContent('No response');
    expect(within(panel).getByText(/^Network error: .*dropped the connection/)).toBeInTheDocument();
  });

  it('says so when the test request itself cannot reach the server', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />, {
      backend: { setup: (backend) => backend.fail('POST /webhooks/test', 'network') },
    });
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Test' }));
    expect(await within(testPanel()).findByRole('alert')).toHaveTextContent(/Could not reach the server/);
    expect(testPanel()).toHaveAttribute('data-status', 'error');
  });

  it('creates the webhook and calls onCreated', async () => {
    const onCreated = vi.fn();
    const { user, backend } = await renderWithKit(<SegmentWebhookSetup onCreated={onCreated} />);
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(onCreated).toHaveBeenCalledTimes(1));
    expect(onCreated.mock.calls[0]![0]).toMatchObject({ name: 'Orders', trackEventName: 'Order placed' });
    const created = (await backend.service.listWebhooks(backend.accountId)).at(-1);
    expect(created).toMatchObject({ id: onCreated.mock.calls[0]![0].id, name: 'Orders', status: 'active' });
  });

  it('disables Create while submitting', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />, {
      backend: { setup: (backend) => backend.hang('POST /webhooks') },
    });
    await fill(user);
    const create = screen.getByRole('button', { name: 'Create' });
    await user.click(create);
    await waitFor(() => expect(create).toBeDisabled());
  });

  it('maps server validation errors back onto the fields, including a field row', async () => {
    const onCreated = vi.fn();
    const { user } = await renderWithKit(
      <SegmentWebhookSetup
        onCreated={onCreated}
        defaultValues={{ fields: [{ key: 'plan', from: 'person.company' }] }}
      />,
      {
        backend: {
          setup: (backend) =>
            backend.fail('POST /webhooks', {
              code: 'validation_error',
              errors: [
                { path: ['trackEventName'], message: 'Reserved by Segment' },
                { path: ['fields', 0, 'key'], message: 'Not allowed here' },
                { path: ['somethingElse'], message: 'Unplaceable problem' },
              ],
            }),
        },
      },
    );
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() =>
      expect(screen.getByLabelText('Track event name')).toHaveAccessibleDescription(/Reserved by Segment/),
    );
    expect(screen.getByLabelText('Track event name')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Property name')).toHaveAccessibleDescription('Not allowed here');
    expect(screen.getByRole('alert')).toHaveTextContent('Unplaceable problem');
    expect(onCreated).not.toHaveBeenCalled();
  });

  it('shows other server errors in an alert', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />, {
      backend: {
        setup: (backend) =>
          backend.fail('POST /webhooks', { code: 'unauthorized', detail: 'Your session has expired.' }),
      },
    });
    await fill(user);
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The webhook could not be created. Your session has expired.',
    );
  });

  it('updates the payload preview as the form changes', async () => {
    const { user } = await renderWithKit(<SegmentWebhookSetup />);
    const preview = screen.getByRole('region', { name: 'Track event JSON' });
    expect(preview).toHaveTextContent('"title": "Sample activity"');
    await user.type(screen.getByLabelText('Track event name'), 'Email sent');
    expect(preview).toHaveTextContent('"event": "Email sent"');
    await user.click(screen.getByRole('checkbox', { name: 'Send activity payload' }));
    expect(preview).not.toHaveTextContent('"title"');
    expect(screen.getByRole('meter', { name: 'Message size' })).toHaveAttribute('aria-valuemax', '32768');
  });
});

describe('formPathOf', () => {
  it('maps problem paths to form paths, and rejects unknown roots', () => {
    expect(formPathOf(['fields', 2, 'key'])).toBe('fields.2.key');
    expect(formPathOf(['writeKey'])).toBe('writeKey');
    expect(formPathOf(['cursor'])).toBeNull();
    expect(formPathOf([])).toBeNull();
  });
});
