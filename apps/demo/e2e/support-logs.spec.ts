import { readFile } from 'node:fs/promises';
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { createRoutedWebhook } from './helpers';

/** A suffix that keeps ids unique when the tests run again against the same server. */
const run = Date.now().toString(36);
const SEARCH = 'Search by event ID, message ID or person ID';

interface Delivery {
  id: string;
  status: string;
  eventId: string;
  personId: string;
  messageId: string;
  attemptCount: number;
}

/** An account of its own, a webhook routed from Order placed, and helpers to send events and read deliveries. */
async function setup(request: APIRequestContext, page: Page, baseURL: string | undefined) {
  const account = `support_${run}`;
  const headers = { 'x-account-id': account };
  const webhookId = await createRoutedWebhook(request, headers, {
    name: `Support ${run}`,
    trackEventName: 'Order placed',
    writeKey: 'wk_e2e_support_13579',
  });
  const ingest = async (id: string, personId: string) => {
    const response = await request.post('/api/segment-webhooks/events', {
      headers,
      data: {
        id,
        activityId: 'order-placed',
        occurredAt: new Date().toISOString(),
        person: { id: personId, email: `${personId}@example.com` },
        attributes: { order_id: `ord_${id}`, total: 12, currency: 'USD' },
      },
    });
    expect(response.status()).toBe(202);
  };
  const deliveries = async () => {
    const response = await request.get(`/api/segment-webhooks/webhooks/${webhookId}/deliveries`, { headers });
    return ((await response.json()) as { items: Delivery[] }).items;
  };
  await page.context().addCookies([{ name: 'account', value: account, url: baseURL! }]);
  return { webhookId, ingest, deliveries };
}

