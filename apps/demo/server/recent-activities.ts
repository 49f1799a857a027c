/**
 * What the demo passes to the kit's host callbacks of issue 15: the name of the person signed in (the
 * settings history's actor) and each account's recent activity events (what **Test** can send instead of
 * the sample). A real host reads both from its own session and event store; the demo keeps the last events
 * its ingest accepted, in memory.
 */
import type { ActivityEventInput } from '@segment-webhook/core/contract';
import { ACCOUNTS } from '../src/catalog';
import { type AccountRequest, readCookie, resolveAccount } from './accounts';

/** Recent events kept per account. */
export const RECENT_EVENTS_PER_ACCOUNT = 20;

/**
 * The demo's signed-in user: the `x-demo-user` header, else the `user` cookie, else the account's owner
 * ("Demo admin (Acme Outfitters)"). At most 80 characters; null for a request without a valid account.
 */
export function currentUser(request: AccountRequest): string | null {
  const header = request.headers['x-demo-user'];
  const cookie = request.headers.cookie;
  const named =
    (Array.isArray(header) ? header[0] : header) ??
    readCookie(Array.isArray(cookie) ? cookie.join('; ') : cookie, 'user');
  if (named?.trim()) return named.trim().slice(0, 80);
  const accountId = resolveAccount(request);
  if (accountId === null) return null;
  const account = ACCOUNTS.find((candidate) => candidate.id === accountId);
  return `Demo admin (${account?.name ?? accountId})`;
}

/** The events of an ingest call's body (one event, an array, or `{events}`), as they were sent. */
function eventsOf(input: unknown): ActivityEventInput[] {
  if (Array.isArray(input)) return input as ActivityEventInput[];
  if (input !== null && typeof input === 'object' && Array.isArray((input as { events?: unknown }).events)) {
    return (input as { events: ActivityEventInput[] }).events;
  }
  return input !== null && typeof input === 'object' ? [input as ActivityEventInput] : [];
}

/** The last events each account's ingest accepted, newest first. */
export class RecentActivities {
  private readonly byAccount = new Map<string, ActivityEventInput[]>();

  /** Records the events of an ingest call the service accepted. */
  record(accountId: string, input: unknown): void {
    const list = this.byAccount.get(accountId) ?? [];
    for (const event of eventsOf(input)) {
      const at = list.findIndex((known) => known.id === event.id);
      if (at !== -1) list.splice(at, 1);
      list.unshift(structuredClone(event));
    }
    list.splice(RECENT_EVENTS_PER_ACCOUNT);
    this.byAccount.set(accountId, list);
  }

  /** The account's recent events, newest first (the kit's `recentActivities` option). */
  of(accountId: string): ActivityEventInput[] {
    return structuredClone(this.byAccount.get(accountId) ?? []);
  }
}
