import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startSegmentSink } from '@segment-webhook/testing';
import { expect, it } from 'vitest';
import { createHost } from './server.js';

it('serves the API from the tarballs on Express, Fastify and the fetch handler, and delivers', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'host-'));
  const sink = await startSegmentSink({ port: 0 });
  const host = await createHost(path.join(dir, 'missing', 'folder', 'kit.sqlite'), sink.url);
  const server = await new Promise<Server>((resolve) => {
    const listening = host.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  try {
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/segment-webhooks`;
    const headers = { 'x-account-id': 'acct_host', 'content-type': 'application/json' };
    const created = await fetch(`${base}/webhooks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Host', trackEventName: 'Order placed', writeKey: 'wk_host_tarball_1' }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const routed = await fetch(`${base}/activities/order-placed/destination`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ webhookId: id }),
    });
    expect(routed.status).toBe(200);
    const event = {
      id: 'evt_1',
      activityId: 'order-placed',
      occurredAt: new Date().toISOString(),
      person: { id: 'p' },
    };
    const ingested = await fetch(`${base}/events`, { method: 'POST', headers, body: JSON.stringify(event) });
    expect(ingested.status).toBe(202);
    await sink.waitFor(1, { writeKey: 'wk_host_tarball_1', timeoutMs: 20_000 });

    const fromFastify = await host.fastify.inject({ url: '/api/segment-webhooks/usage', headers });
    expect(fromFastify.json()).toEqual({ outboundActivityStreams: 1, includedStreams: 5 });
    const fromHandler = await host.handler(new Request('http://h/api/segment-webhooks/usage', { headers }));
    expect(await fromHandler.json()).toEqual({ outboundActivityStreams: 1, includedStreams: 5 });
  } finally {
    server.close();
    await host.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
