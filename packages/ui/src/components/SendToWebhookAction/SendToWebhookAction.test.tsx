import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { renderWithKit } from '../../test/render';
import { SendToWebhookAction } from './SendToWebhookAction';

const event = {
  id: 'evt-1',
  occurredAt: '2026-11-27T10:00:00.000Z',
  person: { id: 'p-1', email: 'grace@example.com' },
  attributes: { total: 10 },
};

describe('SendToWebhookAction', () => {
  it('works uncontrolled and previews the message for the sample person', async () => {
    const onChange = vi.fn();
    const { user } = await renderWithKit(<SendToWebhookAction onChange={onChange} sampleEvent={event} />);
    await user.click(await screen.findByRole('combobox', { name: 'Segment webhook' }));
    await user.click(await screen.findByRole('option', { name: 'Orders to Segment' }));
    expect(onChange).toHaveBeenCalledWith('wh_orders');
    const code = screen.getByRole('region', { name: 'Track event JSON' });
    expect(code).toHaveTextContent('"userId": "p-1"');
    expect(code).toHaveTextContent('"email": "grace@example.com"');
    expect(code).toHaveTextContent('"messageId": "wh_orders:evt-1"');
  });

  it('offers only active webhooks, labelling the ones that need attention', async () => {
    const { user } = await renderWithKit(<SendToWebhookAction />);
    await user.click(await screen.findByRole('combobox', { name: 'Segment webhook' }));
    const options = await screen.findAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['Orders to Segment', 'Email engagement (Needs attention)']);
  });
});
