/**
 * The demo process (`server/main.ts`, as `pnpm start` runs it) stopped with SIGTERM, on each store: it
 * refuses new connections, lets the requests in flight finish (an HTTP request, and the worker's requests
 * to Segment), closes live streams, releases the deliveries it had not sent and exits 0. Its Segment holds
 * every answer until the test releases them, so "in flight" lasts as long as the test needs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSegmentWebhookService, generateEncryptionKey, messageIdFor, type Store } from '@segment-webhook/core';
import {
  createFreshDatabase,
  type FreshDatabase,
  type HeldSegment,
  STORE_KINDS,
  startHeldSegment,
} from '@segment-webhook/engine-tests';
import { postgresStore } from '@segment-webhook/store-postgres';
import { sqliteStore } from '@segment-webhook/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';

const ACCOUNT = 'acct_shutdown';
const demoDir = path.resolve(import.meta.dirname, '..');

/** Resolves with the first stdout line that matches, or rejects when the process exits first. */
function lineMatching(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const match = buffered.match(pattern);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the demo exited (${code}) before printing ${pattern}`)));
  });
}

describe.each(STORE_KINDS)('the demo stopped with SIGTERM, on %s', (kind) => {
  let dataDir: string | null = null;
  let database: FreshDatabase | null = null;
  let segment: HeldSegment | null = null;
  let child: ChildProcess | null = null;

  afterEach(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await segment?.close();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the requests in flight, closes live streams, releases what it had not sent, exits 0', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'demo-shutdown-'));
    if (kind === 'postgres') database = await createFreshDatabase('swk_demo_stop');
    segment = await startHeldSegment();
    const encryptionKey = generateEncryptionKey();
    child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
      cwd: demoDir,
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: dataDir,
        DATABASE_URL: database?.url ?? '',
        SEGMENT_US_ENDPOINT: segment.url,
        SEGMENT_EU_ENDPOINT: '',
        SEGMENT_LIVE: '',
        SEGMENT_RETRY_BASE_MS: '',
        SEGMENT_ENCRYPTION_KEY: encryptionKey,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child!.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const [, url] = await lineMatching(child, /Dashboard:\s+(http:\/\/\S+)/);
    const api = `${url}/api/segment-webhooks`;
    const headers = { 'content-type': 'application/json', 'x-account-id': ACCOUNT };
    const post = (route: string, body: unknown, method = 'POST') =>
      fetch(`${api}${route}`, { method, headers, body: JSON.stringify(body) });

    const created = await post('/webhooks', { name: 'Orders', trackEventName: 'Order placed', writeKey: 'wk_stop_01' });
    const webhook = (await created.json()) as { id: string };
    expect((await post('/activities/order-placed/destination', { webhookId: webhook.id }, 'PUT')).status).toBe(200);
    const arrivals = (count: number) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (segment!.bodies.length < count) return;
          segment!.events.off('arrival', check);
          resolve();
        };
        segment!.events.on('arrival', check);
        check();
      });

    // In flight: the Test button's request, and four rounds of the worker (its concurrency), one per report.
    const testing = post(`/webhooks/${webhook.id}/test`, {});
    await arrivals(1);
    const reported: string[][] = [];
    const report = async (round: number) => {
      const ids = Array.from({ length: 10 }, (_, i) => `r${round}-${i}`);
      const response = await post('/events', {
        events: ids.map((id) => ({
          id,
          activityId: 'order-placed',
          occurredAt: new Date().toISOString(),
          person: { id: 'p' },
        })),
      });
      expect(await response.json()).toEqual({ accepted: 10, deliveries: 10, skipped: 0 });
      reported.push(ids);
    };
    for (let round = 0; round < 4; round++) {
      await report(round);
      await arrivals(2 + round);
    }
    // Handed to the worker, leased to it, but not sent: all four rounds are in flight.
    await report(4);
    // A live stream of the logs is open.
    const stream = await fetch(`${api}/webhooks/${webhook.id}/deliveries/stream`, { headers });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const streamEnded = stream.body!.pipeTo(new WritableStream()).then(
      () => 'ended',
      () => 'ended',
    );

    child.kill('SIGTERM');
    await lineMatching(child, /SIGTERM: stopping/);
    // No new connections.
    expect(await fetch(`${url}/api/demo/info`).catch(() => 'refused')).toBe('refused');
    // Segment answers: the requests in flight finish.
    segment.release();
    const tested = await testing;
    expect(tested.status).toBe(200);
    expect(await tested.json()).toMatchObject({ ok: true, httpStatus: 200 });
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await streamEnded).toBe('ended');
    // Nothing more was sent: the Test button's request and the four rounds.
    expect(segment.bodies).toHaveLength(5);

    // What was sent is recorded once; what was not is pending and claimable at once (no lease left).
    const store: Store =
      kind === 'sqlite'
        ? sqliteStore({ filename: path.join(dataDir, 'segment-webhooks.sqlite') })
        : postgresStore({ connectionString: database!.url, onError: () => {} });
    const service = createSegmentWebhookService({ store, encryptionKey, plan: () => 5 });
    try {
      const page = await service.listDeliveries(ACCOUNT, webhook.id, { limit: 100 });
      const status = new Map(page.items.map((d) => [d.eventId, d.status]));
      const sent = segment.messageIds();
      for (const ids of reported.slice(0, 4)) {
        for (const id of ids) {
          expect(status.get(id), id).toBe('delivered');
          expect(
            sent.filter((m) => m === messageIdFor(webhook.id, id)),
            id,
          ).toHaveLength(1);
        }
      }
      for (const id of reported[4]!) {
        expect(status.get(id), id).toBe('pending');
        expect(sent).not.toContain(messageIdFor(webhook.id, id));
      }
      const claimed = await store.claimDeliveries('next-process', Date.now(), 60_000, 100);
      expect(claimed.map((d) => d.eventId).sort()).toEqual([...reported[4]!].sort());
    } finally {
      await service.close();
      await store.close();
    }
  }, 60_000);
});
