import { ERROR_STATUS, problemSchema } from '@segment-webhook/core/contract';
import { type RouteDefinition, routes } from '@segment-webhook/server';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type StoreName, startTestApi, type TargetName, type TestApi, type TestResponse } from './harness';

const WRITE_KEY = 'wk_hostile_secret_Q9x7Lm2';

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Keys that break naive objects, schemas and query parsers. */
const hostileKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'valueOf',
    '',
    ' ',
    '\u0000',
    '$ref',
    'name\u0000',
    '\ud800',
    'a'.repeat(300),
  ),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const hostileConstants = fc.constantFrom(
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '<script>',
  '%00',
  "' OR 1=1 --",
  '\ud800\udc00',
);
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  hostileConstants,
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
);
/**
 * For URLs: Node refuses request heads over 16 KB itself (431, before any router runs), so strings in
 * paths and query strings stay under 1,000 characters (≤ 12 KB percent-encoded).
 */
const hostileUrlString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 50 }),
  hostileConstants,
  fc.integer({ min: 200, max: 1_000 }).map((n) => 'x'.repeat(n)),
);

/** A JSON syntax tree, serialized by hand so that `__proto__` keys and duplicate keys survive. */
type Tree = { leaf: unknown } | { array: Tree[] } | { object: [string, Tree][] };

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .oneof(
        hostileString,
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
      )
      .map((leaf) => ({ leaf })),
    fc.array(tie('tree'), { maxLength: 4 }).map((array) => ({ array })),
    fc
      .array(
        fc.tuple(fc.oneof(hostileKey, fc.constantFrom('name', 'events', 'person', 'id', 'writeKey')), tie('tree')),
        {
          maxLength: 4,
        },
      )
      .map((object) => ({ object })),
  ),
}));

function serialize(node: Tree): string {
  if ('leaf' in node) return JSON.stringify(node.leaf) ?? 'null';
  if ('array' in node) return `[${node.array.map(serialize).join(',')}]`;
  return `{${node.object.map(([key, value]) => `${JSON.stringify(key)}:${serialize(value)}`).join(',')}}`;
}

/**
 * A body no route accepts: any non-object, or an object with at least one key that no body schema has
 * (every body schema is strict at the top level).
 */
const invalidJsonText = fc.oneof(
  tree.filter((node) => !('object' in node)).map(serialize),
  fc
    .tuple(
      hostileKey.filter((key) => !['name', 'events', 'person', 'id'].includes(key)),
      tree,
      tree,
    )
    .map(([key, value, rest]) => {
      const extra = `${JSON.stringify(key)}:${serialize(value)}`;
      return 'object' in rest && rest.object.length > 0 ? `{${extra},${serialize(rest).slice(1)}` : `{${extra}}`;
    }),
);

const enc = new TextEncoder();
const isUtf8 = (bytes: Uint8Array) => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** Raw request bodies: hostile JSON, malformed JSON, invalid UTF-8, deep nesting, oversized. */
const hostileBody: fc.Arbitrary<{ bytes: Uint8Array<ArrayBuffer>; contentType?: string }> = fc.oneof(
  fc.record({
    bytes: invalidJsonText.map((text) => enc.encode(text)),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/vnd.x+json'),
  }),
  fc.record({
    bytes: invalidJsonText.map((text) => enc.encode(text)),
    contentType: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
  }),
  // Malformed: a prefix of a valid body, or stray bytes.
  fc.tuple(fc.integer({ min: 1, max: 60 }), fc.string()).map(([cut, tail]) => ({
    bytes: enc.encode(`{"name":"x","trackEventName":"t","writeKey":"${WRITE_KEY}"}`.slice(0, cut) + tail),
    contentType: 'application/json',
  })),
  // Invalid UTF-8 inside an otherwise valid-looking body, or random bytes.
  fc
    .array(fc.constantFrom(0xff, 0xfe, 0xc0, 0xc1, 0x80, 0xed, 0xa0, 0xf8), { minLength: 1, maxLength: 8 })
    // Some picks are valid UTF-8 after all (ED 80 80 is U+D000): keep only invalid ones.
    .filter((bad) => !isUtf8(new Uint8Array(bad)))
    .map((bad) => ({
      bytes: new Uint8Array([...enc.encode('{"name":"'), ...bad, ...enc.encode('","writeKey":"k"}')]),
      contentType: 'application/json',
    })),
  fc.uint8Array({ minLength: 1, maxLength: 300 }).map((bytes) => ({
    bytes: new Uint8Array(bytes),
    contentType: 'application/json',
  })),
  // Deep nesting, arrays or objects.
  fc.tuple(fc.integer({ min: 65, max: 50_000 }), fc.boolean()).map(([depth, arrays]) => ({
    bytes: enc.encode(
      arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    ),
    contentType: 'application/json',
  })),
  // Over the 1 MiB limit.
  fc.integer({ min: 1024 * 1024, max: 1024 * 1024 + 50_000 }).map((n) => ({
    bytes: enc.encode(`{"name":"${'y'.repeat(n)}"}`),
    contentType: 'application/json',
  })),
);

