import { backoffDelay, type DeliveryPage, type DeliverySummary } from '@segment-webhook/core/contract';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { describe, expect, it } from 'vitest';
import { segmentWebhookKeys } from '../../api/queries';
import { defaultMessages } from '../../messages';
import { SegmentWebhookProvider } from '../../provider';
import { createKitBackend, type KitBackendParameters, LONG_HISTORY, SAMPLE_NOW } from '../../test/backend';
import { createTestQueryClient } from '../../test/query-client';
import { isOutsideDeduplicationWindow } from './DeliveryDetailPanel';
import { DELIVERY_ROW_HEIGHT, deliveryStatusLabel } from './DeliveryList';
import { applyDeliveryChange, DeliveryLogs, liveRetryDelay } from './DeliveryLogs';

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

const list = () => screen.findByRole('listbox', { name: 'Deliveries' });
const rows = () => within(screen.getByRole('listbox', { name: 'Deliveries' })).queryAllByRole('option');

describe('DeliveryLogs', () => {
  it('renders only a window of rows and pages over the cursor', async () => {
    const { backend } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} pageSize={50} />, {
      orders: LONG_HISTORY,
    });
    await list();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(rows().length).toBeLessThanOrEqual(30);
    expect(rows()[0]).toHaveAttribute('aria-posinset', '1');
    expect(rows()[0]).toHaveAttribute('aria-setsize', '-1');
    // Scrolling to the end of the loaded rows asks for the next page.
    const listbox = screen.getByRole('listbox', { name: 'Deliveries' });
    const pagesBefore = backend.requestsTo('GET /webhooks/:id/deliveries').length;
    listbox.scrollTop = 45 * DELIVERY_ROW_HEIGHT;
    fireEvent.scroll(listbox);
    await waitFor(() => expect(backend.requestsTo('GET /webhooks/:id/deliveries').length).toBeGreaterThan(pagesBefore));
    expect(rows().length).toBeLessThanOrEqual(40);
  });

  it('filters by status', async () => {
    const { user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} />);
    await list();
    await user.selectOptions(screen.getByLabelText('Status'), 'failed');
    await waitFor(() => {
      expect(rows().length).toBeGreaterThan(0);
      for (const row of rows()) expect(row).toHaveAttribute('data-status', 'failed');
    });
  });

  it('searches by person id and by event id', async () => {
    const { user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} searchDelayMs={0} />);
    await list();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const first = rows()[0]!;
    const personId = first.querySelector('.swk-logs__person')!.textContent!;
    const eventId = first.querySelector('.swk-logs__event')!.textContent!;

    await user.type(screen.getByRole('searchbox', { name: 'Person id' }), personId);
    await waitFor(() => {
      for (const row of rows()) expect(row.querySelector('.swk-logs__person')).toHaveTextContent(personId);
    });

    await user.selectOptions(screen.getByLabelText('Search by'), 'eventId');
    const search = screen.getByRole('searchbox', { name: 'Event id' });
    await user.clear(search);
    await user.type(search, eventId);
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveTextContent(eventId);
  });

  it('says when nothing matches the filters', async () => {
    const { user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} searchDelayMs={0} />);
    await list();
    await user.type(screen.getByRole('searchbox', { name: 'Person id' }), 'nobody');
    expect(await screen.findByText('No deliveries match these filters.')).toBeInTheDocument();
  });

  it('opens a failed delivery with its attempts and payload, and retries it', async () => {
    const { backend, user } = await setup(
      <DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} defaultStatus="failed" />,
    );
    await list();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    await user.click(rows()[0]!);
    const detail = await screen.findByRole('region', { name: /^Delivery evt_/ });
    expect(await within(detail).findByRole('region', { name: 'Segment payload' })).toHaveTextContent('"type": "track"');
    expect(within(detail).getByRole('heading', { name: /Attempts \(\d+\)/ })).toBeInTheDocument();
    expect(within(detail).getAllByRole('listitem').length).toBeGreaterThanOrEqual(3);

    await user.click(within(detail).getByRole('button', { name: 'Retry' }));
    expect(await within(detail).findByText('Scheduled again with the same message id.')).toBeInTheDocument();
    expect(within(detail).queryByRole('button', { name: 'Retry' })).not.toBeInTheDocument();
    expect(backend.requestsTo('POST /webhooks/:id/deliveries/:deliveryId/retry')).toHaveLength(1);
  });

  it('opens a row from the keyboard', async () => {
    const { user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} />);
    const listbox = await list();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    listbox.focus();
    await user.keyboard('{ArrowDown}{Enter}');
    expect(rows()[1]).toHaveAttribute('aria-selected', 'true');
    expect(listbox).toHaveAttribute('aria-activedescendant', rows()[1]!.id);
    expect(await screen.findByRole('region', { name: /^Delivery evt_/ })).toBeInTheDocument();
  });

  it('shows held deliveries with their reason', async () => {
    await setup(<DeliveryLogs webhookId="wh_survey" now={SAMPLE_NOW} defaultStatus="pending" />);
    await list();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(rows()[0]).toHaveAttribute('data-held', 'disconnected');
    expect(rows()[0]).toHaveTextContent('Held');
    expect(rows()[0]).toHaveTextContent('Held: webhook disconnected');
  });

  it('warns before retrying all failed deliveries older than the de-duplication window', async () => {
    // The sample's three days of deliveries include failed ones older than 24 hours.
    const { backend, user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} />);
    await list();
    await user.click(screen.getByRole('button', { name: 'Retry all failed' }));
    const dialog = await screen.findByRole('alertdialog', { name: 'Retry all failed deliveries?' });
    expect(await within(dialog).findByText(/older than Segment’s 24-hour de-duplication window/)).toBeInTheDocument();
    await user.click(within(dialog).getByRole('button', { name: 'Retry all failed' }));
    expect(await screen.findByText(/failed deliveries scheduled again/)).toBeInTheDocument();
    expect(backend.requestsTo('POST /webhooks/:id/deliveries/retry-failed')).toHaveLength(1);
  });

  it('does not warn when every failed delivery is recent', async () => {
    const { user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} />, {
      orders: { events: 48, days: 1 },
    });
    await list();
    await user.click(screen.getByRole('button', { name: 'Retry all failed' }));
    const dialog = await screen.findByRole('alertdialog');
    await waitFor(() => expect(document.querySelector('[data-stale]')).toBeNull());
    expect(within(dialog).queryByText(/de-duplication window/)).not.toBeInTheDocument();
  });
});

