/**
 * Which account a request acts for, as in the demo: the `x-account-id` header, else the `account` cookie,
 * else `demo`. A real host takes it from its session. An id that is not `[A-Za-z0-9_-]{1,64}` → null (401).
 */
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function accountOf(header: string | null | undefined, cookieHeader: string | null | undefined): string | null {
  const candidate = header ?? cookieValue(cookieHeader, 'account') ?? 'demo';
  return ACCOUNT_ID.test(candidate) ? candidate : null;
}

/** `resolveAccount` for the fetch handler (Hono, Next.js). */
export const resolveAccount = (request: Request) =>
  accountOf(request.headers.get('x-account-id'), request.headers.get('cookie'));

function cookieValue(header: string | null | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index === -1 || part.slice(0, index).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(index + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}
