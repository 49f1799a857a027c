/**
 * Which account a request acts for: the `x-account-id` header, else the `account` cookie, else
 * `demo`. A real host would resolve it from its session; the demo shows that accounts are isolated.
 */
import { DEFAULT_ACCOUNT } from '../src/catalog';

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The value of one cookie in a `Cookie` header, or null. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

/** A request as far as account resolution cares. */
export interface AccountRequest {
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The account id of a request, or null (→ 401) when the header or cookie names an invalid id.
 * The header wins over the cookie; neither means the default account.
 */
export function resolveAccount(request: AccountRequest): string | null {
  const header = request.headers['x-account-id'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const cookie = request.headers.cookie;
  const candidate =
    fromHeader ?? readCookie(Array.isArray(cookie) ? cookie.join('; ') : cookie, 'account') ?? DEFAULT_ACCOUNT;
  return ACCOUNT_ID.test(candidate) ? candidate : null;
}
