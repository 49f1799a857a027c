import { SegmentWebhookError } from '@segment-webhook/core/contract';
import { describe, expect, it } from 'vitest';
import { jsonNestingExceeds, MAX_JSON_DEPTH, parseQueryString, readJsonBody } from './http';

const encoder = new TextEncoder();

/** A web Request with a JSON content type and a declared length unless `headers` say otherwise. */
function request(body: Uint8Array | string | null, headers: Record<string, string | null> = {}): Request {
  const bytes = body === null ? null : typeof body === 'string' ? encoder.encode(body) : body;
  const all: Record<string, string | null> = {
    ...(bytes === null ? {} : { 'content-length': String(bytes.length), 'content-type': 'application/json' }),
    ...headers,
  };
  const init: RequestInit & { duplex?: 'half' } = {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== null)),
  };
  if (bytes !== null) {
    // A stream, as a server hands it over (a Uint8Array body would get no chunked semantics).
    init.body = new ReadableStream({
      start(controller) {
        controller.enqueue(bytes);
        controller.close();
      },
    });
    init.duplex = 'half';
  }
  return new Request('http://kit.test/x', init);
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof SegmentWebhookError ? error.code : 'other';
  }
}

describe('readJsonBody', () => {
  it('parses a JSON object', async () => {
    await expect(readJsonBody(request('{"a":[1,{"b":null}]}'), 1024)).resolves.toEqual({ a: [1, { b: null }] });
  });

  it('accepts application/*+json and an explicit utf-8 charset', async () => {
    const body = request('{"a":1}', { 'content-type': 'application/merge-patch+json; charset=UTF-8' });
    await expect(readJsonBody(body, 1024)).resolves.toEqual({ a: 1 });
  });

  it('returns undefined when there is no body', async () => {
    await expect(readJsonBody(request(null), 1024)).resolves.toBeUndefined();
  });

  it('refuses another content type, another charset and compressed bodies with invalid_json', async () => {
    expect(await codeOf(readJsonBody(request('a=1', { 'content-type': 'text/plain' }), 1024))).toBe('invalid_json');
    expect(
      await codeOf(readJsonBody(request('{}', { 'content-type': 'application/json; charset=latin1' }), 1024)),
    ).toBe('invalid_json');
    expect(await codeOf(readJsonBody(request('{}', { 'content-encoding': 'gzip' }), 1024))).toBe('invalid_json');
  });

  it('refuses malformed JSON without echoing the body', async () => {
    const error = await readJsonBody(request('{"writeKey":"wk_secret_1", oops}'), 1024).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SegmentWebhookError);
    expect((error as SegmentWebhookError).code).toBe('invalid_json');
    expect((error as SegmentWebhookError).message).not.toContain('wk_secret_1');
  });

  it('refuses invalid UTF-8', async () => {
    const bytes = new Uint8Array([...encoder.encode('{"name":"'), 0xff, 0xfe, ...encoder.encode('"}')]);
    expect(await codeOf(readJsonBody(request(bytes), 1024))).toBe('invalid_json');
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    expect(await codeOf(readJsonBody(request(`"${'x'.repeat(100)}"`), 50))).toBe('payload_too_large');
    const chunked = request(`"${'x'.repeat(100)}"`, { 'content-length': null });
    expect(await codeOf(readJsonBody(chunked, 50))).toBe('payload_too_large');
  });

  it('refuses nesting deeper than the maximum', async () => {
    const deep = `${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`;
    expect(await codeOf(readJsonBody(request(deep), 1024))).toBe('validation_error');
    const ok = `${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`;
    expect(await codeOf(readJsonBody(request(ok), 1024))).toBe('resolved');
  });

  it('keeps __proto__ as a plain own key', async () => {
    const value = (await readJsonBody(request('{"__proto__":{"polluted":true}}'), 1024)) as object;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('jsonNestingExceeds', () => {
  const exceeds = (text: string, max: number) => jsonNestingExceeds(encoder.encode(text), max);

  it('counts arrays and objects, not brackets inside strings', () => {
    expect(exceeds('{"a":[{"b":1}]}', 3)).toBe(false);
    expect(exceeds('{"a":[{"b":{}}]}', 3)).toBe(true);
    expect(exceeds('{"a":"[[[[[[{{{{"}', 1)).toBe(false);
    // A string holding one backslash, then an object: the escape does not swallow the closing quote.
    expect(exceeds('{"a":"\\\\","b":{}}', 1)).toBe(true);
    // An escaped quote does not end the string: the brackets after it are text.
    expect(exceeds('{"a":"\\"[[["}', 1)).toBe(false);
    expect(JSON.parse('{"a":"\\"[[["}')).toEqual({ a: '"[[[' });
    expect(JSON.parse('{"a":"\\\\","b":{}}')).toEqual({ a: '\\', b: {} });
    expect(exceeds('["é",["ü"]]', 1)).toBe(true);
  });

  it('handles a million levels without recursion', () => {
    expect(exceeds(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, 64)).toBe(true);
  });
});

describe('parseQueryString', () => {
  it('decodes pairs, + as space, and repeated keys as arrays', () => {
    expect(parseQueryString('?status=failed&personId=a+b%20c&a=1&a=2&flag')).toEqual({
      status: 'failed',
      personId: 'a b c',
      a: ['1', '2'],
      flag: '',
    });
    expect(parseQueryString('')).toEqual({});
    expect(parseQueryString('?')).toEqual({});
  });

  it('keeps __proto__ and constructor as own keys', () => {
    const query = parseQueryString('?__proto__=1&constructor=2');
    expect(Object.keys(query)).toEqual(['__proto__', 'constructor']);
    expect(Object.getPrototypeOf(query)).toBe(Object.prototype);
  });

  it('refuses malformed percent-encoding and invalid UTF-8', () => {
    expect(() => parseQueryString('?a=%E0%A4%A')).toThrow(SegmentWebhookError);
    expect(() => parseQueryString('?a=%FF')).toThrow(SegmentWebhookError);
  });
});