describe('DeliveryLogs live tail', () => {
  it('keeps a change that arrives while the list is being fetched, even when the page read it earlier', async () => {
    const backend = await createKitBackend();
    const queryClient = createTestQueryClient();
    // Holds the answers of list requests (not the live stream) until released, like a slow server that
    // read the rows before a change and answers after the change reached the live feed.
    let release: (() => void) | null = null;
    let gate: Promise<void> | null = null;
    let answered: (() => void) | null = null;
    const fetchWithGate = async (input: RequestInfo | URL, init?: RequestInit) => {
      const response = await backend.fetch(input, init);
      const url = input instanceof Request ? input.url : String(input);
      if (gate && /\/deliveries(\?|$)/.test(url)) {
        answered?.();
        await gate;
      }
      return response;
    };
    render(
      <SegmentWebhookProvider baseUrl="/api/segment-webhooks" fetch={fetchWithGate} queryClient={queryClient}>
        <DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} defaultLive />
      </SegmentWebhookProvider>,
    );
    await screen.findByText('Live: new deliveries appear as they happen.');
    // A new event: its delivery is queued, and the live feed puts it on top, pending.
    backend.clock.advance(60_000);
    await backend.ingest({
      id: 'evt_race',
      activityId: 'order-placed',
      occurredAt: new Date(backend.clock.now()).toISOString(),
      person: { id: 'person_race' },
    });
    const row = async () =>
      within(await list())
        .getAllByRole('option')
        .find((option) => option.textContent?.includes('evt_race'));
    await waitFor(async () => expect(await row()).toHaveAttribute('data-status', 'pending'));

    // A refetch reads the delivery while it is pending (the server has answered); its answer is held back.
    const read = new Promise<void>((resolve) => {
      answered = resolve;
    });
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const refetch = queryClient.refetchQueries({ queryKey: segmentWebhookKeys.deliveries('wh_orders') });
    await read;
    // Meanwhile the worker delivers it (at the same millisecond: only its attempts tell the versions apart)
    // and the live feed reports it delivered.
    expect(await backend.deliver()).toBeGreaterThan(0);
    await waitFor(async () => expect(await row()).toHaveAttribute('data-status', 'delivered'));
    // The held answer (pending) lands: the row stays delivered.
    release!();
    await refetch;
    expect(await row()).toHaveAttribute('data-status', 'delivered');
  });
});

describe('isOutsideDeduplicationWindow', () => {
  it('is true only past 24 hours', () => {
    const now = Date.parse('2026-11-27T12:00:00.000Z');
    expect(isOutsideDeduplicationWindow('2026-11-26T12:00:00.000Z', now)).toBe(false);
    expect(isOutsideDeduplicationWindow('2026-11-26T11:59:59.000Z', now)).toBe(true);
    expect(isOutsideDeduplicationWindow('not a date', now)).toBe(false);
  });
});

