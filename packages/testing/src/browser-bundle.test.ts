/**
 * The browser entry as a browser gets it: `@segment-webhook/testing/browser` bundled for the browser with
 * Vite (every dependency inside, as Storybook and a host page bundle it), then run in a fresh V8 context
 * that has the web platform's globals and none of Node's (`Buffer`, `process`, `require`, `global`). The
 * jsdom test mocks `node:` imports but keeps Node's globals; a dependency that reached for `Buffer` at import
 * (csv-stringify's ESM entry) passed it and broke every Storybook page. This one fails on that.
 */
import path from 'node:path';
import vm from 'node:vm';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

const entry = path.join(import.meta.dirname, 'browser.ts');
const API = '/api/segment-webhooks';

async function bundle(): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    root: path.join(import.meta.dirname, '..'),
    define: { 'process.env.NODE_ENV': '"production"' },
    resolve: { conditions: ['browser', 'import', 'module', 'default'] },
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      modulePreload: false,
      lib: { entry, formats: ['iife'], name: 'SegmentWebhookTesting', fileName: 'testing' },
    },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const outputs = Array.isArray(output) ? output : [output];
  const chunks = outputs.flatMap((out) => out.output).filter((chunk) => chunk.type === 'chunk');
  expect(chunks).toHaveLength(1);
  return (chunks[0] as Rollup.OutputChunk).code;
}

/** The globals a browser page has that the kit may use, taken from Node's implementations of them. */
function browserGlobals(): Record<string, unknown> {
  const names = [
    'TextEncoder',
    'TextDecoder',
    'TextDecoderStream',
    'TextEncoderStream',
    'URL',
    'URLSearchParams',
    'crypto',
    'Request',
    'Response',
    'Headers',
    'FormData',
    'Blob',
    'ReadableStream',
    'WritableStream',
    'TransformStream',
    'AbortController',
    'AbortSignal',
    'Event',
    'EventTarget',
    'DOMException',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'queueMicrotask',
    'structuredClone',
    'performance',
    'console',
    'atob',
    'btoa',
  ] as const;
  const globals: Record<string, unknown> = {};
  for (const name of names) globals[name] = (globalThis as Record<string, unknown>)[name];
  return globals;
}

describe('@segment-webhook/testing/browser, bundled for the browser', () => {
  it('loads and serves the kit without any Node global: list, ingest, deliver, export CSV and NDJSON', async () => {
    const code = await bundle();
    const context = vm.createContext(browserGlobals());
    vm.runInContext(`${code}\n;globalThis.SegmentWebhookTesting = SegmentWebhookTesting;`, context);
    for (const name of ['Buffer', 'process', 'require', 'global', 'setImmediate']) {
      expect(vm.runInContext(`typeof ${name}`, context), name).toBe('undefined');
    }
    const testing = context.SegmentWebhookTesting as typeof import('./browser');
    const backend = await testing.createSampleBackend({ orders: { events: 4 } });

    const list = await backend.fetch(`${API}/webhooks`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(4);

    await backend.ingest({
      id: 'evt_bundle',
      activityId: 'order-placed',
      occurredAt: new Date(backend.clock.now()).toISOString(),
      person: { id: 'p_bundle', email: 'ada@example.com' },
    });
    await backend.deliver();
    expect(backend.sink.messages().some((m) => m.userId === 'p_bundle')).toBe(true);

    const csv = await backend.fetch(`${API}/webhooks/wh_orders/deliveries/export?format=csv&q=p_bundle`);
    expect(csv.status).toBe(200);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^id,status,eventId,personId,messageId,/);
    expect(lines.slice(1).map((line) => line.split(',')[3])).toEqual(['p_bundle']);
    const ndjson = await backend.fetch(`${API}/webhooks/wh_orders/deliveries/export?format=ndjson&q=evt_bundle`);
    const records = (await ndjson.text())
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { eventId: string; message: { userId: string } });
    expect(records.map((r) => [r.eventId, r.message.userId])).toEqual([['evt_bundle', 'p_bundle']]);
  });
});
