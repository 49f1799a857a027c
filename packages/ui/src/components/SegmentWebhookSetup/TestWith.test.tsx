import { screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWithKit } from '../../test/render';
import { DataSourceView } from '../DataSourceView/DataSourceView';
import { SegmentWebhookSetup } from './SegmentWebhookSetup';

type User = Awaited<ReturnType<typeof renderWithKit>>['user'];

async function fill(user: User) {
  await user.type(screen.getByLabelText('Webhook name'), 'Orders');
  await user.type(screen.getByLabelText('Track event name'), 'Order placed');
  await user.type(screen.getByLabelText('Write key'), 'wk_123456');
}

describe('Test with a recent activity event', () => {
  it('offers no choice when the host provides no recent events: Test sends the sample', async () => {
    const { user, backend } = await renderWithKit(<SegmentWebhookSetup />);
    await waitFor(() => expect(backend.requestsTo('GET /activities/recent-events')).toHaveLength(1));
    await fill(user);
    expect(screen.queryByRole('combobox', { name: 'Test with' })).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Test' }));
    await screen.findByText('Segment accepted the test event');
    expect(backend.requestsTo('POST /webhooks/test')[0]?.body).not.toHaveProperty('activityEventId');
  });

  it('hides the choice when the route is missing (an older server)', async () => {
    const rendered = await renderWithKit(<SegmentWebhookSetup />, {
      backend: {
        recentActivities: true,
        setup: (b) => b.fail('GET /activities/recent-events', { code: 'not_found' }),
      },
    });
    const { backend } = rendered;
    await waitFor(() => expect(backend.requestsTo('GET /activities/recent-events')).toHaveLength(1));
    // The failed request has been answered (no retry), and nothing is shown for it.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(backend.requestsTo('GET /activities/recent-events')).toHaveLength(1);
    expect(screen.queryByRole('combobox', { name: 'Test with' })).not.toBeInTheDocument();
  });

  it('sends the chosen event on the setup page, previews and shows the message it sends', async () => {
    const { user, backend } = await renderWithKit(<SegmentWebhookSetup />, { backend: { recentActivities: true } });
    const select = await screen.findByRole('combobox', { name: 'Test with' });
    expect(select).toHaveTextContent('Sample activity');
    expect(select).toHaveAccessibleDescription(/recent activity events instead of the sample/);
    await fill(user);
    await user.click(select);
    const options = await screen.findAllByRole('option');
    expect(options.map((option) => option.textContent)).toEqual([
      'Sample activity',
      expect.stringMatching(/^Order placed · person_0042 · /),
      expect.stringMatching(/^Email opened · person_0107 · /),
      expect.stringMatching(/^Order placed · person_0311 · /),
    ]);
    await user.click(options[3]!);
    const preview = screen.getByRole('region', { name: 'Payload preview' });
    await waitFor(() => expect(preview).toHaveTextContent('"userId": "person_0311"'));
    expect(preview).toHaveTextContent('The track event sent to Segment for the chosen activity event.');

    await user.click(screen.getByRole('button', { name: 'Test' }));
    const result = await screen.findByRole('region', { name: 'Test result' });
    await within(result).findByText('Segment accepted the test event');
    expect(backend.requestsTo('POST /webhooks/test')[0]?.body).toMatchObject({ activityEventId: 'evt_recent_3' });
    expect(result).toHaveTextContent('"userId": "person_0311"');
    expect(result).toHaveTextContent('"All": false');
  });

  it('sends the chosen event with Test again in Settings', async () => {
    const { user, backend } = await renderWithKit(<DataSourceView webhookId="wh_orders" defaultTab="settings" />, {
      backend: { recentActivities: true },
    });
    const select = await screen.findByRole('combobox', { name: 'Test with' });
    await user.click(select);
    await user.click(await screen.findByRole('option', { name: /^Email opened · person_0107/ }));
    await user.click(screen.getByRole('button', { name: 'Test again' }));
    await screen.findByText('Segment accepted the test event');
    expect(backend.requestsTo('POST /webhooks/:id/test').map((request) => request.body)).toEqual([
      { activityEventId: 'evt_recent_2' },
    ]);
    expect(document.querySelector('.swk-test-result')).toHaveTextContent('"userId": "person_0107"');

    await user.click(screen.getByRole('combobox', { name: 'Test with' }));
    await user.click(await screen.findByRole('option', { name: 'Sample activity' }));
    await user.click(screen.getByRole('button', { name: 'Test again' }));
    await waitFor(() => expect(backend.requestsTo('POST /webhooks/:id/test')).toHaveLength(2));
    expect(backend.requestsTo('POST /webhooks/:id/test')[1]?.body).toBeUndefined();
  });
});