describe('applyDeliveryChange', () => {
  const base = (id: string, status: DeliverySummary['status'] = 'pending'): DeliverySummary => ({
    id,
    webhookId: 'wh',
    eventId: `evt_${id}`,
    personId: 'p1',
    activityId: null,
    source: 'activity',
    status,
    heldReason: null,
    messageId: `wh:evt_${id}`,
    attemptCount: 0,
    occurredAt: '2026-11-27T10:00:00.000Z',
    createdAt: '2026-11-27T10:00:00.000Z',
    updatedAt: '2026-11-27T10:00:00.000Z',
    nextAttemptAt: null,
    deliveredAt: null,
    lastError: null,
    lastHttpStatus: null,
  });
  const data = (pages: DeliverySummary[][]) => ({
    pages: pages.map((items): DeliveryPage => ({ items, nextCursor: null })),
    pageParams: pages.map(() => null),
  });

  it('replaces a loaded delivery in place', () => {
    const next = applyDeliveryChange(
      data([[base('a'), base('b')]]),
      { webhookId: 'wh', delivery: base('b', 'delivered') },
      {},
    );
    expect(next?.pages[0]?.items.map((d) => `${d.id}:${d.status}`)).toEqual(['a:pending', 'b:delivered']);
  });

  it('ignores a change older than the loaded version of the delivery', () => {
    const loaded = { ...base('b', 'delivered'), attemptCount: 1, updatedAt: '2026-11-27T10:00:01.000Z' };
    const next = applyDeliveryChange(data([[base('a'), loaded]]), { webhookId: 'wh', delivery: base('b') }, {});
    expect(next?.pages[0]?.items.map((d) => `${d.id}:${d.status}`)).toEqual(['a:pending', 'b:delivered']);
    // Same time: the one with more attempts is the later one.
    const tied = { ...base('b', 'retrying'), attemptCount: 1 };
    expect(
      applyDeliveryChange(data([[tied]]), { webhookId: 'wh', delivery: base('b') }, {})?.pages[0]?.items[0]?.status,
    ).toBe('retrying');
  });

  it('puts a new matching delivery on top and ignores one outside the filters', () => {
    const start = data([[base('a', 'failed')]]);
    expect(
      applyDeliveryChange(
        start,
        { webhookId: 'wh', delivery: base('n', 'failed') },
        { status: 'failed' },
      )?.pages[0]?.items.map((d) => d.id),
    ).toEqual(['n', 'a']);
    expect(
      applyDeliveryChange(
        start,
        { webhookId: 'wh', delivery: base('n', 'delivered') },
        { status: 'failed' },
      )?.pages[0]?.items.map((d) => d.id),
    ).toEqual(['a']);
  });

  it('drops a loaded delivery that no longer matches the filters', () => {
    const next = applyDeliveryChange(
      data([[base('a', 'failed')], [base('b', 'failed')]]),
      { webhookId: 'wh', delivery: base('b', 'pending') },
      { status: 'failed' },
    );
    expect(next?.pages.map((page) => page.items.map((d) => d.id))).toEqual([['a'], []]);
  });
});

describe('liveRetryDelay', () => {
  it('is core’s backoff: doubles per failure in a row, drawn between 1× and 2×, up to the cap', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => liveRetryDelay(n, 1_000, 30_000, low))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => liveRetryDelay(n, 1_000, 30_000, high))).toEqual([
      2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    for (const failures of [1, 3, 9]) {
      expect(liveRetryDelay(failures, 700, 20_000, () => 0.3)).toBe(
        backoffDelay({ baseDelayMs: 700, factor: 2, maxDelayMs: 20_000 }, failures - 1, () => 0.3),
      );
    }
    // A long outage stays at the cap (no overflow).
    expect(liveRetryDelay(10_000, 1_000, 30_000, high)).toBe(30_000);
  });
});

describe('deliveryStatusLabel', () => {
  it('says Held for every delivery the server holds: retrying ones too (core’s isHeld)', () => {
    expect(deliveryStatusLabel({ status: 'retrying', heldReason: 'disconnected' }, defaultMessages)).toBe('Held');
    expect(deliveryStatusLabel({ status: 'pending', heldReason: 'needs_attention' }, defaultMessages)).toBe('Held');
    expect(deliveryStatusLabel({ status: 'retrying', heldReason: null }, defaultMessages)).toBe('Retrying');
  });
});
