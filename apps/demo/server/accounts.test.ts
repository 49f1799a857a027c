import { describe, expect, it } from 'vitest';
import { readCookie, resolveAccount } from './accounts';

describe('resolveAccount', () => {
  it('prefers the x-account-id header', () => {
    expect(resolveAccount({ headers: { 'x-account-id': 'globex', cookie: 'account=initech' } })).toBe('globex');
  });

  it('falls back to the account cookie, then to demo', () => {
    expect(resolveAccount({ headers: { cookie: 'theme=dark; account=initech' } })).toBe('initech');
    expect(resolveAccount({ headers: { cookie: 'theme=dark' } })).toBe('demo');
    expect(resolveAccount({ headers: {} })).toBe('demo');
  });

  it('answers null (401) for an invalid account id rather than guessing', () => {
    expect(resolveAccount({ headers: { 'x-account-id': '../etc' } })).toBeNull();
    expect(resolveAccount({ headers: { 'x-account-id': '' } })).toBeNull();
    expect(resolveAccount({ headers: { cookie: `account=${'a'.repeat(65)}` } })).toBeNull();
  });
});

describe('readCookie', () => {
  it('reads one cookie and decodes it', () => {
    expect(readCookie('a=1; account=acme%2Dco; b=2', 'account')).toBe('acme-co');
    expect(readCookie('accounts=x', 'account')).toBeNull();
    expect(readCookie('account=%E0%A4%A', 'account')).toBeNull();
    expect(readCookie(undefined, 'account')).toBeNull();
  });
});
