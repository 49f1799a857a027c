/**
 * The current account of the host dashboard. The server reads it from the `x-account-id` header,
 * else the `account` cookie; the switcher sets both so that every request (the kit's, the
 * simulator's, the debugger's) acts for the same account.
 */
import { ACCOUNTS, DEFAULT_ACCOUNT } from './catalog';

/** The account in the `account` cookie, else the default. */
export function readAccountCookie(): string {
  const match = /(?:^|;\s*)account=([^;]*)/.exec(document.cookie);
  const value = match?.[1] ? decodeURIComponent(match[1]) : null;
  return value && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : DEFAULT_ACCOUNT;
}

/** Remembers the account for the next requests and page loads. */
export function writeAccountCookie(accountId: string) {
  // The Cookie Store API is not in every browser yet; the value is encoded and validated.
  // biome-ignore lint/suspicious/noDocumentCookie: see above
  document.cookie = `account=${encodeURIComponent(accountId)}; path=/; max-age=31536000; samesite=lax`;
}

/** The display name of an account id. */
export function accountName(accountId: string): string {
  return ACCOUNTS.find((account) => account.id === accountId)?.name ?? accountId;
}
