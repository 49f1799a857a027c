import fs, { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deliveryFixture, webhookFixture } from '@segment-webhook/core/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sqliteStore } from './sqlite-store';

const dir = mkdtempSync(path.join(tmpdir(), 'store-sqlite-group-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sqliteStore group commit of insertDeliveries', () => {
  it('commits the calls of one event-loop turn in one transaction, each resolving with its own results', async () => {
    const filename = path.join(dir, 'merged.db');
    const store = sqliteStore({ filename });
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    // WAL frames (page images) written so far: every transaction appends the pages it changed.
    const walFrames = () => Math.floor(Math.max(0, statSync(`${filename}-wal`).size - 32) / (4096 + 24));
    const framesBefore = walFrames();

    // 40 calls at once, 3 deliveries each; event e<k> appears in several calls.
    const calls = Array.from({ length: 40 }, (_, c) =>
      [0, 1, 2].map((j) => deliveryFixture(webhook, { id: `dlv_${c}_${j}`, eventId: `e${(c * 3 + j) % 50}` })),
    );
    const results = await Promise.all(calls.map((deliveries) => store.insertDeliveries(deliveries)));
    const holderOf = new Map<string, string>();
    let created = 0;
    results.forEach((result, c) => {
      expect(result).toHaveLength(3);
      result.forEach((holder, j) => {
        const delivery = calls[c]![j]!;
        // Sequential semantics: the first call holding a key created it; later ones resolve to it.
        expect(holder.id).toBe(holderOf.get(delivery.eventId) ?? delivery.id);
        expect(holder.created).toBe(!holderOf.has(delivery.eventId));
        holderOf.set(delivery.eventId, holder.id);
        if (holder.created) created += 1;
      });
    });
    expect(created).toBe(50);
    expect(await store.listDeliveries(webhook.accountId, webhook.id, {}, null, 200)).toHaveLength(50);
    // One transaction wrote a handful of pages, not 40 transactions' worth.
    expect(walFrames() - framesBefore).toBeLessThan(40);
    await store.close();
  });

  it('fails only the bad call of a group', async () => {
    const store = sqliteStore({ filename: path.join(dir, 'bad.db') });
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    await store.insertDeliveries([deliveryFixture(webhook, { id: 'taken', eventId: 'first' })]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 6 }, (_, c) =>
        // Call 3 reuses an existing delivery id for a new key: a programmer error that throws.
        store.insertDeliveries([deliveryFixture(webhook, { id: c === 3 ? 'taken' : `d${c}`, eventId: `e${c}` })]),
      ),
    );
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(await store.listDeliveries(webhook.accountId, webhook.id, {}, null, 50)).toHaveLength(6);
    await store.close();
  });

  it('resolves a call only once an fsync that began after its commit has returned', async () => {
    const filename = path.join(dir, 'fsync.db');
    const store = sqliteStore({ filename });
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    // Hold every fsync until released, to see what waits for what.
    const held: (() => void)[] = [];
    const fsync = vi.spyOn(fs, 'fsync').mockImplementation(((_fd: number, callback: (error: Error | null) => void) => {
      held.push(() => callback(null));
    }) as typeof fs.fsync);
    const settled: string[] = [];
    const insert = (id: string) =>
      store.insertDeliveries([deliveryFixture(webhook, { id, eventId: id })]).then(() => {
        settled.push(id);
      });
    try {
      const first = insert('first');
      await new Promise((resolve) => setImmediate(resolve));
      // Committed (another connection reads it), but not acknowledged: its fsync is in flight.
      expect(fsync).toHaveBeenCalledTimes(1);
      const reader = sqliteStore({ filename });
      expect(await reader.getDeliveries(['first'])).toHaveLength(1);
      await reader.close();
      expect(settled).toEqual([]);
      // Two more commits while the first fsync runs: they wait for the next one, together.
      const second = insert('second');
      await new Promise((resolve) => setImmediate(resolve));
      const third = insert('third');
      await new Promise((resolve) => setImmediate(resolve));
      expect(fsync).toHaveBeenCalledTimes(1);
      held.shift()!();
      await first;
      expect(settled).toEqual(['first']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(fsync).toHaveBeenCalledTimes(2);
      expect(settled).toEqual(['first']);
      held.shift()!();
      await Promise.all([second, third]);
      expect(settled).toEqual(['first', 'second', 'third']);
      expect(fsync).toHaveBeenCalledTimes(2);
    } finally {
      fsync.mockRestore();
    }
    await store.close();
  });

  it('rejects the calls whose fsync failed, and keeps serving the next ones', async () => {
    const store = sqliteStore({ filename: path.join(dir, 'fsync-error.db') });
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    const fsync = vi.spyOn(fs, 'fsync').mockImplementationOnce(((
      _fd: number,
      callback: (error: Error | null) => void,
    ) => {
      callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    }) as typeof fs.fsync);
    try {
      await expect(store.insertDeliveries([deliveryFixture(webhook, { id: 'a', eventId: 'a' })])).rejects.toThrow(
        /could not be synced to disk/,
      );
      await expect(store.insertDeliveries([deliveryFixture(webhook, { id: 'b', eventId: 'b' })])).resolves.toEqual([
        { id: 'b', messageId: `${webhook.id}:b`, created: true },
      ]);
    } finally {
      fsync.mockRestore();
    }
    await store.close();
  });

  it('flushes waiting inserts when the store closes', async () => {
    const filename = path.join(dir, 'close.db');
    const store = sqliteStore({ filename });
    await store.migrate();
    const webhook = webhookFixture();
    await store.insertWebhook(webhook);
    const pending = store.insertDeliveries([deliveryFixture(webhook, { id: 'late', eventId: 'late' })]);
    await store.close();
    expect(await pending).toEqual([{ id: 'late', messageId: `${webhook.id}:late`, created: true }]);
    const reopened = sqliteStore({ filename });
    await reopened.migrate();
    expect(await reopened.getDeliveries(['late'])).toHaveLength(1);
    await reopened.close();
  });
});
