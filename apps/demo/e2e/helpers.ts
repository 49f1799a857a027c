/** What the demo's Playwright scenarios share. */
import { createRequire } from 'node:module';
import { type APIRequestContext, expect, type Page } from '@playwright/test';

/** Where the demo mounts the kit's REST API. */
export const API = '/api/segment-webhooks';

/** axe-core's WCAG 2 A and AA violations (rule ids) inside the element matching `selector`. */
export async function axeViolations(page: Page, selector: string): Promise<string[]> {
  await page.addScriptTag({ path: createRequire(import.meta.url).resolve('axe-core/axe.min.js') });
  return page.evaluate(async (within) => {
    const axe = (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<unknown> } }).axe;
    const result = (await axe.run(document.querySelector(within), {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
    })) as { violations: { id: string }[] };
    return result.violations.map((violation) => violation.id);
  }, selector);
}

/**
 * Creates a webhook through the API with `headers` (the account, and the demo user if any) and makes it the
 * destination of `activityId`; returns its id.
 */
export async function createRoutedWebhook(
  request: APIRequestContext,
  headers: Record<string, string>,
  body: Record<string, unknown>,
  activityId = 'order-placed',
): Promise<string> {
  const created = await request.post(`${API}/webhooks`, { headers, data: body });
  expect(created.status()).toBe(201);
  const webhook = (await created.json()) as { id: string };
  const routed = await request.put(`${API}/activities/${activityId}/destination`, {
    headers,
    data: { webhookId: webhook.id },
  });
  expect(routed.status()).toBe(200);
  return webhook.id;
}