/** Percent-encodes every UTF-8 byte (lone surrogates become U+FFFD), or leaves a raw broken escape. */
const queryComponent = (value: string) =>
  [...enc.encode(value)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const brokenEscape = fc.constantFrom('%FF', '%', '%G1', '%E0%A4', '%C0%AF', '%ED%A0%80');

function queryKeysOf(route: RouteDefinition): string[] {
  return route.query ? Object.keys(route.query.shape) : [];
}

/** A query string with at least one parameter the route does not know, plus hostile known ones. */
function hostileQuery(route: RouteDefinition): fc.Arbitrary<string> {
  const known = queryKeysOf(route);
  const unknownKey = hostileKey.filter((key) => !known.includes(key));
  const encoded = (value: fc.Arbitrary<string>) => fc.oneof(value.map(queryComponent), brokenEscape);
  return fc
    .tuple(
      fc.array(fc.tuple(encoded(unknownKey), encoded(hostileUrlString)), { minLength: 1, maxLength: 2 }),
      known.length > 0
        ? fc.array(fc.tuple(fc.constantFrom(...known), encoded(hostileUrlString)), { maxLength: 2 })
        : fc.constant([] as [string, string][]),
    )
    .chain(([unknown, knownPairs]) => {
      const all = [...unknown, ...knownPairs];
      return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
    })
    .map((pairs) => pairs.map(([key, value]) => `${key}=${value}`).join('&'));
}

function pathOf(route: RouteDefinition, ids: { id: string; deliveryId: string; activityId: string }): string {
  return route.path
    .replace(':id', ids.id)
    .replace(':deliveryId', ids.deliveryId)
    .replace(':activityId', ids.activityId);
}

/**
 * Random and hostile input at every route against the real service and store: every answer is a 4xx
 * problem+json, nothing unexpected is logged, the process keeps answering, nothing is sent to Segment and
 * the store is unchanged, row for row. Called once per host and store by the *.test.ts files beside it.
 */
export function describeHostileInput(target: TargetName, storeName: StoreName): void {
  let api: TestApi;
  let webhookId: string;
  let deliveryId: string;
  let before: string;
  let sinkRequests: number;

  beforeAll(async () => {
    api = await startTestApi(target, storeName);
    const created = await api.request('POST', '/webhooks', {
      json: { name: 'Target', trackEventName: 'Activity', writeKey: WRITE_KEY },
    });
    webhookId = (created.body as { id: string }).id;
    await api.request('PUT', '/activities/order-placed/destination', { json: { webhookId } });
    await api.request('POST', '/events', {
      json: { id: 'evt_1', activityId: 'order-placed', occurredAt: new Date().toISOString(), person: { id: 'p_1' } },
    });
    deliveryId = await eventually(async () => {
      const page = (await api.request('GET', `/webhooks/${webhookId}/deliveries`)).body as {
        items: { id: string; status: string }[];
      };
      return page.items[0]?.status === 'delivered' ? page.items[0].id : undefined;
    });
    before = await api.snapshot();
    sinkRequests = api.sink.requests.length;
  });

  afterAll(async () => {
    await api?.close();
  });

  // ---------------------------------------------------------------------------------------------
  // Checks
  // ---------------------------------------------------------------------------------------------

  const responses: TestResponse[] = [];

  function expectClientProblem(response: TestResponse, label: string): void {
    responses.push(response);
    expect(response.status, `${label} → ${response.status} ${response.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
    expect(response.status, label).toBeLessThan(500);
    expect(response.headers.get('content-type'), label).toMatch(/^application\/problem\+json/);
    const problem = problemSchema.parse(response.body);
    expect(ERROR_STATUS[problem.code], label).toBe(response.status);
  }

  const realIds = () => ({ id: webhookId, deliveryId, activityId: 'order-placed' });

  /** Routes by operationId (counterexamples then print a name, not a zod schema). */
  const routeNamed = (operationId: string): RouteDefinition =>
    routes.find((route) => route.operationId === operationId)!;
  const operationIds = (filter: (route: RouteDefinition) => boolean = () => true) =>
    fc.constantFrom(...routes.filter(filter).map((route) => route.operationId));

  describe('hostile input at every route', () => {
    it('answers a hostile body on every body route with a 4xx problem', async () => {
      expect(routes.filter((route) => route.body).length).toBe(9);
      await fc.assert(
        fc.asyncProperty(
          operationIds((route) => route.body !== undefined),
          hostileBody,
          async (operationId, body) => {
            const route = routeNamed(operationId);
            const response = await api.request(route.method.toUpperCase(), pathOf(route, realIds()), {
              raw: body.bytes,
              headers: body.contentType ? { 'content-type': body.contentType } : {},
            });
            expectClientProblem(response, `${route.method} ${route.path}`);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('answers a hostile query string on every route with a 400 problem', async () => {
      await fc.assert(
        fc.asyncProperty(
          operationIds().chain((operationId) =>
            fc.tuple(fc.constant(operationId), hostileQuery(routeNamed(operationId))),
          ),
          async ([operationId, query]) => {
            const route = routeNamed(operationId);
            const response = await api.request(route.method.toUpperCase(), `${pathOf(route, realIds())}?${query}`, {
              ...(route.body ? { json: { name: 'x' } } : {}),
            });
            expectClientProblem(response, `${route.method} ${route.path}?${query.slice(0, 200)}`);
            expect(response.status).toBe(400);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('answers hostile path ids on every route with a 4xx problem, even with a valid body', async () => {
      const validBodies: Record<string, unknown> = {
        updateWebhook: { name: 'Renamed' },
        sendToWebhook: { person: { id: 'p_9' } },
        setActivityDestination: { webhookId },
      };
      const hostileId = fc
        .oneof(hostileUrlString, brokenEscape)
        // '', '.' and '..' are not ids: the URL itself then names another route (`/webhooks/` is the list).
        .filter((id) => !['', '.', '..', webhookId, deliveryId, 'order-placed'].includes(id));
      await fc.assert(
        fc.asyncProperty(
          operationIds((route) => route.path.includes(':')),
          hostileId,
          fc.boolean(),
          async (operationId, id, encode) => {
            const route = routeNamed(operationId);
            const segment = id.startsWith('%')
              ? id
              : encode
                ? queryComponent(id)
                : encodeURIComponent(id.replace(/[\ud800-\udfff]/g, '?'));
            const ids = {
              id: route.path.includes(':deliveryId') ? webhookId : segment,
              deliveryId: segment,
              activityId: segment,
            };
            const body = validBodies[route.operationId];
            const response = await api.request(route.method.toUpperCase(), pathOf(route, ids), {
              ...(body ? { json: body } : {}),
            });
            expectClientProblem(response, `${route.method} ${pathOf(route, ids).slice(0, 200)}`);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('kept the process up, logged no unexpected error, sent nothing and changed nothing in the store', async () => {
      expect(responses.length).toBeGreaterThanOrEqual(900);
      const alive = await api.request('GET', `/webhooks/${webhookId}`);
      expect(alive.status).toBe(200);
      expect(api.logs.filter((line) => line.startsWith('error'))).toEqual([]);
      expect(api.sink.requests.length).toBe(sinkRequests);
      expect(await api.snapshot()).toBe(before);
      for (const response of api.captured) expect(response.text).not.toContain(WRITE_KEY);
    });
  });
}
