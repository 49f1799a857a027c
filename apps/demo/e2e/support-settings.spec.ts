/**
 * Issue 15's support tools on the Overview, Settings, Reconnect and Test: field coverage, the settings
 * history with who changed what, Test with a recent activity event, and reconnect with backfill. Each test
 * uses an account of its own, so it sees only its own webhooks and recent events.
 */
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { API, axeViolations, createRoutedWebhook as createWebhook } from './helpers';

/** A suffix that keeps accounts unique when the tests run again against the same server. */
const run = Date.now().toString(36);

async function chooseAction(page: Page, action: string) {
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menuitem', { name: action, exact: true }).click();
}

/** Creates a webhook routed to by `order-placed` in `account`, as `user` (the settings history's actor). */
async function createRoutedWebhook(request: APIRequestContext, account: string, user: string, name: string) {
  return createWebhook(
    request,
    { 'x-account-id': account, 'x-demo-user': user },
    {
      name,
      trackEventName: 'Order placed',
      writeKey: 'wk_e2e_support_first_1a2b',
      fields: [
        { key: 'email', from: 'person.email' },
        { key: 'order_id', from: 'activity.order_id' },
      ],
    },
  );
}

/** `count` order-placed events of people numbered from `from`; those in `withoutEmail` have no email. */
function orders(prefix: string, count: number, withoutEmail: (n: number) => boolean) {
  return Array.from({ length: count }, (_, n) => ({
    id: `${prefix}_${n}`,
    activityId: 'order-placed',
    occurredAt: new Date(Date.now() - (count - n) * 60_000).toISOString(),
    person: {
      id: `${prefix}_person_${n}`,
      first_name: 'Ada',
      ...(withoutEmail(n) ? {} : { email: `${prefix}_${n}@example.com` }),
    },
    attributes: { order_id: `ord_${n}`, total: 10 + n },
  }));
}

