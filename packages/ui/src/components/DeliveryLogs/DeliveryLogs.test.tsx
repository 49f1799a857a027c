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
import { toLocalInput } from './time-range';

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

  it('searches one box by event id, message id or person id, applied on Enter, and clears it', async () => {
    const { backend, user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} />);
    await list();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const total = rows().length;
    const first = rows()[0]!;
    const personId = first.querySelector('.swk-logs__person')!.textContent!;
    const eventId = first.querySelector('.swk-logs__event')!.textContent!;
    const box = screen.getByRole('searchbox', { name: 'Search by event ID, message ID or person ID' });

    // Typing alone does not search (an exact match of a partial id would show nothing).
    const before = backend.requestsTo('GET /webhooks/:id/deliveries').length;
    await user.type(box, eventId);
    expect(backend.requestsTo('GET /webhooks/:id/deliveries')).toHaveLength(before);
    await user.keyboard('{Enter}');
    await waitFor(() => expect(rows()).toHaveLength(1));
    expect(rows()[0]).toHaveTextContent(eventId);
    expect(backend.requestsTo('GET /webhooks/:id/deliveries').at(-1)!.query.q).toBe(eventId);

    await user.clear(box);
    await user.type(box, `  ${personId} `);
    await user.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => {
      expect(rows().length).toBeGreaterThan(0);
      for (const row of rows()) expect(row.querySelector('.swk-logs__person')).toHaveTextContent(personId);
    });

    await user.click(screen.getByRole('button', { name: 'Clear search' }));
    expect(box).toHaveValue('');
    await waitFor(() => expect(rows()).toHaveLength(total));
  });

  it('filters by a time range preset and by a custom range; a backwards custom range is refused inline', async () => {
    const { backend, user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} />);
    await list();
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    const lastQuery = () => backend.requestsTo('GET /webhooks/:id/deliveries').at(-1)!.query;

    await user.selectOptions(screen.getByLabelText('Time range'), 'Last hour');
    await waitFor(() => expect(lastQuery().from).toBe(new Date(SAMPLE_NOW - 3_600_000).toISOString()));
    expect(lastQuery().to).toBeUndefined();
    await waitFor(() => {
      for (const row of rows()) {
        const time = row.querySelector('time')!.getAttribute('datetime')!;
        expect(Date.parse(time)).toBeGreaterThanOrEqual(SAMPLE_NOW - 3_600_000);
      }
    });

    await user.selectOptions(screen.getByLabelText('Time range'), 'Custom');
    const from = screen.getByLabelText('From');
    const to = screen.getByLabelText('To');
    // Custom starts from the range shown.
    expect(from).toHaveValue(toLocalInput(new Date(SAMPLE_NOW - 3_600_000).toISOString()));
    const requests = backend.requestsTo('GET /webhooks/:id/deliveries').length;
    fireEvent.change(to, { target: { value: toLocalInput(new Date(SAMPLE_NOW - 2 * 3_600_000).toISOString()) } });
    expect(await screen.findByRole('alert')).toHaveTextContent('From must be before To.');
    expect(to).toHaveAttribute('aria-invalid', 'true');
    expect(backend.requestsTo('GET /webhooks/:id/deliveries')).toHaveLength(requests);
    fireEvent.change(from, { target: { value: toLocalInput(new Date(SAMPLE_NOW - 6 * 3_600_000).toISOString()) } });
    await waitFor(() => expect(lastQuery().to).toBe(new Date(SAMPLE_NOW - 2 * 3_600_000).toISOString()));
    expect(lastQuery().from).toBe(new Date(SAMPLE_NOW - 6 * 3_600_000).toISOString());
    expect(screen.queryByText('From must be before To.')).not.toBeInTheDocument();
  });

  it('names the filters when nothing matches and offers to clear them', async () => {
    const { user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} defaultRange="24h" />);
    await list();
    await user.type(
      screen.getByRole('searchbox', { name: 'Search by event ID, message ID or person ID' }),
      'nobody{Enter}',
    );
    expect(
      await screen.findByText('No deliveries match the search “nobody”, the time range Last 24 hours.', {
        exact: false,
      }),
    ).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    await waitFor(() => expect(rows().length).toBeGreaterThan(0));
    expect(screen.getByLabelText('Time range')).toHaveValue('all');
    expect(screen.getByRole('searchbox', { name: 'Search by event ID, message ID or person ID' })).toHaveValue('');
  });

  it('exports the filtered deliveries from the Export menu through the client', async () => {
    const { backend, user } = await setup(
      <DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} defaultStatus="failed" />,
    );
    await list();
    const saved: string[] = [];
    const createObjectURL = URL.createObjectURL;
    const revokeObjectURL = URL.revokeObjectURL;
    URL.createObjectURL = () => 'blob:export';
    URL.revokeObjectURL = () => {};
    const click = HTMLAnchorElement.prototype.click;
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      saved.push(`${this.download} ${this.href}`);
    };
    try {
      await user.click(screen.getByRole('button', { name: 'Export' }));
      await user.click(await screen.findByRole('menuitem', { name: 'Export CSV' }));
      await waitFor(() => expect(saved).toHaveLength(1));
      expect(saved[0]).toMatch(/^segment-deliveries-.+\.csv blob:export$/);
      const request = backend.requestsTo('GET /webhooks/:id/deliveries/export').at(-1)!;
      expect(request.query).toEqual({ format: 'csv', status: 'failed' });
      expect(await screen.findByText(/Downloaded segment-deliveries-.+\.csv\./)).toBeInTheDocument();

      backend.fail('GET /webhooks/:id/deliveries/export', { code: 'internal_error' });
      await user.click(screen.getByRole('button', { name: 'Export' }));
      await user.click(await screen.findByRole('menuitem', { name: 'Export NDJSON' }));
      expect(await screen.findByRole('alert')).toHaveTextContent('The export could not be downloaded.');
      expect(saved).toHaveLength(1);
    } finally {
      URL.createObjectURL = createObjectURL;
      URL.revokeObjectURL = revokeObjectURL;
      HTMLAnchorElement.prototype.click = click;
    }
  });

  it('replays a time range after explaining Segment’s duplicate window, and refreshes the list', async () => {
    const { backend, user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} defaultRange="7d" />);
    await list();
    await user.click(screen.getByRole('button', { name: 'Replay…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Replay deliveries' });
    expect(dialog).toHaveTextContent('Segment silently drops a message id it has seen in the last 24 hours.');
    // The dialog opens on the range of the logs (7 days up to now, rounded up to the minute).
    expect(within(dialog).getByLabelText('From')).toHaveValue(
      toLocalInput(new Date(SAMPLE_NOW - 7 * 86_400_000).toISOString()),
    );
    expect(within(dialog).getByLabelText('To')).toHaveValue(toLocalInput(new Date(SAMPLE_NOW).toISOString()));
    expect(within(dialog).getByRole('checkbox', { name: 'Failed' })).toBeChecked();
    expect(within(dialog).getByRole('checkbox', { name: 'Delivered' })).not.toBeChecked();

    // Bad input: nothing is sent.
    await user.click(within(dialog).getByRole('checkbox', { name: 'Failed' }));
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }));
    expect(within(dialog).getByText('Choose at least one status.')).toBeInTheDocument();
    await user.click(within(dialog).getByRole('checkbox', { name: 'Failed' }));
    fireEvent.change(within(dialog).getByLabelText('To'), {
      target: { value: toLocalInput(new Date(SAMPLE_NOW - 8 * 86_400_000).toISOString()) },
    });
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }));
    expect(within(dialog).getByText('From must be before To.')).toBeInTheDocument();
    expect(within(dialog).getByLabelText('To')).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getByLabelText('To')).toHaveAccessibleDescription('From must be before To.');
    expect(backend.requestsTo('POST /webhooks/:id/replay')).toHaveLength(0);

    fireEvent.change(within(dialog).getByLabelText('To'), {
      target: { value: toLocalInput(new Date(SAMPLE_NOW).toISOString()) },
    });
    const lists = backend.requestsTo('GET /webhooks/:id/deliveries').length;
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }));
    expect(
      await within(dialog).findByText(
        /^Queued \d+ deliveries; \d+ of them within Segment’s 24-hour duplicate window\.$/,
      ),
    ).toBeInTheDocument();
    const [replay] = backend.requestsTo('POST /webhooks/:id/replay');
    expect(replay!.body).toEqual({
      from: new Date(SAMPLE_NOW - 7 * 86_400_000).toISOString(),
      to: new Date(SAMPLE_NOW).toISOString(),
      statuses: ['failed'],
    });
    await waitFor(() => expect(backend.requestsTo('GET /webhooks/:id/deliveries').length).toBeGreaterThan(lists));
  });

  it('shows the server’s error when a replay fails', async () => {
    const { user } = await setup(<DeliveryLogs webhookId="wh_orders" now={SAMPLE_NOW} />, {
      setup: (backend) => backend.fail('POST /webhooks/:id/replay', { code: 'internal_error' }),
    });
    await list();
    await user.click(screen.getByRole('button', { name: 'Replay…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Replay deliveries' });
    await user.click(within(dialog).getByRole('button', { name: 'Replay' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('The deliveries could not be replayed.');
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
    // Each attempt names the settings version it was sent with.
    expect(within(detail).getAllByText(/^Settings version \d+$/).length).toBeGreaterThanOrEqual(3);

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

  it('puts a new delivery on top only when it matches the search and the time range', () => {
    const start = data([[base('a')]]);
    const ids = (filters: Parameters<typeof applyDeliveryChange>[2], delivery = base('n')) =>
      applyDeliveryChange(start, { webhookId: 'wh', delivery }, filters)?.pages[0]?.items.map((d) => d.id);
    expect(ids({ q: 'evt_n' })).toEqual(['n', 'a']);
    expect(ids({ q: 'wh:evt_n' })).toEqual(['n', 'a']);
    expect(ids({ q: 'evt_other' })).toEqual(['a']);
    // A relative preset has no end: what arrives later still matches.
    expect(ids({ from: '2026-11-27T09:00:00.000Z' })).toEqual(['n', 'a']);
    expect(ids({ from: '2026-11-27T09:00:00.000Z', to: '2026-11-27T10:00:00.000Z' })).toEqual(['a']);
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