test('Logs: find by id and time range, export CSV and NDJSON, replay a range, settings version per attempt', async ({
  page,
  request,
  baseURL,
}) => {
  const { webhookId, ingest, deliveries } = await setup(request, page, baseURL);

  // Segment refuses the first event (400: not retried, so it fails); the next two are delivered.
  expect((await request.post('/api/demo/debugger/misbehave', { data: { count: 1, status: 400 } })).status()).toBe(204);
  await ingest(`sup-fail-${run}`, `usr_fail_${run}`);
  await expect.poll(async () => (await deliveries()).map((d) => d.status)).toEqual(['failed']);
  await ingest(`sup-a-${run}`, `usr_a_${run}`);
  await ingest(`sup-b-${run}`, `usr_b_${run}`);
  await expect
    .poll(async () => (await deliveries()).map((d) => d.status).sort())
    .toEqual(['delivered', 'delivered', 'failed']);
  const failed = (await deliveries()).find((d) => d.status === 'failed')!;

  await page.goto(`/data-sources/segment-webhook/${webhookId}?tab=logs`);
  const rows = page.getByRole('listbox', { name: 'Deliveries' }).getByRole('option');
  await expect(rows).toHaveCount(3);

  // Find: one box, exact event id, message id or person id, applied on Enter; Clear search.
  const search = page.getByRole('searchbox', { name: SEARCH });
  await search.fill(`sup-a-${run}`);
  await search.press('Enter');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`sup-a-${run}`);
  await search.fill(failed.messageId);
  await search.press('Enter');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`sup-fail-${run}`);
  await page.getByRole('button', { name: 'Clear search' }).click();
  await expect(rows).toHaveCount(3);

  // Time range: the last hour has them all; a custom range in the past has none, and says so.
  const range = page.getByRole('combobox', { name: 'Time range' });
  await range.selectOption({ label: 'Last hour' });
  await expect(rows).toHaveCount(3);
  await range.selectOption({ label: 'Custom' });
  await page.getByLabel('From', { exact: true }).fill('2020-01-01T00:00');
  await page.getByLabel('To', { exact: true }).fill('2020-01-02T00:00');
  await expect(page.getByText(/^No deliveries match the time range .+\.$/)).toBeVisible();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(range).toHaveValue('all');
  await expect(rows).toHaveCount(3);

  // Live with a search: only a matching new delivery is put on top.
  await page.getByRole('switch', { name: 'Live' }).click();
  await expect(page.getByText('Live: new deliveries appear as they happen.')).toBeVisible();
  await search.fill(`usr_live_${run}`);
  await search.press('Enter');
  await expect(page.getByText(`No deliveries match the search “usr_live_${run}”.`)).toBeVisible();
  await ingest(`sup-other-${run}`, `usr_other_${run}`);
  await ingest(`sup-live-${run}`, `usr_live_${run}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(`sup-live-${run}`);
  await expect(rows.first()).toContainText('Delivered');
  await page.getByRole('button', { name: 'Clear search' }).click();
  await expect(rows).toHaveCount(5);
  await page.getByRole('switch', { name: 'Live' }).click();

  // Export: the list's filters, as CSV and as NDJSON, downloaded with the account's header.
  await page.getByRole('combobox', { name: 'Status' }).selectOption('failed');
  await expect(rows).toHaveCount(1);
  await page.getByRole('button', { name: 'Export' }).click();
  const csvDownload = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: 'Export CSV' }).click();
  const csv = await csvDownload;
  expect(csv.suggestedFilename()).toMatch(/\.csv$/);
  const csvLines = (await readFile(await csv.path(), 'utf8')).trim().split(/\r?\n/);
  expect(csvLines[0]).toBe('id,status,eventId,personId,messageId,createdAt,deliveredAt,attempts,lastHttpStatus');
  expect(csvLines).toHaveLength(2);
  expect(csvLines[1]).toContain(`sup-fail-${run}`);
  await expect(page.getByText(`Downloaded ${csv.suggestedFilename()}.`)).toBeVisible();

  await page.getByRole('combobox', { name: 'Status' }).selectOption('');
  await expect(rows).toHaveCount(5);
  await page.getByRole('button', { name: 'Export' }).click();
  const ndjsonDownload = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: 'Export NDJSON' }).click();
  const ndjson = await ndjsonDownload;
  expect(ndjson.suggestedFilename()).toMatch(/\.ndjson$/);
  const lines = (await readFile(await ndjson.path(), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { eventId: string; messageId: string; message: { messageId: string } });
  expect(lines.map((line) => line.eventId).sort()).toEqual(
    [`sup-a-${run}`, `sup-b-${run}`, `sup-fail-${run}`, `sup-live-${run}`, `sup-other-${run}`].sort(),
  );
  for (const line of lines) expect(line.message.messageId).toBe(line.messageId);

  // Replay: the dialog explains Segment's duplicate window; the failed one is sent again on the same delivery.
  await page.getByRole('button', { name: 'Replay…' }).click();
  let dialog = page.getByRole('dialog', { name: 'Replay deliveries' });
  await expect(dialog).toContainText('Segment silently drops a message id it has seen in the last 24 hours.');
  await expect(dialog.getByRole('checkbox', { name: 'Failed' })).toBeChecked();
  // A range that ends before it starts is refused before anything is sent.
  const to = await dialog.getByLabel('To', { exact: true }).inputValue();
  await dialog.getByLabel('To', { exact: true }).fill('2020-01-01T00:00');
  await dialog.getByRole('button', { name: 'Replay', exact: true }).click();
  await expect(dialog.getByText('From must be before To.')).toBeVisible();
  await dialog.getByLabel('To', { exact: true }).fill(to);
  await dialog.getByRole('button', { name: 'Replay', exact: true }).click();
  await expect(dialog.getByRole('status')).toHaveText(
    'Queued 1 delivery; 0 of them within Segment’s 24-hour duplicate window.',
  );
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect
    .poll(async () => (await deliveries()).find((d) => d.id === failed.id))
    .toMatchObject({ status: 'delivered', attemptCount: 2, messageId: failed.messageId });
  expect(await deliveries()).toHaveLength(5);

  // Replaying delivered ones: Segment accepted them minutes ago, so all are within its duplicate window.
  await page.getByRole('button', { name: 'Replay…' }).click();
  dialog = page.getByRole('dialog', { name: 'Replay deliveries' });
  await dialog.getByRole('checkbox', { name: 'Failed' }).uncheck();
  await dialog.getByRole('checkbox', { name: 'Delivered' }).check();
  await dialog.getByRole('button', { name: 'Replay', exact: true }).click();
  await expect(dialog.getByRole('status')).toHaveText(
    /^Queued ([1-9]\d*) deliveries; \1 of them within Segment’s 24-hour duplicate window\.$/,
  );
  await dialog.getByRole('button', { name: 'Close' }).click();

  // The detail names the settings version each attempt was sent with.
  await rows.filter({ hasText: `sup-fail-${run}` }).click();
  const detail = page.getByRole('region', { name: `Delivery sup-fail-${run}` });
  await expect(detail.getByText('Settings version 1')).not.toHaveCount(0);
  await expect(detail.getByRole('heading', { name: /^Attempts \(\d+\)$/ })).toBeVisible();
});