test('field coverage, settings history and Test with a recent activity event', async ({ page, request, baseURL }) => {
  const account = `support_${run}`;
  const id = await createRoutedWebhook(request, account, 'Ada (e2e)', 'Support orders');
  const headers = { 'x-account-id': account };

  // Two changes by two people through the API: the track event name, then the write key.
  const renamed = await request.patch(`${API}/webhooks/${id}`, {
    headers: { ...headers, 'x-demo-user': 'Grace (e2e)' },
    data: { trackEventName: 'Order completed' },
  });
  expect(renamed.status()).toBe(200);
  const rekeyed = await request.patch(`${API}/webhooks/${id}`, {
    headers: { ...headers, 'x-demo-user': 'Ada (e2e)' },
    data: { writeKey: 'wk_e2e_support_second_3c4d' },
  });
  expect(rekeyed.status()).toBe(200);

  // Ten orders, six of them from people without an email: email is empty in 60% of the messages.
  const ingested = await request.post(`${API}/events`, {
    headers,
    data: { events: orders(`sup_${run}`, 10, (n) => n % 5 < 3) },
  });
  expect(ingested.status()).toBe(202);

  await page.context().addCookies([{ name: 'account', value: account, url: baseURL! }]);
  await page.goto(`/data-sources/segment-webhook/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Support orders' })).toBeVisible();

  // Overview: the coverage of each configured field, and the warning about email.
  const coverage = page.getByRole('region', { name: 'Field coverage' });
  await expect(coverage.getByRole('meter', { name: 'Coverage of email' })).toHaveAttribute(
    'aria-valuetext',
    '40% (4 of 10 events)',
  );
  await expect(coverage.getByRole('meter', { name: 'Coverage of order_id' })).toHaveAttribute(
    'aria-valuetext',
    '100% (10 of 10 events)',
  );
  await expect(coverage.getByText(/email was empty in 60% of events/)).toBeVisible();
  expect(await axeViolations(page, '.swk-coverage')).toEqual([]);

  // Settings: the version and the history, newest first, the write key only as changed.
  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.getByText('Settings version 3')).toBeVisible();
  const history = page.getByRole('region', { name: 'History' });
  const entries = history.locator('[data-version]');
  await expect(entries).toHaveCount(3);
  await expect(entries.nth(0)).toContainText(/^Version 3 · .+ · Ada \(e2e\)/);
  await expect(entries.nth(0)).toContainText('Write key changed');
  await expect(entries.nth(1)).toContainText(/^Version 2 · .+ · Grace \(e2e\)/);
  await expect(entries.nth(1)).toContainText("Track event name: 'Order placed' → 'Order completed'");
  await expect(entries.nth(2)).toContainText('Created');
  await expect(history).not.toContainText('wk_e2e');

  // A change in the UI is the next version, by the demo's signed-in user.
  const eventName = page.getByLabel('Track event name');
  await eventName.fill('Order shipped');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await expect(page.getByText('Settings version 4')).toBeVisible();
  await expect(entries).toHaveCount(4);
  await expect(entries.nth(0)).toContainText(/^Version 4 · .+ · Demo admin/);
  await expect(entries.nth(0)).toContainText("Track event name: 'Order completed' → 'Order shipped'");

  // Test again with one of the account's recent activity events instead of the sample.
  const testWith = page.getByRole('combobox', { name: 'Test with' });
  await expect(testWith).toHaveText(/Sample activity/);
  await testWith.click();
  await page.getByRole('option', { name: new RegExp(`^Order placed · sup_${run}_person_9 · `) }).click();
  await page.getByRole('button', { name: 'Test again' }).click();
  const result = page.locator('.swk-test-result');
  await expect(result.getByText('Segment accepted the test event')).toBeVisible();
  await expect(result).toContainText(`"userId": "sup_${run}_person_9"`);
  await expect(result).toContainText('"event": "Order shipped"');
  expect(await axeViolations(page, '.swk-view')).toEqual([]);

  // The setup page offers the same choice next to Test, and the preview shows the chosen event's message.
  await page.goto('/data-sources/new/segment-webhook');
  await page.getByLabel('Webhook name').fill('Support setup test');
  await page.getByLabel('Track event name').fill('Order placed (setup)');
  await page.getByLabel('Write key', { exact: true }).fill('wk_e2e_support_setup_5e6f');
  await page.getByRole('combobox', { name: 'Test with' }).click();
  await page.getByRole('option', { name: new RegExp(`^Order placed · sup_${run}_person_8 · `) }).click();
  await expect(page.getByRole('region', { name: 'Payload preview' })).toContainText(`"userId": "sup_${run}_person_8"`);
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  const setupResult = page.getByRole('region', { name: 'Test result' });
  await expect(setupResult.getByText('Segment accepted the test event')).toBeVisible();
  await expect(setupResult).toContainText(`"userId": "sup_${run}_person_8"`);
});

test('reconnect with backfill sends the events recorded while disconnected, with their original times', async ({
  page,
  request,
  baseURL,
}) => {
  const account = `backfill_${run}`;
  const headers = { 'x-account-id': account };
  const id = await createRoutedWebhook(request, account, 'Ada (e2e)', 'Backfill orders');
  expect((await request.post(`${API}/webhooks/${id}/disconnect`, { headers })).status()).toBe(200);
  const events = orders(`bf_${run}`, 3, () => false);
  const ingested = await request.post(`${API}/events`, { headers, data: { events } });
  expect(ingested.status()).toBe(202);
  expect(((await ingested.json()) as { skipped: number }).skipped).toBe(3);

  await page.context().addCookies([{ name: 'account', value: account, url: baseURL! }]);
  await page.goto(`/data-sources/segment-webhook/${id}`);
  await expect(page.locator('article[data-status="disconnected"]')).toBeVisible();
  await chooseAction(page, 'Reconnect');
  const dialog = page.getByRole('alertdialog', { name: 'Reconnect Backfill orders?' });
  const choice = dialog.getByRole('group', { name: '3 events were recorded while disconnected' });
  await expect(choice.getByRole('radio', { name: 'Send them now' })).toBeChecked();
  await expect(choice.getByRole('radio', { name: 'Reconnect without them' })).not.toBeChecked();
  expect(await axeViolations(page, '[role="alertdialog"]')).toEqual([]);
  await dialog.getByRole('button', { name: 'Reconnect' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(/3 skipped events were queued to send/)).toBeVisible();
  await expect(page.locator('article[data-status="active"]')).toBeVisible();

  // They go out, each with its event's original time.
  await expect
    .poll(async () => {
      const listed = await request.get(`${API}/webhooks/${id}/deliveries`, { headers });
      const page = (await listed.json()) as { items: { status: string }[] };
      return page.items.map((item) => item.status).join(',');
    })
    .toBe('delivered,delivered,delivered');
  const listed = (await (await request.get(`${API}/webhooks/${id}/deliveries`, { headers })).json()) as {
    items: { id: string; eventId: string }[];
  };
  for (const item of listed.items) {
    const detail = (await (await request.get(`${API}/webhooks/${id}/deliveries/${item.id}`, { headers })).json()) as {
      message: { timestamp: string };
    };
    const original = events.find((event) => event.id === item.eventId)!;
    expect(Date.parse(detail.message.timestamp)).toBe(Date.parse(original.occurredAt));
  }

  // Nothing is left to send: a later Reconnect dialog would ask nothing.
  const webhook = (await (await request.get(`${API}/webhooks/${id}`, { headers })).json()) as {
    skippedSinceDisconnect: number;
  };
  expect(webhook.skippedSinceDisconnect).toBe(0);
});
