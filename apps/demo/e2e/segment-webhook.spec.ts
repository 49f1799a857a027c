import { expect, type Page, test } from '@playwright/test';
import { axeViolations, createRoutedWebhook } from './helpers';

/** The Segment debugger panel (opened from the header). */
/** A suffix that keeps names unique when the tests run again against the same server. */
const run = Date.now().toString(36);

function debuggerPanel(page: Page) {
  return page.getByRole('complementary', { name: 'Segment debugger' });
}

async function openDebugger(page: Page) {
  const toggle = page.getByRole('button', { name: 'Segment debugger' });
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await expect(debuggerPanel(page).getByText('Live', { exact: true })).toBeVisible();
}

async function chooseAction(page: Page, action: string) {
  await page.getByRole('button', { name: 'Actions' }).click();
  await page.getByRole('menuitem', { name: action, exact: true }).click();
}

test('a Segment webhook from setup to deletion: Test, Create, route, simulate, logs, debugger, rename, lifecycle', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Data sources' })).toBeVisible();
  await expect(page.getByText('No Segment webhooks yet.')).toBeVisible();
  await openDebugger(page);

  // Data sources → New data source → Segment webhook (advanced) → Get started.
  await page.getByRole('button', { name: 'New data source' }).click();
  await expect(page).toHaveURL(/\/data-sources\/new$/);
  await page.getByRole('button', { name: /Segment webhook \(advanced\)/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Segment webhook (advanced)' })).toBeVisible();
  await page.getByRole('link', { name: 'Get started' }).click();
  await expect(page).toHaveURL(/\/data-sources\/new\/segment-webhook$/);

  // The setup page: fill, Test, watch the test event arrive in the debugger, Create.
  await page.getByLabel('Webhook name').fill('Orders to Segment');
  await page.getByLabel('Track event name').fill('Order placed (e2e)');
  await page.getByLabel('Write key', { exact: true }).fill('wk_e2e_flow_9f8e7d6c');
  await expect(page.getByLabel('Send activity payload')).toBeChecked();
  await page.getByRole('radio', { name: 'EU' }).check();
  await page.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(page.getByText('Segment accepted the test event')).toBeVisible();
  const received = debuggerPanel(page).getByRole('list', { name: 'Events received by Segment' });
  await expect(received.getByRole('listitem').filter({ hasText: 'Order placed (e2e)' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Create', exact: true }).click();

  // The data source view.
  await expect(page).toHaveURL(/\/data-sources\/segment-webhook\/[^/]+$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Orders to Segment' })).toBeVisible();
  await expect(page.getByText('Track event: Order placed (e2e)')).toBeVisible();
  await expect(page.getByText('Region: EU')).toBeVisible();
  const viewUrl = page.url();

  // Route the Order placed activity to it (one outbound activity stream of the plan's 5).
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activities' }).click();
  await expect(page.getByText('0 of 5 used')).toBeVisible();
  await page.getByRole('combobox', { name: 'Data destination for Order placed' }).click();
  await page.getByRole('option', { name: 'Orders to Segment' }).click();
  await expect(page.getByRole('combobox', { name: 'Data destination for Order placed' })).toHaveText(
    /Orders to Segment/,
  );
  await expect(page.getByText('1 of 5 used')).toBeVisible();

  // Simulate activity for this account.
  await page.getByRole('button', { name: 'Simulate activity' }).click();
  const simulator = page.getByRole('dialog', { name: 'Activity simulator' });
  await simulator.getByLabel('Events').selectOption('100');
  await simulator.getByRole('button', { name: 'Send events' }).click();
  const result = simulator.getByRole('status');
  await expect(result).toHaveText(/^100 events sent · \d+ routed to Segment webhooks$/);
  const routed = Number(/· (\d+) routed/.exec((await result.textContent()) ?? '')?.[1]);
  expect(routed).toBeGreaterThan(0);
  await page.keyboard.press('Escape');

  // The deliveries in the logs, all delivered, and the same events in the Segment debugger.
  await page.goto(viewUrl);
  await page.getByRole('tab', { name: 'Logs' }).click();
  const deliveries = page.getByRole('listbox', { name: 'Deliveries' });
  await expect(deliveries.getByRole('option').first()).toBeVisible();
  await expect(deliveries.getByRole('option').filter({ hasText: 'Delivered' }).first()).toBeVisible();
  await expect(received.getByRole('listitem').filter({ hasText: 'Order placed (e2e)' })).toHaveCount(routed + 1);
  await page.getByRole('tab', { name: 'Overview' }).click();
  await expect(page.getByText('Success rate')).toBeVisible();

  // Rename in place: pencil, type, Enter; the new name survives a reload.
  await page.getByRole('button', { name: 'Rename Orders to Segment' }).click();
  const nameInput = page.getByRole('textbox', { name: 'Webhook name' });
  await nameInput.fill('Orders → Segment EU');
  await nameInput.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Orders → Segment EU' })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Orders → Segment EU' })).toBeVisible();

  // Disconnect, archive, delete (typing the name).
  await chooseAction(page, 'Disconnect');
  let dialog = page.getByRole('alertdialog');
  await expect(dialog).toContainText('Disconnect Orders → Segment EU?');
  await dialog.getByRole('button', { name: 'Disconnect' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('article[data-status="disconnected"]')).toBeVisible();

  await chooseAction(page, 'Archive');
  dialog = page.getByRole('alertdialog');
  await dialog.getByRole('button', { name: 'Archive' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('article[data-status="archived"]')).toBeVisible();

  await chooseAction(page, 'Delete');
  dialog = page.getByRole('alertdialog');
  await expect(dialog.getByRole('button', { name: 'Delete' })).toBeDisabled();
  await dialog.getByLabel('Type the name to confirm').fill('Orders → Segment EU');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expect(page).toHaveURL(/\/data-sources$/);
  await expect(page.getByText('No Segment webhooks yet.')).toBeVisible();

  // Archiving released the activity stream.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activities' }).click();
  await expect(page.getByText('0 of 5 used')).toBeVisible();
});

test('accounts are isolated: another account does not see the webhook', async ({ page, request }) => {
  const created = await request.post('/api/segment-webhooks/webhooks', {
    headers: { 'x-account-id': 'globex' },
    data: { name: `Globex beans ${run}`, trackEventName: 'Beans ordered', writeKey: 'wk_e2e_globex_1234' },
  });
  expect(created.status()).toBe(201);

  await page.goto('/');
  await page.getByRole('button', { name: /^Account: / }).click();
  await page.getByRole('menuitemradio', { name: /Globex Coffee/ }).click();
  await expect(page.getByRole('button', { name: /^Account: Globex Coffee/ })).toBeVisible();
  await expect(page.getByRole('button', { name: new RegExp(`Globex beans ${run}`) })).toBeVisible();

  // Switch to another account: the webhook is not there, nor by its URL.
  await page.getByRole('button', { name: /^Account: / }).click();
  await page.getByRole('menuitemradio', { name: /Initech Software/ }).click();
  await expect(page.getByRole('button', { name: /^Account: Initech Software/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Segment webhooks' })).toBeVisible();
  await expect(page.getByRole('button', { name: new RegExp(`Globex beans ${run}`) })).toHaveCount(0);
  const id = ((await created.json()) as { id: string }).id;
  await page.goto(`/data-sources/segment-webhook/${id}`);
  await expect(page.getByText('The data source could not be loaded.')).toBeVisible();

  // The choice is remembered (the account cookie) and switching back shows it again.
  await page.goto('/activities');
  await expect(page.getByRole('button', { name: /^Account: Initech Software/ })).toBeVisible();
  await page.getByRole('button', { name: /^Account: / }).click();
  await page.getByRole('menuitemradio', { name: /Globex Coffee/ }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Data sources' }).click();
  await expect(page.getByRole('button', { name: new RegExp(`Globex beans ${run}`) })).toBeVisible();
});

test('the journey action Send to webhook runs for a person and reaches Segment', async ({ page, request, baseURL }) => {
  const headers = { 'x-account-id': 'initech' };
  const created = await request.post('/api/segment-webhooks/webhooks', {
    headers,
    data: {
      name: `Journey events ${run}`,
      trackEventName: `Journey step ${run}`,
      writeKey: 'wk_e2e_journey_5678',
      fields: [{ key: 'email', from: 'person.email' }],
    },
  });
  expect(created.status()).toBe(201);

  await page.context().addCookies([{ name: 'account', value: 'initech', url: baseURL }]);
  await page.goto('/journeys');
  await openDebugger(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Post-purchase follow-up' })).toBeVisible();
  await page.getByRole('combobox', { name: 'Segment webhook' }).click();
  await page.getByRole('option', { name: `Journey events ${run}` }).click();
  await page.getByLabel('Person', { exact: true }).selectOption({ label: 'Maya Patel (maya.patel@example.com)' });
  await page.getByRole('button', { name: 'Run action' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Queued for Segment' })).toBeVisible();

  const arrival = debuggerPanel(page)
    .getByRole('listitem')
    .filter({ hasText: `Journey step ${run}` })
    .filter({ hasText: 'usr_mayapatel' });
  await expect(arrival).toHaveCount(1);
  await arrival.getByRole('button').click();
  await expect(arrival.locator('pre')).toContainText('"email": "maya.patel@example.com"');
});

test('a disconnected webhook sends nothing new until Reconnect; Settings edit the track event', async ({
  page,
  request,
  baseURL,
}) => {
  const headers = { 'x-account-id': 'initech' };
  const webhookId = await createRoutedWebhook(
    request,
    headers,
    { name: `Form leads ${run}`, trackEventName: 'Lead captured', writeKey: 'wk_e2e_leads_24680' },
    'form-submitted',
  );
  const submitForms = async (batch: string) => {
    const events = [1, 2, 3].map((n) => ({
      id: `lead-${batch}-${n}-${run}`,
      activityId: 'form-submitted',
      occurredAt: new Date().toISOString(),
      person: { id: `usr_lead_${batch}_${n}`, email: `lead${n}@example.com` },
      attributes: { form_name: 'Wholesale enquiry' },
    }));
    const response = await request.post('/api/segment-webhooks/events', { headers, data: { events } });
    return (await response.json()) as { accepted: number; deliveries: number; skipped: number };
  };

  await page.context().addCookies([{ name: 'account', value: 'initech', url: baseURL }]);
  await page.goto(`/data-sources/segment-webhook/${webhookId}?tab=logs`);
  await expect(page.getByRole('tab', { name: 'Logs', selected: true })).toBeVisible();
  await page.getByRole('switch', { name: 'Live' }).click();
  const rows = page.getByRole('listbox', { name: 'Deliveries' }).getByRole('option');

  await chooseAction(page, 'Disconnect');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Disconnect' }).click();
  await expect(page.locator('article[data-status="disconnected"]')).toBeVisible();
  // Issue 15: what is routed to a disconnected webhook is recorded as skipped (not sent), and the logs show it.
  expect(await submitForms('while-disconnected')).toEqual({ accepted: 3, deliveries: 0, skipped: 3 });
  await expect(rows.filter({ hasText: 'Skipped' })).toHaveCount(3);

  await chooseAction(page, 'Reconnect');
  await page.getByRole('alertdialog').getByRole('button', { name: 'Reconnect' }).click();
  await expect(page.locator('article[data-status="active"]')).toBeVisible();
  expect(await submitForms('reconnected')).toEqual({ accepted: 3, deliveries: 3, skipped: 0 });
  // The Live tail shows them arrive and turn Delivered; reconnected without backfill, the skipped stay skipped.
  await expect(rows.filter({ hasText: 'Delivered' })).toHaveCount(3);
  await expect(rows.filter({ hasText: 'Skipped' })).toHaveCount(3);

  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('tabpanel').getByLabel('Track event name').fill('Lead form submitted');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  await expect(page.getByText('Track event: Lead form submitted')).toBeVisible();
});

test('the notifications bell counts what the alert hooks reported and links to the webhook', async ({
  page,
  request,
  baseURL,
}) => {
  // An account of its own: its notifications are only this test's.
  const account = `bell_${run}`;
  const headers = { 'x-account-id': account };
  const webhookId = await createRoutedWebhook(request, headers, {
    name: `Refused ${run}`,
    trackEventName: 'Order placed',
    writeKey: 'wk_e2e_refused_1234',
  });

  await page.context().addCookies([{ name: 'account', value: account, url: baseURL! }]);
  await page.goto('/');
  const bell = page.getByRole('banner').getByRole('button', { name: /^Notifications/ });
  await expect(bell).toHaveAccessibleName('Notifications');

  // Segment refuses five batches in a row (the local stand-in, on command): the webhook needs attention.
  expect((await request.post('/api/demo/debugger/misbehave', { data: { count: 5, status: 401 } })).status()).toBe(204);
  for (let i = 0; i < 5; i += 1) {
    const ingested = await request.post('/api/segment-webhooks/events', {
      headers,
      data: {
        id: `bell-${run}-${i}`,
        activityId: 'order-placed',
        occurredAt: new Date().toISOString(),
        person: { id: 'p' },
      },
    });
    expect(ingested.status()).toBe(202);
    await expect
      .poll(async () => {
        const page = await request.get(`/api/segment-webhooks/webhooks/${webhookId}/deliveries`, { headers });
        return ((await page.json()) as { items: { status: string }[] }).items.filter((d) => d.status === 'failed')
          .length;
      })
      .toBe(i + 1);
  }

  // Two unread: the webhook needs attention, and the first of its failed deliveries.
  await expect(bell).toHaveAccessibleName('Notifications, 2 unread');
  await bell.click();
  const list = page.getByRole('dialog', { name: 'Notifications' });
  await expect(list.getByRole('link', { name: new RegExp(`Refused ${run} needs attention`) })).toBeVisible();
  await expect(list.getByRole('link', { name: new RegExp(`1 delivery to Refused ${run} failed`) })).toBeVisible();
  // Opening the list marks them read.
  await expect(bell).toHaveAccessibleName('Notifications');
  // The header and the open list pass axe's WCAG 2 A/AA rules.
  expect(await axeViolations(page, '[role="dialog"][aria-label="Notifications"]')).toEqual([]);
  expect(await axeViolations(page, 'header')).toEqual([]);

  await list.getByRole('link', { name: new RegExp(`Refused ${run} needs attention`) }).click();
  await expect(page).toHaveURL(new RegExp(`/data-sources/segment-webhook/${webhookId}$`));
  await expect(page.getByRole('heading', { level: 1, name: `Refused ${run}` })).toBeVisible();
  await expect(list).toBeHidden();
});
