/**
 * The conformance suite every `Store` implementation runs (../../../../shared/STYLE.md §7). It checks the
 * semantics documented on each method of `Store` with vitest; call it from a test file of the store.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrackMessage } from '../contract/index';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter } from '../segment/retry';
import {
  type AttemptCompletion,
  type DeliveryCursor,
  LAG_SAMPLE_SIZE,
  type NewDelivery,
  type Store,
  type WebhookRecord,
} from '../store/types';

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /** Called after each test with the store it made (after `close()`), e.g. to drop a schema. Default: nothing. */
  cleanup?: (store: Store) => Promise<void> | void;
}

const T0 = Date.UTC(2026, 10, 27, 10, 0, 0);
const HOUR = 3_600_000;

let sequence = 0;
function uid(prefix: string): string {
  sequence += 1;
  return `${prefix}_${sequence.toString().padStart(6, '0')}`;
}

/** A webhook record with defaults; override anything. */
export function webhookFixture(overrides: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id: uid('wh'),
    accountId: 'acct_a',
    name: 'Segment production',
    trackEventName: 'Activity',
    region: 'us',
    sendActivityPayload: true,
    fields: [{ key: 'plan', from: 'person.plan' }],
    status: 'active',
    healthState: 'healthy',
    healthReason: null,
    healthSince: null,
    refusedBatches: 0,
    writeKeyCiphertext: 'v1:ciphertext',
    writeKeyHint: 'abcd',
    writeKeyFingerprint: 'fp_1',
    version: 1,
    disconnectedAt: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

function messageFor(webhookId: string, eventId: string, createdAt: number): TrackMessage {
  return {
    type: 'track',
    event: 'Activity',
    userId: 'p_1',
    messageId: `${webhookId}:${eventId}`,
    timestamp: new Date(createdAt).toISOString(),
    properties: { amount: 42.5, nested: { ok: true }, list: [1, 'two'] },
    context: { library: { name: '@segment-webhook/core', version: '0.1.0' } },
  };
}

/** A new delivery for a webhook with defaults; override anything. */
export function deliveryFixture(webhook: WebhookRecord, overrides: Partial<NewDelivery> = {}): NewDelivery {
  const eventId = overrides.eventId ?? uid('evt');
  const createdAt = overrides.createdAt ?? T0;
  return {
    id: uid('dlv'),
    accountId: webhook.accountId,
    webhookId: webhook.id,
    eventId,
    personId: 'p_1',
    activityId: 'order-placed',
    source: 'activity',
    messageId: `${webhook.id}:${eventId}`,
    message: messageFor(webhook.id, eventId, createdAt),
    occurredAt: createdAt - 1000,
    createdAt,
    ...overrides,
  };
}

function completion(
  deliveryId: string,
  number: number,
  status: AttemptCompletion['status'],
  at: number,
  extra: Partial<AttemptCompletion> = {},
): AttemptCompletion {
  const httpStatus = status === 'delivered' ? 200 : status === 'failed' ? 400 : 503;
  return {
    deliveryId,
    attempt: {
      number,
      at,
      httpStatus,
      latencyMs: 12,
      outcome: status === 'retrying' ? 'retry' : status,
      error: status === 'delivered' ? null : `HTTP ${httpStatus}`,
      responseBody: status === 'delivered' ? '{"success":true}' : 'nope',
      configVersion: 1,
    },
    counted: true,
    status,
    nextAttemptAt: status === 'retrying' ? at + 1000 : null,
    lastError: status === 'delivered' ? null : `HTTP ${httpStatus}`,
    ...extra,
  };
}

/**
 * Registers the store conformance suite under `describe(name)`. `makeStore` is called before every test
 * and must return a new, empty store (a fresh SQLite file, a fresh PostgreSQL schema); the suite calls
 * `migrate()` itself (twice, to check idempotence) and `close()` after each test.
 */
export function describeStoreContract(
  name: string,
  makeStore: () => Store | Promise<Store>,
  options: StoreContractOptions = {},
): void {
  describe(name, () => {
    let store: Store;

    beforeEach(async () => {
      store = await makeStore();
      await store.migrate();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
      await options.cleanup?.(store);
    });

    async function addWebhook(overrides: Partial<WebhookRecord> = {}): Promise<WebhookRecord> {
      const webhook = webhookFixture(overrides);
      await store.insertWebhook(webhook);
      return webhook;
    }

    async function addDeliveries(webhook: WebhookRecord, list: Partial<NewDelivery>[]): Promise<NewDelivery[]> {
      const deliveries = list.map((overrides) => deliveryFixture(webhook, overrides));
      await store.insertDeliveries(deliveries);
      return deliveries;
    }

    describe('webhooks', () => {
      it('round-trips a webhook and hides it from other accounts', async () => {
        const webhook = await addWebhook({ fields: [{ key: 'tier', value: 3 }], region: 'eu' });
        expect(await store.getWebhook('acct_a', webhook.id)).toEqual(webhook);
        expect(await store.getWebhook('acct_b', webhook.id)).toBeNull();
        expect(await store.getWebhook('acct_a', 'missing')).toBeNull();
      });

      it('lists oldest first, filtered by status and account', async () => {
        const second = await addWebhook({ createdAt: T0 + 10 });
        const first = await addWebhook({ createdAt: T0 });
        const archived = await addWebhook({ createdAt: T0 + 20, status: 'archived' });
        await addWebhook({ accountId: 'acct_b' });
        expect((await store.listWebhooks('acct_a')).map((w) => w.id)).toEqual([first.id, second.id, archived.id]);
        expect((await store.listWebhooks('acct_a', 'archived')).map((w) => w.id)).toEqual([archived.id]);
        expect(await store.listWebhooks('acct_c')).toEqual([]);
      });

      it('updates with a patch, conditionally on the status', async () => {
        const webhook = await addWebhook();
        const updated = await store.updateWebhook('acct_a', webhook.id, {
          name: 'Renamed',
          fields: [],
          updatedAt: T0 + 5,
        });
        expect(updated).toEqual({ ...webhook, name: 'Renamed', fields: [], updatedAt: T0 + 5 });
        expect(await store.getWebhook('acct_a', webhook.id)).toEqual(updated);

        expect(await store.updateWebhook('acct_a', webhook.id, { status: 'archived' }, ['disconnected'])).toBeNull();
        expect((await store.getWebhook('acct_a', webhook.id))?.status).toBe('active');
        const disconnected = await store.updateWebhook('acct_a', webhook.id, { status: 'disconnected' }, ['active']);
        expect(disconnected?.status).toBe('disconnected');
        expect(await store.updateWebhook('acct_b', webhook.id, { name: 'x' })).toBeNull();
        expect(await store.updateWebhook('acct_a', 'missing', { name: 'x' })).toBeNull();
      });

      it('lets only one of two concurrent transitions win', async () => {
        const webhook = await addWebhook();
        const results = await Promise.all([
          store.updateWebhook('acct_a', webhook.id, { status: 'disconnected' }, ['active']),
          store.updateWebhook('acct_a', webhook.id, { status: 'disconnected' }, ['active']),
        ]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
      });

      it('deletes only in the given status, with routes and deliveries', async () => {
        const webhook = await addWebhook({ status: 'disconnected' });
        await store.setRoute('acct_a', 'order-placed', webhook.id, 10);
        const [delivery] = await addDeliveries(webhook, [{}]);
        expect(await store.deleteWebhook('acct_a', webhook.id, ['archived'])).toBe(false);
        expect(await store.deleteWebhook('acct_b', webhook.id, ['disconnected'])).toBe(false);
        expect(await store.deleteWebhook('acct_a', webhook.id, ['disconnected'])).toBe(true);
        expect(await store.getWebhook('acct_a', webhook.id)).toBeNull();
        expect(await store.listRoutes('acct_a')).toEqual([]);
        expect(await store.getDeliveries([delivery!.id])).toEqual([]);
        expect(await store.deleteWebhook('acct_a', webhook.id, ['disconnected'])).toBe(false);
      });

      it('tips a webhook into needs_attention after `threshold` refused batches in a row', async () => {
        const webhook = await addWebhook();
        const other = await addWebhook();
        const refused = { webhookId: webhook.id, refused: true, reason: 'Segment answered 400' };
        expect(await store.recordBatches([refused, refused], 3, T0)).toEqual([]);
        expect(await store.recordBatches([{ webhookId: webhook.id, refused: false, reason: null }], 3, T0)).toEqual([]);
        expect((await store.getWebhook('acct_a', webhook.id))?.refusedBatches).toBe(0);
        expect(
          await store.recordBatches(
            [refused, refused, { webhookId: other.id, refused: true, reason: 'x' }, refused, refused],
            3,
            T0 + 7,
          ),
        ).toEqual([webhook.id]);
        const after = await store.getWebhook('acct_a', webhook.id);
        expect(after).toMatchObject({
          healthState: 'needs_attention',
          healthReason: 'Segment answered 400',
          healthSince: T0 + 7,
          refusedBatches: 4,
        });
        expect((await store.getWebhook('acct_a', other.id))?.healthState).toBe('healthy');
        expect(await store.recordBatches([refused], 3, T0 + 8)).toEqual([]);
        expect((await store.getWebhook('acct_a', webhook.id))?.healthSince).toBe(T0 + 7);
        expect(await store.recordBatches([{ webhookId: 'missing', refused: true, reason: null }], 1, T0)).toEqual([]);
      });
    });

    describe('routes', () => {
      it('routes, replaces and removes destinations', async () => {
        const a = await addWebhook();
        const b = await addWebhook();
        expect(await store.setRoute('acct_a', 'order-placed', a.id, 5)).toEqual({
          ok: true,
          route: { accountId: 'acct_a', activityId: 'order-placed', webhookId: a.id },
        });
        await store.setRoute('acct_a', 'checkout', a.id, 5);
        await store.setRoute('acct_a', 'order-placed', b.id, 5);
        expect(await store.listRoutes('acct_a')).toEqual([
          { accountId: 'acct_a', activityId: 'checkout', webhookId: a.id },
          { accountId: 'acct_a', activityId: 'order-placed', webhookId: b.id },
        ]);
        expect(await store.listRoutes('acct_b')).toEqual([]);
        const resolved = await store.resolveRoutes('acct_a', ['order-placed', 'unrouted', 'checkout']);
        expect([...resolved.keys()].sort()).toEqual(['checkout', 'order-placed']);
        expect(resolved.get('order-placed')?.id).toBe(b.id);
        expect((await store.resolveRoutes('acct_b', ['order-placed'])).size).toBe(0);
        expect(await store.deleteRoute('acct_a', 'checkout')).toBe(true);
        expect(await store.deleteRoute('acct_a', 'checkout')).toBe(false);
        expect(await store.countStreams('acct_a')).toBe(1);
      });

      it('checks the stream limit atomically and does not count a re-route twice', async () => {
        const a = await addWebhook();
        const b = await addWebhook();
        expect((await store.setRoute('acct_a', 'one', a.id, 2)).ok).toBe(true);
        expect((await store.setRoute('acct_a', 'two', a.id, 2)).ok).toBe(true);
        expect(await store.setRoute('acct_a', 'three', a.id, 2)).toEqual({
          ok: false,
          reason: 'limit_reached',
          streams: 2,
        });
        expect((await store.setRoute('acct_a', 'two', b.id, 2)).ok).toBe(true);
        expect(await store.countStreams('acct_a')).toBe(2);

        const results = await Promise.all(
          ['x1', 'x2', 'x3', 'x4'].map((activity) => store.setRoute('acct_b_limit', activity, 'nope', 1)),
        );
        expect(results.every((r) => !r.ok && r.reason === 'webhook_not_found')).toBe(true);
        const c = await addWebhook({ accountId: 'acct_c' });
        const concurrent = await Promise.all(
          ['x1', 'x2', 'x3', 'x4'].map((activity) => store.setRoute('acct_c', activity, c.id, 2)),
        );
        expect(concurrent.filter((r) => r.ok)).toHaveLength(2);
        expect(await store.countStreams('acct_c')).toBe(2);
      });

      it('refuses archived and foreign webhooks; archived ones do not count and archiving drops routes', async () => {
        const a = await addWebhook();
        const archived = await addWebhook({ status: 'archived' });
        const foreign = await addWebhook({ accountId: 'acct_b' });
        expect(await store.setRoute('acct_a', 'one', archived.id, 5)).toEqual({
          ok: false,
          reason: 'webhook_archived',
        });
        expect(await store.setRoute('acct_a', 'one', foreign.id, 5)).toEqual({
          ok: false,
          reason: 'webhook_not_found',
        });
        await store.setRoute('acct_a', 'one', a.id, 5);
        await store.setRoute('acct_a', 'two', a.id, 5);
        expect(await store.countStreams('acct_a')).toBe(2);
        await store.updateWebhook('acct_a', a.id, { status: 'archived' });
        expect(await store.countStreams('acct_a')).toBe(0);
        expect(await store.listRoutes('acct_a')).toEqual([]);
      });
    });

    describe('the outbox', () => {
      it('inserts deliveries pending and due at once, with their message', async () => {
        const webhook = await addWebhook();
        const [input] = [
          deliveryFixture(webhook, { createdAt: T0 + 3, occurredAt: T0 - 50, activityId: null, configVersion: 4 }),
        ];
        const result = await store.insertDeliveries([input!]);
        expect(result).toEqual([{ id: input!.id, messageId: input!.messageId, created: true }]);
        const detail = await store.getDelivery('acct_a', webhook.id, input!.id);
        expect(detail).toEqual({
          id: input!.id,
          accountId: 'acct_a',
          webhookId: webhook.id,
          eventId: input!.eventId,
          personId: 'p_1',
          activityId: null,
          source: 'activity',
          status: 'pending',
          messageId: input!.messageId,
          attemptCount: 0,
          countedAttempts: 0,
          occurredAt: T0 - 50,
          createdAt: T0 + 3,
          updatedAt: T0 + 3,
          cycleStartedAt: T0 + 3,
          nextAttemptAt: T0 + 3,
          deliveredAt: null,
          firstDeliveredAt: null,
          lastError: null,
          lastHttpStatus: null,
          configVersion: 4,
          message: input!.message,
          attempts: [],
        });
        expect(await store.getDelivery('acct_b', webhook.id, input!.id)).toBeNull();
        expect(await store.getDelivery('acct_a', 'other', input!.id)).toBeNull();
      });

      it('de-duplicates on (webhook, source, event id), also within one call', async () => {
        const webhook = await addWebhook();
        const other = await addWebhook();
        const first = deliveryFixture(webhook, { eventId: 'e1' });
        await store.insertDeliveries([first]);
        const again = deliveryFixture(webhook, { eventId: 'e1', messageId: 'different' });
        const twin = deliveryFixture(webhook, { eventId: 'e2' });
        const twinAgain = deliveryFixture(webhook, { eventId: 'e2' });
        const send = deliveryFixture(webhook, { eventId: 'e1', source: 'send', messageId: 'send-e1' });
        const otherWebhook = deliveryFixture(other, { eventId: 'e1' });
        const result = await store.insertDeliveries([again, twin, twinAgain, send, otherWebhook]);
        expect(result).toEqual([
          { id: first.id, messageId: first.messageId, created: false },
          { id: twin.id, messageId: twin.messageId, created: true },
          { id: twin.id, messageId: twin.messageId, created: false },
          { id: send.id, messageId: 'send-e1', created: true },
          { id: otherWebhook.id, messageId: otherWebhook.messageId, created: true },
        ]);
        expect(await store.getDeliveries([again.id, twinAgain.id])).toEqual([]);
      });

      it('inserts a large batch in one call', async () => {
        const webhook = await addWebhook();
        const list = Array.from({ length: 1500 }, () => ({}));
        const deliveries = await addDeliveries(webhook, list);
        const page = await store.listDeliveries('acct_a', webhook.id, {}, null, 200);
        expect(page).toHaveLength(200);
        expect((await store.getDeliveries(deliveries.map((d) => d.id))).length).toBe(1500);
      });
    });

    describe('claims and leases', () => {
      it('claims due deliveries oldest first, up to the limit, with the webhook’s current key and region', async () => {
        const webhook = await addWebhook({ writeKeyCiphertext: 'old', region: 'us' });
        const [a, b, c] = await addDeliveries(webhook, [
          { createdAt: T0 + 2 },
          { createdAt: T0 },
          { createdAt: T0 + 1 },
        ]);
        await addDeliveries(webhook, [{ createdAt: T0 + 1000 }]);
        await store.updateWebhook('acct_a', webhook.id, { writeKeyCiphertext: 'new', region: 'eu' }, undefined, {
          history: { at: T0 + 5, actor: null, changes: [{ field: 'region', from: 'us', to: 'eu' }] },
        });
        const claimed = await store.claimDeliveries('w1', T0 + 10, 30_000, 2);
        expect(claimed.map((d) => d.id)).toEqual([b!.id, c!.id]);
        expect(claimed[0]).toMatchObject({
          writeKeyCiphertext: 'new',
          region: 'eu',
          webhookVersion: 2,
          writeKeyFingerprint: 'fp_1',
          status: 'pending',
          nextAttemptAt: T0 + 10 + 30_000,
          message: b!.message,
        });
        const rest = await store.claimDeliveries('w2', T0 + 10, 30_000, 10);
        expect(rest.map((d) => d.id)).toEqual([a!.id]);
        expect(await store.claimDeliveries('w3', T0 + 10, 30_000, 10)).toEqual([]);
      });

      it('never hands the same delivery to two concurrent claimers', async () => {
        const webhook = await addWebhook();
        await addDeliveries(
          webhook,
          Array.from({ length: 60 }, (_, i) => ({ createdAt: T0 + i })),
        );
        const claims = await Promise.all(
          ['w1', 'w2', 'w3', 'w4'].map((owner) => store.claimDeliveries(owner, T0 + 100, 30_000, 20)),
        );
        const ids = claims.flat().map((d) => d.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.length).toBe(60);
      });

      it('makes an expired lease claimable again by anyone', async () => {
        const webhook = await addWebhook();
        const [d] = await addDeliveries(webhook, [{}]);
        await store.claimDeliveries('crashed', T0, 1000, 10);
        expect(await store.claimDeliveries('w2', T0 + 999, 1000, 10)).toEqual([]);
        const again = await store.claimDeliveries('w2', T0 + 1000, 1000, 10);
        expect(again.map((x) => x.id)).toEqual([d!.id]);
        expect(again[0]!.messageId).toBe(d!.messageId);
        // The crashed worker's late completion no longer applies.
        expect(
          await store.completeAttempts('crashed', [completion(d!.id, 1, 'delivered', T0 + 1001)], T0 + 1001),
        ).toEqual([]);
        expect(await store.completeAttempts('w2', [completion(d!.id, 1, 'delivered', T0 + 1002)], T0 + 1002)).toEqual([
          d!.id,
        ]);
      });

      it('holds deliveries of disconnected, archived and needs-attention webhooks', async () => {
        const disconnected = await addWebhook();
        const archived = await addWebhook();
        const attention = await addWebhook({ healthState: 'needs_attention', healthReason: 'x', healthSince: T0 });
        // Queued while active, then held by the lifecycle.
        await addDeliveries(disconnected, [{}]);
        await addDeliveries(archived, [{}]);
        await store.updateWebhook('acct_a', disconnected.id, { status: 'disconnected' });
        await store.updateWebhook('acct_a', archived.id, { status: 'archived' });
        const [held] = await addDeliveries(attention, [{}]);
        expect(await store.claimDeliveries('w1', T0 + 10, 30_000, 10)).toEqual([]);
        await store.updateWebhook('acct_a', attention.id, {
          healthState: 'healthy',
          healthReason: null,
          healthSince: null,
        });
        expect((await store.claimDeliveries('w1', T0 + 10, 30_000, 10)).map((d) => d.id)).toEqual([held!.id]);
        await store.updateWebhook('acct_a', disconnected.id, { status: 'active' });
        expect(await store.claimDeliveries('w1', T0 + 10, 30_000, 10)).toHaveLength(1);
      });

      it('skips paused write keys until the pause ends; a pause only ever extends', async () => {
        const paused = await addWebhook({ writeKeyFingerprint: 'fp_paused' });
        const sibling = await addWebhook({ writeKeyFingerprint: 'fp_paused' });
        const free = await addWebhook({ writeKeyFingerprint: 'fp_free' });
        await addDeliveries(paused, [{}]);
        await addDeliveries(sibling, [{}]);
        const [f] = await addDeliveries(free, [{}]);
        await store.pauseWriteKey('fp_paused', T0 + 5000);
        await store.pauseWriteKey('fp_paused', T0 + 2000);
        expect(await store.writeKeyPausedUntil('fp_paused', T0)).toBe(T0 + 5000);
        expect(await store.writeKeyPausedUntil('fp_free', T0)).toBeNull();
        expect(await store.writeKeyPausedUntil('fp_paused', T0 + 5000)).toBeNull();
        expect((await store.claimDeliveries('w1', T0 + 4999, 30_000, 10)).map((d) => d.id)).toEqual([f!.id]);
        expect(await store.claimDeliveries('w1', T0 + 5000, 30_000, 10)).toHaveLength(2);
      });

      it('releases the leases of a stopping worker', async () => {
        const webhook = await addWebhook();
        await addDeliveries(webhook, [{}, {}]);
        await store.claimDeliveries('stopping', T0, 60_000, 10);
        expect(await store.releaseLeases('other', T0 + 5)).toBe(0);
        expect(await store.releaseLeases('stopping', T0 + 5)).toBe(2);
        const again = await store.claimDeliveries('w2', T0 + 5, 60_000, 10);
        expect(again).toHaveLength(2);
        expect(again.every((d) => d.status === 'pending' && d.attemptCount === 0)).toBe(true);
      });
    });

    describe('claim at insert (insertDeliveries with a lease)', () => {
      const lease = (max = 100) => ({ owner: 'w1', now: T0, until: T0 + 60_000, max });

      it('inserts eligible new deliveries already leased and returns them as a claim would', async () => {
        const webhook = await addWebhook({ region: 'eu', writeKeyFingerprint: 'fp_lease' });
        const [a, b] = [deliveryFixture(webhook), deliveryFixture(webhook)];
        const results = await store.insertDeliveries([a!, b!], { lease: lease() });
        expect(results.map((r) => [r.id, r.created])).toEqual([
          [a!.id, true],
          [b!.id, true],
        ]);
        const claimed = results[0]!.claimed!;
        expect(claimed).toMatchObject({
          id: a!.id,
          status: 'pending',
          attemptCount: 0,
          countedAttempts: 0,
          nextAttemptAt: T0 + 60_000,
          messageId: a!.messageId,
          writeKeyCiphertext: webhook.writeKeyCiphertext,
          writeKeyFingerprint: 'fp_lease',
          region: 'eu',
        });
        expect(claimed.message).toEqual(a!.message);
        expect(results[1]!.claimed?.id).toBe(b!.id);
        // Leased: no other worker claims them while the lease runs.
        expect(await store.claimDeliveries('w2', T0 + 1000, 60_000, 10)).toEqual([]);
        // The owner completes them like claimed ones.
        expect(await store.completeAttempts('w2', [completion(a!.id, 1, 'delivered', T0 + 5)], T0 + 5)).toEqual([]);
        expect(await store.completeAttempts('w1', [completion(a!.id, 1, 'delivered', T0 + 5)], T0 + 5)).toEqual([
          a!.id,
        ]);
        const detail = await store.getDelivery('acct_a', webhook.id, a!.id);
        expect(detail).toMatchObject({ status: 'delivered', attemptCount: 1, deliveredAt: T0 + 5 });
        expect(detail!.attempts).toHaveLength(1);
        // A crash loses nothing: after the lease, any worker claims the rest.
        const again = await store.claimDeliveries('w2', T0 + 60_000, 60_000, 10);
        expect(again.map((d) => d.id)).toEqual([b!.id]);
      });

      it('leases at most `max`, never duplicates, and releases with the owner’s other leases', async () => {
        const webhook = await addWebhook();
        const [existing] = await addDeliveries(webhook, [{}]);
        const fresh = [deliveryFixture(webhook), deliveryFixture(webhook), deliveryFixture(webhook)];
        const results = await store.insertDeliveries(
          [fresh[0]!, fresh[1]!, deliveryFixture(webhook, { eventId: existing!.eventId }), fresh[2]!],
          { lease: lease(2) },
        );
        expect(results[2]).toMatchObject({ id: existing!.id, created: false });
        expect(results[2]!.claimed).toBeUndefined();
        expect(results.filter((r) => r.claimed).map((r) => r.id)).toEqual([fresh[0]!.id, fresh[1]!.id]);
        // The one over `max` and the pre-existing one are due as usual.
        const due = await store.claimDeliveries('w2', T0, 60_000, 10);
        expect(due.map((d) => d.id).sort()).toEqual([existing!.id, fresh[2]!.id].sort());
        expect(await store.releaseLeases('w1', T0 + 10)).toBe(2);
        const released = await store.claimDeliveries('w3', T0 + 10, 60_000, 10);
        expect(released.map((d) => d.id).sort()).toEqual([fresh[0]!.id, fresh[1]!.id].sort());
      });

      it('does not lease deliveries a claim could not take: held webhooks and paused keys', async () => {
        const sick = await addWebhook({ healthState: 'needs_attention', healthReason: 'refused', healthSince: T0 });
        const off = await addWebhook({ status: 'disconnected' });
        const paused = await addWebhook({ writeKeyFingerprint: 'fp_paused' });
        await store.pauseWriteKey('fp_paused', T0 + 5000);
        const results = await store.insertDeliveries(
          [deliveryFixture(sick), deliveryFixture(off), deliveryFixture(paused)],
          { lease: lease() },
        );
        expect(results.every((r) => r.created && r.claimed === undefined)).toBe(true);
        expect(results.map((r) => r.skipped === true)).toEqual([false, true, false]);
        // Still pending and due: claimed normally once the pause is over.
        const later = await store.claimDeliveries('w2', T0 + 5000, 60_000, 10);
        expect(later.map((d) => d.id)).toEqual([results[2]!.id]);
      });
    });

    describe('attempts', () => {
      it('records attempts and moves deliveries through retrying to delivered or failed', async () => {
        const webhook = await addWebhook();
        const [a, b] = await addDeliveries(webhook, [{}, {}]);
        await store.claimDeliveries('w1', T0, 30_000, 10);
        const applied = await store.completeAttempts(
          'w1',
          [completion(a!.id, 1, 'retrying', T0 + 10), completion(b!.id, 1, 'failed', T0 + 10)],
          T0 + 20,
        );
        expect(applied.sort()).toEqual([a!.id, b!.id].sort());
        const retrying = await store.getDelivery('acct_a', webhook.id, a!.id);
        expect(retrying).toMatchObject({
          status: 'retrying',
          attemptCount: 1,
          countedAttempts: 1,
          nextAttemptAt: T0 + 1010,
          updatedAt: T0 + 20,
          lastError: 'HTTP 503',
          lastHttpStatus: 503,
          deliveredAt: null,
        });
        expect(retrying?.attempts).toEqual([
          {
            number: 1,
            at: T0 + 10,
            httpStatus: 503,
            latencyMs: 12,
            outcome: 'retry',
            error: 'HTTP 503',
            responseBody: 'nope',
            configVersion: 1,
          },
        ]);
        expect(await store.getDelivery('acct_a', webhook.id, b!.id)).toMatchObject({
          status: 'failed',
          nextAttemptAt: null,
          lastHttpStatus: 400,
        });
        // Not due before its time; not claimable by a stale completion.
        expect(await store.claimDeliveries('w1', T0 + 1009, 30_000, 10)).toEqual([]);
        const [again] = await store.claimDeliveries('w1', T0 + 1010, 30_000, 10);
        expect(again?.id).toBe(a!.id);
        await store.completeAttempts(
          'w1',
          [
            completion(a!.id, 2, 'retrying', T0 + 1020, {
              counted: false,
              nextAttemptAt: T0 + 2000,
              attempt: {
                number: 2,
                at: T0 + 1020,
                httpStatus: 429,
                latencyMs: 3,
                outcome: 'retry',
                error: 'rate limited',
                responseBody: null,
                configVersion: 1,
              },
            }),
          ],
          T0 + 1020,
        );
        expect(await store.getDelivery('acct_a', webhook.id, a!.id)).toMatchObject({
          attemptCount: 2,
          countedAttempts: 1,
          lastHttpStatus: 429,
        });
        await store.claimDeliveries('w1', T0 + 2000, 30_000, 10);
        await store.completeAttempts('w1', [completion(a!.id, 3, 'delivered', T0 + 2005)], T0 + 2006);
        const delivered = await store.getDelivery('acct_a', webhook.id, a!.id);
        expect(delivered).toMatchObject({
          status: 'delivered',
          attemptCount: 3,
          deliveredAt: T0 + 2005,
          nextAttemptAt: null,
          lastError: null,
          lastHttpStatus: 200,
        });
        expect(delivered?.attempts.map((x) => x.number)).toEqual([1, 2, 3]);
        expect(await store.claimDeliveries('w1', T0 + 99_999, 30_000, 10)).toEqual([]);
      });

      it('skips completions of deliveries the worker does not hold', async () => {
        const webhook = await addWebhook();
        const [d] = await addDeliveries(webhook, [{}]);
        expect(await store.completeAttempts('w1', [completion(d!.id, 1, 'delivered', T0)], T0)).toEqual([]);
        expect((await store.getDelivery('acct_a', webhook.id, d!.id))?.status).toBe('pending');
      });

      it('resets the refused-batch count of webhooks with a delivered completion, not of others', async () => {
        const webhook = await addWebhook();
        const other = await addWebhook();
        const refused = (webhookId: string) => ({ webhookId, refused: true, reason: 'Segment answered 400' });
        await store.recordBatches([refused(webhook.id), refused(webhook.id), refused(other.id)], 5, T0);
        const [d, e] = await addDeliveries(webhook, [{}, {}]);
        const [f] = await addDeliveries(other, [{}]);
        await store.claimDeliveries('w1', T0, 30_000, 10);
        // A retry and a failure do not end a run of refused batches.
        await store.completeAttempts(
          'w1',
          [completion(d!.id, 1, 'retrying', T0 + 1), completion(f!.id, 1, 'failed', T0 + 1)],
          T0 + 1,
        );
        expect((await store.getWebhook('acct_a', webhook.id))?.refusedBatches).toBe(2);
        expect(await store.completeAttempts('w1', [completion(e!.id, 1, 'delivered', T0 + 2)], T0 + 2)).toEqual([
          e!.id,
        ]);
        expect((await store.getWebhook('acct_a', webhook.id))?.refusedBatches).toBe(0);
        expect((await store.getWebhook('acct_a', other.id))?.refusedBatches).toBe(1);
        // A completion the worker does not hold changes nothing.
        await store.recordBatches([refused(other.id)], 5, T0 + 3);
        await store.completeAttempts('w2', [completion(f!.id, 2, 'delivered', T0 + 3)], T0 + 3);
        expect((await store.getWebhook('acct_a', other.id))?.refusedBatches).toBe(2);
      });

      it('requeues failed deliveries with the same messageId and message, resetting counted attempts', async () => {
        const webhook = await addWebhook();
        const [a, b, c] = await addDeliveries(webhook, [{}, {}, {}]);
        await store.claimDeliveries('w1', T0, 30_000, 10);
        await store.completeAttempts(
          'w1',
          [
            completion(a!.id, 1, 'failed', T0 + 1),
            completion(b!.id, 1, 'failed', T0 + 1),
            completion(c!.id, 1, 'delivered', T0 + 1),
          ],
          T0 + 1,
        );
        expect(await store.requeueFailed('acct_a', webhook.id, T0 + 50, [a!.id, c!.id, 'missing'])).toEqual([a!.id]);
        expect(await store.requeueFailed('acct_b', webhook.id, T0 + 50)).toEqual([]);
        const requeued = await store.getDelivery('acct_a', webhook.id, a!.id);
        expect(requeued).toMatchObject({
          status: 'pending',
          messageId: a!.messageId,
          message: a!.message,
          attemptCount: 1,
          countedAttempts: 0,
          cycleStartedAt: T0 + 50,
          nextAttemptAt: T0 + 50,
          updatedAt: T0 + 50,
          createdAt: a!.createdAt,
        });
        expect(requeued?.attempts).toHaveLength(1);
        expect(await store.requeueFailed('acct_a', webhook.id, T0 + 60)).toEqual([b!.id]);
        const claimed = await store.claimDeliveries('w1', T0 + 60, 30_000, 10);
        expect(claimed.map((d) => d.id).sort()).toEqual([a!.id, b!.id].sort());
      });
    });

    describe('reading deliveries', () => {
      it('pages newest first with a stable keyset cursor, ties broken by id', async () => {
        const webhook = await addWebhook();
        const other = await addWebhook();
        const inputs = Array.from({ length: 25 }, (_, i) => ({
          id: `dlv_page_${String(i).padStart(2, '0')}`,
          createdAt: T0 + Math.floor(i / 3) * 1000,
        }));
        await addDeliveries(webhook, inputs);
        await addDeliveries(other, [{ createdAt: T0 + 500 }]);
        const expected = [...inputs]
          .sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1))
          .map((d) => d.id);
        const seen: string[] = [];
        let after: DeliveryCursor | null = null;
        for (;;) {
          const page = await store.listDeliveries('acct_a', webhook.id, {}, after, 7);
          seen.push(...page.map((d) => d.id));
          if (page.length < 7) break;
          const last = page[page.length - 1]!;
          after = { createdAt: last.createdAt, id: last.id };
          // A delivery inserted meanwhile (newer) neither duplicates nor shifts the pages.
          await addDeliveries(webhook, [{ createdAt: T0 + 100_000 }]);
        }
        expect(seen).toEqual(expected);
        expect(await store.listDeliveries('acct_b', webhook.id, {}, null, 50)).toEqual([]);
      });

      it('filters by status, person, event id and creation time', async () => {
        const webhook = await addWebhook();
        const [a, b, c] = await addDeliveries(webhook, [
          { createdAt: T0, personId: 'p_a', eventId: 'e_a' },
          { createdAt: T0 + HOUR, personId: 'p_b', eventId: 'e_b' },
          { createdAt: T0 + 2 * HOUR, personId: 'p_a', eventId: 'e_c' },
        ]);
        await store.claimDeliveries('w1', T0 + 3 * HOUR, 30_000, 1);
        await store.completeAttempts('w1', [completion(a!.id, 1, 'failed', T0 + 3 * HOUR)], T0 + 3 * HOUR);
        const ids = async (filter: Parameters<Store['listDeliveries']>[2]) =>
          (await store.listDeliveries('acct_a', webhook.id, filter, null, 50)).map((d) => d.id);
        expect(await ids({ status: 'failed' })).toEqual([a!.id]);
        expect(await ids({ status: 'pending' })).toEqual([c!.id, b!.id]);
        expect(await ids({ personId: 'p_a' })).toEqual([c!.id, a!.id]);
        expect(await ids({ eventId: 'e_b' })).toEqual([b!.id]);
        expect(await ids({ from: T0 + HOUR })).toEqual([c!.id, b!.id]);
        expect(await ids({ to: T0 + HOUR })).toEqual([a!.id]);
        expect(await ids({ from: T0, to: T0 + 2 * HOUR, personId: 'p_a' })).toEqual([a!.id]);
      });

      it('computes counts, buckets, last delivery and lag percentiles', async () => {
        const webhook = await addWebhook();
        const since = T0;
        const lags = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000];
        const inputs = lags.map((lag, i) => ({ createdAt: T0 + i, occurredAt: T0 + i - lag }));
        const delivered = await addDeliveries(webhook, inputs);
        const [failed] = await addDeliveries(webhook, [{ createdAt: T0 + 20 }]);
        await addDeliveries(webhook, [{ createdAt: T0 + 30 }]);
        await store.claimDeliveries('w1', T0 + 25, 30_000, 20);
        await store.completeAttempts(
          'w1',
          [
            ...delivered.map((d, i) =>
              // Delivered at createdAt; the first 4 in hour 0, the rest in hour 2.
              completion(d.id, 1, 'delivered', i < 4 ? d.createdAt : d.createdAt + 2 * HOUR),
            ),
            completion(failed!.id, 1, 'failed', T0 + 21),
          ],
          T0 + HOUR + 5,
        );
        // Re-express lag in terms of deliveredAt − occurredAt: hour-2 ones gain 2 h.
        const stats = await store.deliveryStats('acct_a', webhook.id, { since, until: T0 + 24 * HOUR, bucketMs: HOUR });
        expect(stats.counts).toEqual({ pending: 1, retrying: 0, delivered: 10, failed: 1, skipped: 0 });
        expect(stats.buckets).toEqual([
          { start: T0, delivered: 4, failed: 0 },
          { start: T0 + HOUR, delivered: 0, failed: 1 },
          { start: T0 + 2 * HOUR, delivered: 6, failed: 0 },
        ]);
        expect(stats.lastDeliveredAt).toBe(T0 + 9 + 2 * HOUR);
        // Sorted lags: 100..400 then 500+2h..1000+2h → p50 is rank 5, p95 rank 10.
        expect(stats.lagP50).toBe(500 + 2 * HOUR);
        expect(stats.lagP95).toBe(1000 + 2 * HOUR);
        const early = await store.deliveryStats('acct_a', webhook.id, { since, until: T0 + HOUR, bucketMs: HOUR });
        expect(early.buckets).toEqual([{ start: T0, delivered: 4, failed: 0 }]);
        expect(early.lagP50).toBe(200);
        expect(early.lagP95).toBe(400);
        const none = await store.deliveryStats('acct_b', webhook.id, { since, until: T0 + HOUR, bucketMs: HOUR });
        expect(none).toEqual({
          counts: { pending: 0, retrying: 0, delivered: 0, failed: 0, skipped: 0 },
          buckets: [],
          lastDeliveredAt: null,
          lagP50: null,
          lagP95: null,
        });
      });
    });

    describe('counts', () => {
      it('keep the status counts right through attempts, requeues, pruning and deletion', async () => {
        const webhook = await addWebhook({ status: 'disconnected' });
        await store.updateWebhook('acct_a', webhook.id, { status: 'active' });
        const inputs = await addDeliveries(webhook, [{}, {}, {}, {}]);
        await store.insertDeliveries([deliveryFixture(webhook, { eventId: inputs[0]!.eventId })]);
        const counts = async () =>
          (await store.deliveryStats('acct_a', webhook.id, { since: T0, until: T0 + HOUR, bucketMs: HOUR })).counts;
        expect(await counts()).toEqual({ pending: 4, retrying: 0, delivered: 0, failed: 0, skipped: 0 });
        await store.claimDeliveries('w1', T0, 30_000, 10);
        await store.completeAttempts(
          'w1',
          [
            completion(inputs[0]!.id, 1, 'delivered', T0 + 1),
            completion(inputs[1]!.id, 1, 'failed', T0 + 1),
            completion(inputs[2]!.id, 1, 'retrying', T0 + 1),
          ],
          T0 + 1,
        );
        // A stale completion changes nothing.
        await store.completeAttempts('w2', [completion(inputs[3]!.id, 1, 'delivered', T0 + 1)], T0 + 1);
        expect(await counts()).toEqual({ pending: 1, retrying: 1, delivered: 1, failed: 1, skipped: 0 });
        await store.requeueFailed('acct_a', webhook.id, T0 + 2);
        expect(await counts()).toEqual({ pending: 2, retrying: 1, delivered: 1, failed: 0, skipped: 0 });
        expect(await store.pruneDeliveries(T0 + HOUR, 10)).toBe(1);
        expect(await counts()).toEqual({ pending: 2, retrying: 1, delivered: 0, failed: 0, skipped: 0 });
        // Skipped while disconnected; requeued (backfill); dropped by archiving.
        await store.updateWebhook('acct_a', webhook.id, { status: 'disconnected' });
        const skipped = await addDeliveries(webhook, [{}, {}, {}]);
        expect(await counts()).toEqual({ pending: 2, retrying: 1, delivered: 0, failed: 0, skipped: 3 });
        await store.requeueDeliveries('acct_a', webhook.id, T0 + 3, [skipped[0]!.id], ['skipped']);
        expect(await counts()).toEqual({ pending: 3, retrying: 1, delivered: 0, failed: 0, skipped: 2 });
        await store.updateWebhook('acct_a', webhook.id, { status: 'archived' });
        await store.deleteWebhook('acct_a', webhook.id, ['archived']);
        await store.insertWebhook({ ...webhook, status: 'active' });
        expect(await counts()).toEqual({ pending: 0, retrying: 0, delivered: 0, failed: 0, skipped: 0 });
      });
    });

    describe('gauges and readiness (queueStats, checkHealth)', () => {
      const EMPTY = { pending: 0, retrying: 0, held: 0, oldestUnfinishedAt: null, webhooksNeedingAttention: 0 };

      it('count unfinished deliveries by status, held ones apart, and the oldest cycle not held', async () => {
        expect(await store.queueStats()).toEqual(EMPTY);
        const sending = await addWebhook();
        const other = await addWebhook({ writeKeyFingerprint: 'fp_2' });
        // Deliveries go in while their webhook is active (an inactive webhook's are recorded as skipped), then
        // the webhook is disconnected or archived and holds them.
        const disconnected = await addWebhook();
        const attention = await addWebhook({ healthState: 'needs_attention', healthReason: 'x', healthSince: T0 });
        const archivedAttention = await addWebhook({
          healthState: 'needs_attention',
          healthReason: 'x',
          healthSince: T0,
        });
        const [a1, a2, a3] = await addDeliveries(sending, [
          { createdAt: T0 + 30 },
          { createdAt: T0 + 10 },
          { createdAt: T0 + 20 },
        ]);
        await addDeliveries(other, [{ createdAt: T0 + 40 }]);
        await addDeliveries(disconnected, [{ createdAt: T0 }, { createdAt: T0 + 1 }]);
        await addDeliveries(attention, [{ createdAt: T0 + 2 }]);
        await addDeliveries(archivedAttention, [{ createdAt: T0 + 3 }]);
        await store.updateWebhook('acct_a', disconnected.id, { status: 'disconnected' });
        await store.updateWebhook('acct_a', archivedAttention.id, { status: 'archived' });
        expect(await store.queueStats()).toEqual({
          pending: 4,
          retrying: 0,
          held: 4,
          oldestUnfinishedAt: T0 + 10,
          webhooksNeedingAttention: 1,
        });
        // A claim leases deliveries: still unfinished. Then one is delivered, one retried, one failed.
        await store.claimDeliveries('w1', T0 + 100, 30_000, 10);
        expect((await store.queueStats()).pending).toBe(4);
        await store.completeAttempts(
          'w1',
          [
            completion(a2!.id, 1, 'retrying', T0 + 101),
            completion(a3!.id, 1, 'delivered', T0 + 101),
            completion(a1!.id, 1, 'failed', T0 + 101),
          ],
          T0 + 101,
        );
        expect(await store.queueStats()).toEqual({
          pending: 1,
          retrying: 1,
          held: 4,
          // The retried delivery keeps its cycle: it has been owed since it was created.
          oldestUnfinishedAt: T0 + 10,
          webhooksNeedingAttention: 1,
        });
        // A manual retry starts a new cycle.
        await store.requeueFailed('acct_a', sending.id, T0 + 200);
        expect((await store.queueStats()).pending).toBe(2);
        // Disconnecting the webhook holds its deliveries; the other webhook's is then the oldest.
        await store.updateWebhook('acct_a', sending.id, { status: 'disconnected' });
        expect(await store.queueStats()).toEqual({
          pending: 1,
          retrying: 0,
          held: 6,
          oldestUnfinishedAt: T0 + 40,
          webhooksNeedingAttention: 1,
        });
        await store.updateWebhook('acct_a', attention.id, {
          healthState: 'healthy',
          healthReason: null,
          healthSince: null,
        });
        expect(await store.queueStats()).toMatchObject({ pending: 2, held: 5, oldestUnfinishedAt: T0 + 2 });
        expect((await store.queueStats()).webhooksNeedingAttention).toBe(0);
      });

      it('tell a webhook tipped by recordBatches in the needing-attention gauge', async () => {
        const webhook = await addWebhook();
        await addDeliveries(webhook, [{}]);
        await store.recordBatches([{ webhookId: webhook.id, refused: true, reason: 'HTTP 401' }], 1, T0);
        expect(await store.queueStats()).toEqual({
          pending: 0,
          retrying: 0,
          held: 1,
          oldestUnfinishedAt: null,
          webhooksNeedingAttention: 1,
        });
      });

      it('report the schema as migrated and the storage as ok', async () => {
        const health = await store.checkHealth();
        expect(health.storage).toBe('ok');
        expect(health.expectedSchemaVersion).toBeGreaterThan(0);
        expect(health.schemaVersion).toBeGreaterThanOrEqual(health.expectedSchemaVersion);
        // Read-only: nothing the other methods read changes.
        expect(await store.queueStats()).toEqual(EMPTY);
      });

      it('update a webhook on its health state atomically: of two concurrent recoveries, one wins', async () => {
        const webhook = await addWebhook({ healthState: 'needs_attention', healthReason: 'x', healthSince: T0 });
        const healthy = { healthState: 'healthy', healthReason: null, healthSince: null, refusedBatches: 0 } as const;
        const results = await Promise.all([
          store.updateWebhook('acct_a', webhook.id, healthy, undefined, { ifHealth: 'needs_attention' }),
          store.updateWebhook('acct_a', webhook.id, healthy, undefined, { ifHealth: 'needs_attention' }),
        ]);
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect(
          await store.updateWebhook('acct_a', webhook.id, { name: 'n' }, undefined, { ifHealth: 'needs_attention' }),
        ).toBeNull();
        expect((await store.getWebhook('acct_a', webhook.id))?.name).toBe(webhook.name);
        expect(
          (await store.updateWebhook('acct_a', webhook.id, { name: 'n' }, ['active'], { ifHealth: 'healthy' }))?.name,
        ).toBe('n');
      });
    });

    describe('retention', () => {
      it('prunes finished deliveries older than the cut-off, in bounded batches', async () => {
        const webhook = await addWebhook();
        const old = await addDeliveries(
          webhook,
          Array.from({ length: 5 }, (_, i) => ({ createdAt: T0 + i })),
        );
        const [oldPending] = await addDeliveries(webhook, [{ createdAt: T0 + 10 }]);
        const [recent] = await addDeliveries(webhook, [{ createdAt: T0 + 10 * HOUR }]);
        await store.claimDeliveries('w1', T0 + 9, 30_000, 5);
        await store.completeAttempts(
          'w1',
          old.map((d) => completion(d.id, 1, 'delivered', T0 + 20)),
          T0 + 20,
        );
        await store.claimDeliveries('w1', T0 + 20 * HOUR, 30_000, 10);
        await store.completeAttempts('w1', [completion(recent!.id, 1, 'delivered', T0 + 20 * HOUR)], T0 + 20 * HOUR);
        expect(await store.pruneDeliveries(T0 + HOUR, 3)).toBe(3);
        expect(await store.pruneDeliveries(T0 + HOUR, 3)).toBe(2);
        expect(await store.pruneDeliveries(T0 + HOUR, 3)).toBe(0);
        const left = await store.listDeliveries('acct_a', webhook.id, {}, null, 50);
        expect(left.map((d) => d.id).sort()).toEqual([oldPending!.id, recent!.id].sort());
      });
    });

    describe('notifications', () => {
      it('signals work after inserts, requeues and signalWork, and stops after unsubscribe', async () => {
        const webhook = await addWebhook();
        let work = 0;
        const unsubscribe = store.onWork(() => {
          work += 1;
        });
        await addDeliveries(webhook, [{}]);
        await waitUntil(() => work >= 1);
        const before = work;
        await store.signalWork();
        await waitUntil(() => work > before);
        unsubscribe();
        unsubscribe();
        const after = work;
        await store.signalWork();
        await addDeliveries(webhook, [{}]);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(work).toBe(after);
      });

      it('announces changes per webhook after inserts and attempts', async () => {
        const a = await addWebhook();
        const b = await addWebhook();
        const notices: { webhookId: string; deliveryIds: string[] }[] = [];
        const unsubscribe = store.onChanges((notice) => notices.push(notice));
        const [da] = await addDeliveries(a, [{}]);
        const [db] = await addDeliveries(b, [{}]);
        await waitUntil(() => notices.length >= 2);
        await store.claimDeliveries('w1', T0, 30_000, 10);
        await store.completeAttempts('w1', [completion(da!.id, 1, 'delivered', T0 + 1)], T0 + 1);
        await waitUntil(() => notices.length >= 3);
        unsubscribe();
        expect(notices.filter((n) => n.webhookId === b.id).flatMap((n) => n.deliveryIds)).toEqual([db!.id]);
        expect(notices.filter((n) => n.webhookId === a.id).flatMap((n) => n.deliveryIds)).toEqual([da!.id, da!.id]);
      });
    });

    describe('times at the Store boundary are integer milliseconds (generated inputs)', () => {
      // Modest run counts: each run is a few statements, and the suite also runs on PostgreSQL.
      const RUNS = 20;

      /** A due delivery of a fresh webhook, claimed by `w1` at its creation time. */
      async function claimedDelivery(createdAt: number, overrides: Partial<WebhookRecord> = {}) {
        const webhook = await addWebhook(overrides);
        const [delivery] = await addDeliveries(webhook, [{ createdAt, occurredAt: createdAt }]);
        const claimed = await store.claimDeliveries('w1', createdAt, 30_000, 10);
        expect(claimed.map((d) => d.id)).toEqual([delivery!.id]);
        return { webhook, delivery: delivery! };
      }

      /** Records a retry due at `nextAttemptAt`, checks it reads back exactly and is due exactly then, then finishes it. */
      async function retryRoundTrips(at: number, nextAttemptAt: number): Promise<void> {
        const { webhook, delivery } = await claimedDelivery(at);
        const applied = await store.completeAttempts(
          'w1',
          [completion(delivery.id, 1, 'retrying', at, { nextAttemptAt })],
          at,
        );
        expect(applied).toEqual([delivery.id]);
        const stored = await store.getDelivery('acct_a', webhook.id, delivery.id);
        expect(stored?.nextAttemptAt).toBe(nextAttemptAt);
        expect(stored?.attempts[0]?.at).toBe(at);
        // Not claimable a millisecond early; claimable exactly when due.
        if (nextAttemptAt > at) expect(await store.claimDeliveries('w1', nextAttemptAt - 1, 30_000, 10)).toEqual([]);
        const due = await store.claimDeliveries('w1', nextAttemptAt, 30_000, 10);
        expect(due.map((d) => d.id)).toEqual([delivery.id]);
        expect(due[0]!.attemptCount).toBe(1);
        // Finished, so that the next run's claims see only their own delivery.
        await store.completeAttempts('w1', [completion(delivery.id, 2, 'delivered', nextAttemptAt)], nextAttemptAt);
      }

      it('stores a jittered backoff delay, computed as the worker does, as an exact integer due exactly then', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.record({
              // A clock with sub-millisecond precision (performance.now-based hosts) and fractional policies.
              clock: fc.double({ min: T0, max: T0 + HOUR, noNaN: true }),
              baseDelayMs: fc.double({ min: 0.1, max: 2000, noNaN: true }),
              factor: fc.double({ min: 1, max: 3, noNaN: true }),
              attempt: fc.integer({ min: 0, max: 12 }),
              jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
            }),
            async ({ clock, baseDelayMs, factor, attempt, jitter }) => {
              const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs, factor };
              const delay = backoffDelay(policy, attempt, () => jitter);
              expect(Number.isInteger(delay)).toBe(true);
              // The worker's arithmetic: its clock ceiled to whole ms, then the retry time ceiled.
              const at = Math.ceil(clock);
              await retryRoundTrips(at, Math.ceil(at + delay));
            },
          ),
          { numRuns: RUNS },
        );
      });

      it('stores a Retry-After in seconds or as an HTTP date as an exact integer due exactly then, pausing the key exactly', async () => {
        const seconds = fc.oneof(
          fc.integer({ min: 0, max: 300 }).map(String),
          fc
            .tuple(fc.integer({ min: 0, max: 299 }), fc.integer({ min: 1, max: 999 }))
            .map(([whole, fraction]) => `${whole}.${fraction}`),
        );
        const httpDate = fc
          .integer({ min: -5, max: 300 })
          .map((offset) => ({ offset }))
          .map(
            ({ offset }) =>
              (clock: number) =>
                new Date(Math.floor(clock / 1000) * 1000 + offset * 1000).toUTCString(),
          );
        await fc.assert(
          fc.asyncProperty(
            fc.double({ min: T0, max: T0 + HOUR, noNaN: true }),
            fc.oneof(
              seconds.map((value) => () => value),
              httpDate,
            ),
            async (clock, header) => {
              const retryAfterMs = parseRetryAfter(header(clock), clock);
              expect(retryAfterMs).not.toBeNull();
              expect(Number.isInteger(retryAfterMs)).toBe(true);
              const at = Math.ceil(clock);
              const nextAttemptAt = Math.ceil(at + retryAfterMs!);
              const fingerprint = `fp_retry_after_${++sequence}`;
              await store.pauseWriteKey(fingerprint, nextAttemptAt);
              expect(await store.writeKeyPausedUntil(fingerprint, nextAttemptAt - 1)).toBe(nextAttemptAt);
              expect(await store.writeKeyPausedUntil(fingerprint, nextAttemptAt)).toBeNull();
              await retryRoundTrips(at, nextAttemptAt);
            },
          ),
          { numRuns: RUNS },
        );
      });

      it('round-trips far-future and past times exactly, from 0 up to 8.64e15', async () => {
        const time = fc.oneof(fc.constantFrom(0, 1, 8.64e15 - 60_000, 8.64e15), fc.integer({ min: 0, max: 8.64e15 }));
        await fc.assert(
          fc.asyncProperty(time, time, time, async (createdAt, occurredAt, retryAt) => {
            const webhook = await addWebhook({ createdAt, updatedAt: retryAt, healthSince: null });
            expect(await store.getWebhook('acct_a', webhook.id)).toEqual(webhook);
            const [delivery] = await addDeliveries(webhook, [{ createdAt, occurredAt }]);
            const claimed = await store.claimDeliveries('w1', createdAt, 60_000, 10);
            expect(claimed.map((d) => [d.id, d.occurredAt, d.createdAt, d.nextAttemptAt])).toEqual([
              [delivery!.id, occurredAt, createdAt, createdAt + 60_000],
            ]);
            await store.completeAttempts(
              'w1',
              [completion(delivery!.id, 1, 'retrying', occurredAt, { nextAttemptAt: retryAt })],
              createdAt,
            );
            expect(await store.getDelivery('acct_a', webhook.id, delivery!.id)).toMatchObject({
              occurredAt,
              createdAt,
              updatedAt: createdAt,
              cycleStartedAt: createdAt,
              nextAttemptAt: retryAt,
              attempts: [{ at: occurredAt }],
            });
            const listed = await store.listDeliveries(
              'acct_a',
              webhook.id,
              { from: createdAt, to: createdAt + 1 },
              null,
              5,
            );
            expect(listed.map((d) => d.id)).toEqual([delivery!.id]);
            const before = await store.listDeliveries(
              'acct_a',
              webhook.id,
              {},
              { createdAt, id: `${delivery!.id}~` },
              5,
            );
            expect(before.map((d) => d.id)).toEqual([delivery!.id]);
            const fingerprint = `fp_far_${++sequence}`;
            await store.pauseWriteKey(fingerprint, retryAt);
            expect(await store.writeKeyPausedUntil(fingerprint, 0)).toBe(retryAt > 0 ? retryAt : null);
            // Finished, so that the next run's claims see only their own delivery.
            const again = await store.claimDeliveries('w1', retryAt, 60_000, 10);
            expect(again.map((d) => d.id)).toEqual([delivery!.id]);
            await store.completeAttempts('w1', [completion(delivery!.id, 2, 'delivered', retryAt)], retryAt);
            expect((await store.getDelivery('acct_a', webhook.id, delivery!.id))?.deliveredAt).toBe(retryAt);
          }),
          { numRuns: RUNS },
        );
      });

      it('refuses a time that is not an integer with a TypeError naming it, and changes nothing', async () => {
        const webhook = await addWebhook({ writeKeyFingerprint: 'fp_refuse' });
        const [held] = await addDeliveries(webhook, [{ createdAt: T0 }]);
        await store.claimDeliveries('w1', T0, 60_000, 10);
        const [due] = await addDeliveries(webhook, [{ createdAt: T0 + 1 }]);
        const [failed] = await addDeliveries(webhook, [{ createdAt: T0 + 2 }]);
        await store.claimDeliveries('w2', T0 + 2, 60_000, 10);
        await store.completeAttempts('w2', [completion(failed!.id, 1, 'failed', T0 + 2)], T0 + 2);
        await store.claimDeliveries('w3', T0 + 1, 60_000, 10);
        await store.releaseLeases('w3', T0 + 1);
        const snapshot = async () => ({
          webhooks: await store.listWebhooks('acct_a'),
          deliveries: await Promise.all(
            [held!, due!, failed!].map((d) => store.getDelivery('acct_a', webhook.id, d.id)),
          ),
          page: await store.listDeliveries('acct_a', webhook.id, {}, null, 50),
          paused: await store.writeKeyPausedUntil('fp_refuse', T0),
        });
        const before = await snapshot();
        const notInteger = fc.oneof(
          fc.double({ noNaN: false }).filter((x) => !Number.isSafeInteger(x)),
          fc.constantFrom(0.5, T0 + 0.25, 1796404344772.898, Number.NaN, Number.POSITIVE_INFINITY, -Infinity, 2 ** 53),
        );
        type Call = { name: string; run: (bad: number) => Promise<unknown> };
        const good = (id: string) => deliveryFixture(webhook, { id, createdAt: T0 + 3 });
        const calls: Call[] = [
          { name: 'webhook.createdAt', run: (bad) => store.insertWebhook(webhookFixture({ createdAt: bad })) },
          { name: 'webhook.healthSince', run: (bad) => store.insertWebhook(webhookFixture({ healthSince: bad })) },
          {
            name: 'patch.updatedAt',
            run: (bad) => store.updateWebhook('acct_a', webhook.id, { name: 'Renamed', updatedAt: bad }),
          },
          {
            name: 'deliveries[1].createdAt',
            run: (bad) => store.insertDeliveries([good(uid('dlv')), { ...deliveryFixture(webhook), createdAt: bad }]),
          },
          {
            name: 'deliveries[0].occurredAt',
            run: (bad) => store.insertDeliveries([deliveryFixture(webhook, { createdAt: T0, occurredAt: bad })]),
          },
          {
            name: 'options.lease.until',
            run: (bad) =>
              store.insertDeliveries([good(uid('dlv'))], { lease: { owner: 'w9', now: T0, until: bad, max: 1 } }),
          },
          { name: 'now', run: (bad) => store.claimDeliveries('w9', bad, 60_000, 10) },
          { name: 'leaseMs', run: (bad) => store.claimDeliveries('w9', T0 + HOUR, bad, 10) },
          {
            name: 'completions[0].attempt.at',
            run: (bad) => store.completeAttempts('w1', [completion(held!.id, 1, 'delivered', bad)], T0 + 5),
          },
          {
            name: 'completions[0].nextAttemptAt',
            run: (bad) =>
              store.completeAttempts('w1', [completion(held!.id, 1, 'retrying', T0 + 5, { nextAttemptAt: bad })], T0),
          },
          {
            name: 'now',
            run: (bad) => store.completeAttempts('w1', [completion(held!.id, 1, 'delivered', T0 + 5)], bad),
          },
          { name: 'now', run: (bad) => store.releaseLeases('w1', bad) },
          { name: 'until', run: (bad) => store.pauseWriteKey('fp_refuse', bad) },
          { name: 'now', run: (bad) => store.requeueFailed('acct_a', webhook.id, bad) },
          {
            name: 'now',
            run: (bad) => store.recordBatches([{ webhookId: webhook.id, refused: true, reason: 'x' }], 1, bad),
          },
          { name: 'olderThan', run: (bad) => store.pruneDeliveries(bad, 10) },
          { name: 'filter.from', run: (bad) => store.listDeliveries('acct_a', webhook.id, { from: bad }, null, 5) },
          {
            name: 'after.createdAt',
            run: (bad) => store.listDeliveries('acct_a', webhook.id, {}, { createdAt: bad, id: 'x' }, 5),
          },
          {
            name: 'query.bucketMs',
            run: (bad) => store.deliveryStats('acct_a', webhook.id, { since: T0, until: T0 + HOUR, bucketMs: bad }),
          },
        ];
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...calls), notInteger, async (call, bad) => {
            const error = await call.run(bad).then(
              () => null,
              (thrown: unknown) => thrown,
            );
            expect(error).toBeInstanceOf(TypeError);
            expect((error as Error).message).toContain(call.name);
            expect(await snapshot()).toEqual(before);
          }),
          { numRuns: 3 * RUNS },
        );
      });
    });

    describe('completions racing and late', () => {
      it('applies concurrent completions of one claim exactly once: one attempt, attemptCount + 1', async () => {
        const webhook = await addWebhook();
        const status = fc.constantFrom<AttemptCompletion['status']>('delivered', 'retrying', 'failed');
        await fc.assert(
          fc.asyncProperty(
            fc.array(status, { minLength: 2, maxLength: 4 }),
            fc.boolean(),
            async (statuses, oneCall) => {
              const [delivery] = await addDeliveries(webhook, [{ createdAt: T0 }]);
              await store.claimDeliveries('w1', T0 + HOUR, 60_000, 10);
              const completions = statuses.map((s) => completion(delivery!.id, 1, s, T0 + HOUR + 1));
              const applied = oneCall
                ? [await store.completeAttempts('w1', completions, T0 + HOUR + 1)]
                : await Promise.all(completions.map((c) => store.completeAttempts('w1', [c], T0 + HOUR + 1)));
              expect(applied.flat()).toEqual([delivery!.id]);
              const stored = await store.getDelivery('acct_a', webhook.id, delivery!.id);
              expect(stored?.attemptCount).toBe(1);
              expect(stored?.attempts).toHaveLength(1);
              // Whichever won, the delivery is in its state; finish a retry so the next run claims only its own.
              if (stored?.status === 'retrying') {
                await store.claimDeliveries('w1', stored.nextAttemptAt!, 60_000, 10);
                await store.completeAttempts('w1', [completion(delivery!.id, 2, 'delivered', T0 + 2 * HOUR)], T0);
              }
            },
          ),
          { numRuns: 15 },
        );
      });

      it('skips a completion after the lease expired and another owner claimed the delivery', async () => {
        const webhook = await addWebhook();
        const [delivery] = await addDeliveries(webhook, [{}]);
        await store.claimDeliveries('slow', T0, 1000, 10);
        expect((await store.claimDeliveries('fast', T0 + 1000, 1000, 10)).map((d) => d.id)).toEqual([delivery!.id]);
        expect(
          await store.completeAttempts('slow', [completion(delivery!.id, 1, 'failed', T0 + 1500)], T0 + 1500),
        ).toEqual([]);
        expect(await store.getDelivery('acct_a', webhook.id, delivery!.id)).toMatchObject({
          status: 'pending',
          attemptCount: 0,
          nextAttemptAt: T0 + 2000,
          attempts: [],
        });
        expect(
          await store.completeAttempts('fast', [completion(delivery!.id, 1, 'delivered', T0 + 1600)], T0 + 1600),
        ).toEqual([delivery!.id]);
      });

      it('applies a completion after the lease expired when no one claimed the delivery since (the attempt happened)', async () => {
        const webhook = await addWebhook();
        const [delivery] = await addDeliveries(webhook, [{}]);
        await store.claimDeliveries('slow', T0, 1000, 10);
        expect(
          await store.completeAttempts('slow', [completion(delivery!.id, 1, 'delivered', T0 + 5000)], T0 + 5000),
        ).toEqual([delivery!.id]);
        expect(await store.getDelivery('acct_a', webhook.id, delivery!.id)).toMatchObject({
          status: 'delivered',
          attemptCount: 1,
          deliveredAt: T0 + 5000,
          nextAttemptAt: null,
        });
        // Released leases, by contrast, are no longer the owner's.
        const [other] = await addDeliveries(webhook, [{}]);
        await store.claimDeliveries('slow', T0, 1000, 10);
        await store.releaseLeases('slow', T0 + 10);
        expect(await store.completeAttempts('slow', [completion(other!.id, 1, 'delivered', T0 + 20)], T0 + 20)).toEqual(
          [],
        );
      });
    });

    describe('fair share across write keys', () => {
      it('shares a claim between write keys: a backlog does not hold back another key’s due delivery', async () => {
        const big = await addWebhook({ writeKeyFingerprint: 'fp_big' });
        const small = await addWebhook({ writeKeyFingerprint: 'fp_small' });
        const backlog = await addDeliveries(
          big,
          Array.from({ length: 20 }, (_, i) => ({ createdAt: T0 + i })),
        );
        const [newest] = await addDeliveries(small, [{ createdAt: T0 + 100 }]);
        // In due order the small key's delivery would be 21st; in turns it is in the first claim.
        const claimed = await store.claimDeliveries('w1', T0 + 100, 60_000, 5);
        expect(claimed.map((d) => d.id)).toEqual([...backlog.slice(0, 4).map((d) => d.id), newest!.id]);
        // With nothing else due, a key takes the whole claim.
        const rest = await store.claimDeliveries('w1', T0 + 100, 60_000, 100);
        expect(rest.map((d) => d.id)).toEqual(backlog.slice(4).map((d) => d.id));
      });

      it('gives every key with due work an equal turn, webhooks of one key sharing it, older first in the last turn', async () => {
        const a1 = await addWebhook({ writeKeyFingerprint: 'fp_a' });
        const a2 = await addWebhook({ writeKeyFingerprint: 'fp_a' });
        const b = await addWebhook({ writeKeyFingerprint: 'fp_b' });
        const c = await addWebhook({ writeKeyFingerprint: 'fp_c' });
        const held = await addWebhook({ writeKeyFingerprint: 'fp_held', status: 'disconnected' });
        const paused = await addWebhook({ writeKeyFingerprint: 'fp_paused' });
        await store.pauseWriteKey('fp_paused', T0 + HOUR);
        const a1s = await addDeliveries(
          a1,
          Array.from({ length: 6 }, (_, i) => ({ createdAt: T0 + 2 * i })),
        );
        const a2s = await addDeliveries(
          a2,
          Array.from({ length: 6 }, (_, i) => ({ createdAt: T0 + 2 * i + 1 })),
        );
        const bs = await addDeliveries(
          b,
          Array.from({ length: 6 }, (_, i) => ({ createdAt: T0 + 50 + i })),
        );
        const [cOnly] = await addDeliveries(c, [{ createdAt: T0 + 60 }]);
        await addDeliveries(held, [{ createdAt: T0 }]);
        await addDeliveries(paused, [{ createdAt: T0 }]);
        // 8 = turns 1–3 of fp_a and fp_b (6), fp_c's only one (1), and the older of the two 4th turns (fp_a's).
        const claimed = await store.claimDeliveries('w1', T0 + 100, 60_000, 8);
        const a = [...a1s, ...a2s].sort((x, y) => x.createdAt - y.createdAt);
        expect(claimed.map((d) => d.id)).toEqual(
          [...a.slice(0, 4), ...bs.slice(0, 3), cOnly!].sort((x, y) => x.createdAt - y.createdAt).map((d) => d.id),
        );
        expect(claimed.every((d) => d.writeKeyFingerprint !== 'fp_held' && d.writeKeyFingerprint !== 'fp_paused')).toBe(
          true,
        );
      });
    });

    describe('where the stores could differ, they agree', () => {
      it(`computes lag percentiles over the latest ${LAG_SAMPLE_SIZE.toLocaleString('en-US')} deliveries of the range`, async () => {
        const webhook = await addWebhook();
        // 600 older deliveries lag 1,000,000 ms, the latest LAG_SAMPLE_SIZE lag 100 ms: over all of them p95
        // would be 1,000,000 (rank ceil(0.95 × 10,600) = 10,070 > 10,000); over the latest, 100.
        const old = 600;
        const inputs = Array.from({ length: old + LAG_SAMPLE_SIZE }, (_, i) => ({
          createdAt: T0 + i,
          occurredAt: T0 + i - (i < old ? 1_000_000 : 100),
        }));
        const deliveries = await addDeliveries(webhook, inputs);
        await store.claimDeliveries('w1', T0 + inputs.length, 60_000, inputs.length);
        await store.completeAttempts(
          'w1',
          deliveries.map((d) => completion(d.id, 1, 'delivered', d.createdAt)),
          T0 + inputs.length,
        );
        const stats = await store.deliveryStats('acct_a', webhook.id, {
          since: T0,
          until: T0 + HOUR,
          bucketMs: HOUR,
        });
        expect(stats.counts.delivered).toBe(inputs.length);
        expect(stats.lagP50).toBe(100);
        expect(stats.lagP95).toBe(100);
        // A range that holds only the old ones sees them all.
        const early = await store.deliveryStats('acct_a', webhook.id, { since: T0, until: T0 + old, bucketMs: HOUR });
        expect(early.lagP95).toBe(1_000_000);
      });

      it('refuses deliveries of a webhook that does not exist, writing nothing of the call, and others go in', async () => {
        const webhook = await addWebhook();
        const ghost = webhookFixture({ id: uid('wh_ghost') });
        const good = deliveryFixture(webhook);
        const orphan = deliveryFixture(ghost);
        const alongside = deliveryFixture(webhook);
        const [bad, fine] = await Promise.allSettled([
          store.insertDeliveries([good, orphan]),
          store.insertDeliveries([alongside]),
        ]);
        expect(bad.status).toBe('rejected');
        expect(fine).toEqual({
          status: 'fulfilled',
          value: [{ id: alongside.id, messageId: alongside.messageId, created: true }],
        });
        expect((await store.getDeliveries([good.id, orphan.id, alongside.id])).map((d) => d.id)).toEqual([
          alongside.id,
        ]);
        // Deleted webhooks take everything with them: nothing is left to claim or to count.
        await store.updateWebhook('acct_a', webhook.id, { status: 'archived' });
        expect(await store.deleteWebhook('acct_a', webhook.id, ['archived'])).toBe(true);
        expect(await store.getDeliveries([alongside.id])).toEqual([]);
        await expect(store.insertDeliveries([deliveryFixture(webhook)])).rejects.toThrow();
        expect(await store.claimDeliveries('w1', T0 + HOUR, 60_000, 10)).toEqual([]);
      });
    });

    describe('support tools: skipped, requeue, history, search, export, samples (issue 15)', () => {
      it('records deliveries of a webhook that is not active as skipped: never claimed, counted, pruned, dropped by archiving', async () => {
        const webhook = await addWebhook({ status: 'disconnected', disconnectedAt: T0 - 10 });
        const changes: string[] = [];
        const stopChanges = store.onChanges((notice) => changes.push(...notice.deliveryIds));
        const inputs = [
          deliveryFixture(webhook, { createdAt: T0 }),
          deliveryFixture(webhook, { createdAt: T0 + 1 }),
          deliveryFixture(webhook, { createdAt: T0 + 2 }),
        ];
        const results = await store.insertDeliveries(inputs, {
          lease: { owner: 'w1', now: T0, until: T0 + 60_000, max: 10 },
        });
        expect(results).toEqual(
          inputs.map((d) => ({ id: d.id, messageId: d.messageId, created: true, skipped: true })),
        );
        // A repeat of the same event is the existing skipped delivery.
        expect(await store.insertDeliveries([deliveryFixture(webhook, { eventId: inputs[0]!.eventId })])).toEqual([
          { id: inputs[0]!.id, messageId: inputs[0]!.messageId, created: false },
        ]);
        // They show in the live feed (work notices are best effort: nothing here is due, as claims show).
        await waitUntil(() => changes.length >= 3);
        stopChanges();
        expect(await store.getDelivery('acct_a', webhook.id, inputs[0]!.id)).toMatchObject({
          status: 'skipped',
          nextAttemptAt: null,
          attemptCount: 0,
          createdAt: T0,
        });
        await store.updateWebhook('acct_a', webhook.id, { status: 'active', disconnectedAt: null });
        expect(await store.claimDeliveries('w1', T0 + HOUR, 30_000, 10)).toEqual([]);
        const page = await store.listDeliveries('acct_a', webhook.id, { status: 'skipped' }, null, 10);
        expect(page.map((d) => d.id)).toEqual([inputs[2]!.id, inputs[1]!.id, inputs[0]!.id]);
        expect(await store.countSkipped('acct_a', webhook.id, T0 + 1)).toBe(2);
        expect(await store.countSkipped('acct_a', webhook.id, T0)).toBe(3);
        expect(await store.countSkipped('acct_b', webhook.id, T0)).toBe(0);
        // Retention applies to them as to finished deliveries.
        expect(await store.pruneDeliveries(T0 + 1, 10)).toBe(1);
        expect(await store.countSkipped('acct_a', webhook.id, 0)).toBe(2);
        // Archiving drops the skipped ones, not the others.
        const [kept] = await addDeliveries(webhook, [{ createdAt: T0 + 5 }]);
        await store.updateWebhook('acct_a', webhook.id, { status: 'disconnected', disconnectedAt: T0 + 6 });
        await store.updateWebhook('acct_a', webhook.id, { status: 'archived' });
        expect(await store.countSkipped('acct_a', webhook.id, 0)).toBe(0);
        const left = await store.listDeliveries('acct_a', webhook.id, {}, null, 10);
        expect(left.map((d) => [d.id, d.status])).toEqual([[kept!.id, 'pending']]);
        const stats = await store.deliveryStats('acct_a', webhook.id, { since: T0, until: T0 + HOUR, bucketMs: HOUR });
        expect(stats.counts).toEqual({ pending: 1, retrying: 0, delivered: 0, failed: 0, skipped: 0 });
      });

      it('requeues deliveries of the given statuses as new attempts of the same delivery, keeping messageId, message and first acceptance', async () => {
        const webhook = await addWebhook();
        const [a, b, c, d] = await addDeliveries(webhook, [
          { createdAt: T0 },
          { createdAt: T0 + 1 },
          { createdAt: T0 + 2 },
          { createdAt: T0 + 3 },
        ]);
        // d stays pending, unclaimed.
        await store.claimDeliveries('w1', T0 + 10, 30_000, 3);
        await store.completeAttempts(
          'w1',
          [
            completion(a!.id, 1, 'delivered', T0 + 11),
            completion(b!.id, 1, 'failed', T0 + 11),
            completion(c!.id, 1, 'retrying', T0 + 11),
          ],
          T0 + 12,
        );
        expect(await store.getDelivery('acct_a', webhook.id, a!.id)).toMatchObject({
          deliveredAt: T0 + 11,
          firstDeliveredAt: T0 + 11,
        });
        const changes: string[] = [];
        const stopChanges = store.onChanges((notice) => changes.push(...notice.deliveryIds));
        let work = 0;
        const stopWork = store.onWork(() => {
          work += 1;
        });
        // Wrong account, missing and unfinished ones are left alone.
        expect(await store.requeueDeliveries('acct_b', webhook.id, T0 + 20, [a!.id], ['delivered'])).toEqual([]);
        const requeued = await store.requeueDeliveries(
          'acct_a',
          webhook.id,
          T0 + 20,
          [a!.id, b!.id, c!.id, d!.id, 'missing', a!.id],
          ['delivered', 'failed'],
        );
        expect(requeued.sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(
          [
            { id: a!.id, firstDeliveredAt: T0 + 11 },
            { id: b!.id, firstDeliveredAt: null },
          ].sort((x, y) => (x.id < y.id ? -1 : 1)),
        );
        await waitUntil(() => changes.length >= 2 && work >= 1);
        stopChanges();
        stopWork();
        const replayed = await store.getDelivery('acct_a', webhook.id, a!.id);
        expect(replayed).toMatchObject({
          status: 'pending',
          messageId: a!.messageId,
          message: a!.message,
          createdAt: a!.createdAt,
          occurredAt: a!.occurredAt,
          attemptCount: 1,
          countedAttempts: 0,
          cycleStartedAt: T0 + 20,
          nextAttemptAt: T0 + 20,
          updatedAt: T0 + 20,
          deliveredAt: null,
          firstDeliveredAt: T0 + 11,
        });
        expect(await store.getDelivery('acct_a', webhook.id, c!.id)).toMatchObject({ status: 'retrying' });
        const claimed = await store.claimDeliveries('w2', T0 + 20, 30_000, 10);
        expect(claimed.map((x) => x.id).sort()).toEqual([a!.id, b!.id, d!.id].sort());
        await store.completeAttempts('w2', [completion(a!.id, 2, 'delivered', T0 + 30)], T0 + 30);
        const again = await store.getDelivery('acct_a', webhook.id, a!.id);
        expect(again).toMatchObject({ status: 'delivered', deliveredAt: T0 + 30, firstDeliveredAt: T0 + 11 });
        expect(again!.attempts.map((x) => x.number)).toEqual([1, 2]);
        expect(await store.listDeliveries('acct_a', webhook.id, {}, null, 10)).toHaveLength(4);
      });

      it('records the settings history with the version, atomically and only at the expected version', async () => {
        const webhook = webhookFixture({ disconnectedAt: null });
        await store.insertWebhook(webhook, {
          at: T0,
          actor: 'Ada',
          changes: [
            { field: 'name', from: null, to: 'Segment production' },
            { field: 'writeKey', changed: true },
          ],
        });
        expect((await store.getWebhook('acct_a', webhook.id))?.version).toBe(1);
        const updated = await store.updateWebhook(
          'acct_a',
          webhook.id,
          { name: 'Renamed', updatedAt: T0 + 1 },
          undefined,
          {
            ifVersion: 1,
            history: {
              at: T0 + 1,
              actor: null,
              changes: [{ field: 'name', from: 'Segment production', to: 'Renamed' }],
            },
          },
        );
        expect(updated).toMatchObject({ name: 'Renamed', version: 2 });
        // A writer that read version 1 loses: nothing changes, no entry is recorded.
        expect(
          await store.updateWebhook('acct_a', webhook.id, { name: 'Stale' }, undefined, {
            ifVersion: 1,
            history: { at: T0 + 2, actor: 'Stale', changes: [{ field: 'name', from: 'x', to: 'Stale' }] },
          }),
        ).toBeNull();
        // A patch without history (lifecycle, health) keeps the version.
        expect(
          (await store.updateWebhook('acct_a', webhook.id, { status: 'disconnected', disconnectedAt: T0 + 3 }))
            ?.version,
        ).toBe(2);
        const third = await store.updateWebhook('acct_a', webhook.id, { writeKeyHint: 'wxyz' }, undefined, {
          history: { at: T0 + 4, actor: 'Grace', changes: [{ field: 'writeKey', changed: true }] },
        });
        expect(third).toMatchObject({ version: 3, disconnectedAt: T0 + 3, status: 'disconnected' });
        const all = await store.listWebhookHistory('acct_a', webhook.id, null, 10);
        expect(all).toEqual([
          {
            webhookId: webhook.id,
            version: 3,
            at: T0 + 4,
            actor: 'Grace',
            changes: [{ field: 'writeKey', changed: true }],
          },
          {
            webhookId: webhook.id,
            version: 2,
            at: T0 + 1,
            actor: null,
            changes: [{ field: 'name', from: 'Segment production', to: 'Renamed' }],
          },
          {
            webhookId: webhook.id,
            version: 1,
            at: T0,
            actor: 'Ada',
            changes: [
              { field: 'name', from: null, to: 'Segment production' },
              { field: 'writeKey', changed: true },
            ],
          },
        ]);
        expect((await store.listWebhookHistory('acct_a', webhook.id, 3, 1)).map((e) => e.version)).toEqual([2]);
        expect(await store.listWebhookHistory('acct_b', webhook.id, null, 10)).toEqual([]);
        // Deleting the webhook deletes its history.
        await store.updateWebhook('acct_a', webhook.id, { status: 'archived' });
        await store.deleteWebhook('acct_a', webhook.id, ['archived']);
        await store.insertWebhook(webhook);
        expect(await store.listWebhookHistory('acct_a', webhook.id, null, 10)).toEqual([]);
      });

      it('finds deliveries by event id, messageId or person id (q), with the other filters and the cursor', async () => {
        const webhook = await addWebhook();
        const other = await addWebhook();
        const [byEvent, byPerson, hashed, sent, late] = await addDeliveries(webhook, [
          { createdAt: T0, eventId: 'needle', personId: 'p_x' },
          { createdAt: T0 + 1, eventId: 'e_1', personId: 'needle' },
          { createdAt: T0 + 2, eventId: 'e_2', personId: 'p_y', messageId: 'swm-0123abcd' },
          { createdAt: T0 + 3, eventId: 'e_3', personId: 'p_z', source: 'send' },
          { createdAt: T0 + 4, eventId: 'e_4', personId: 'needle' },
        ]);
        const [sendMessage] = await addDeliveries(webhook, [
          { createdAt: T0 + 5, eventId: 'e_5', source: 'send', messageId: `${webhook.id}:send:e_5` },
        ]);
        await addDeliveries(other, [{ createdAt: T0 + 6, eventId: 'needle', personId: 'needle' }]);
        // Many deliveries of one person, to page through.
        const many = await addDeliveries(
          webhook,
          Array.from({ length: 12 }, (_, i) => ({ createdAt: T0 + 100 + i, personId: 'p_many' })),
        );
        const ids = async (filter: Parameters<Store['listDeliveries']>[2], limit = 50) =>
          (await store.listDeliveries('acct_a', webhook.id, filter, null, limit)).map((d) => d.id);
        expect(await ids({ q: 'needle' })).toEqual([late!.id, byPerson!.id, byEvent!.id]);
        expect(await ids({ q: byPerson!.messageId })).toEqual([byPerson!.id]);
        expect(await ids({ q: 'swm-0123abcd' })).toEqual([hashed!.id]);
        expect(await ids({ q: sent!.messageId })).toEqual([sent!.id]);
        expect(await ids({ q: `${webhook.id}:send:e_5` })).toEqual([sendMessage!.id]);
        // A messageId-looking text that is no delivery's messageId matches nothing.
        expect(await ids({ q: `${webhook.id}:send:e_4` })).toEqual([]);
        expect(await ids({ q: `${webhook.id}:e_5` })).toEqual([]);
        expect(await ids({ q: 'nothing' })).toEqual([]);
        expect(await ids({ q: 'needle', from: T0 + 1, to: T0 + 4 })).toEqual([byPerson!.id]);
        expect(await ids({ q: 'needle', personId: 'p_x' })).toEqual([byEvent!.id]);
        expect(await ids({ q: 'needle', status: 'failed' })).toEqual([]);
        expect(await ids({ q: 'needle' }, 2)).toEqual([late!.id, byPerson!.id]);
        expect(await store.listDeliveries('acct_b', webhook.id, { q: 'needle' }, null, 50)).toEqual([]);
        // Keyset pages of one person's deliveries, newest first.
        const seen: string[] = [];
        let after: DeliveryCursor | null = null;
        for (;;) {
          const page = await store.listDeliveries('acct_a', webhook.id, { q: 'p_many' }, after, 5);
          seen.push(...page.map((x) => x.id));
          if (page.length < 5) break;
          after = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
        }
        expect(seen).toEqual(many.map((x) => x.id).reverse());
      });

      it('pages a person (personId and q) exactly as a scan would: scattered and tied times, after a delete and a prune', async () => {
        // a's rows stay; b is disconnected, so what it gets is skipped (finished): a prune can remove it.
        const a = await addWebhook();
        const b = await addWebhook({ status: 'disconnected' });
        type Row = { id: string; webhookId: string; personId: string; createdAt: number };
        let rows: Row[] = [];
        let n = 0;
        // Creation times in a narrow window, scattered (a fixed pseudo-random sequence) and often tied, as
        // commits of several processes give; in several calls, so stores that batch cut between and inside.
        let seed = 7;
        const scattered = () => {
          seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
          return T0 + Math.floor((seed / 2 ** 31) * 40);
        };
        const insert = async (count: number, webhooks: WebhookRecord[], createdAt: () => number) => {
          for (let k = 0; k < count; k += 3) {
            const batch = Array.from({ length: Math.min(3, count - k) }, () => {
              const i = n++;
              return deliveryFixture(webhooks[i % webhooks.length]!, {
                id: `dlv_${String(i).padStart(4, '0')}`,
                eventId: `e${i}`,
                personId: ['ada', 'bob', 'cy'][i % 3]!,
                createdAt: createdAt(),
              });
            });
            await store.insertDeliveries(batch);
            rows.push(
              ...batch.map((d) => ({ id: d.id, webhookId: d.webhookId, personId: d.personId, createdAt: d.createdAt })),
            );
          }
        };
        const expectLikeScan = async (
          webhookId: string,
          personId: string,
          limit: number,
          window: { from?: number; to?: number } = {},
        ) => {
          const expected = rows
            .filter((r) => r.webhookId === webhookId && r.personId === personId)
            .filter(
              (r) =>
                (window.from === undefined || r.createdAt >= window.from) &&
                (window.to === undefined || r.createdAt < window.to),
            )
            .sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : -1))
            .map((r) => r.id);
          for (const filter of [{ personId }, { q: personId }]) {
            const seen: string[] = [];
            let after: DeliveryCursor | null = null;
            for (;;) {
              const page = await store.listDeliveries('acct_a', webhookId, { ...filter, ...window }, after, limit);
              seen.push(...page.map((d) => d.id));
              if (page.length < limit) break;
              after = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
            }
            expect(seen, `${JSON.stringify(filter)} ${JSON.stringify(window)} limit ${limit}`).toEqual(expected);
          }
        };
        const expectAllLikeScan = async (webhooks: WebhookRecord[]) => {
          for (const webhook of webhooks) {
            for (const person of ['ada', 'bob', 'cy', 'nobody']) {
              for (const limit of [1, 2, 50]) await expectLikeScan(webhook.id, person, limit);
              await expectLikeScan(webhook.id, person, 2, { from: T0 + 10, to: T0 + 30 });
            }
          }
        };

        await insert(72, [a, b], scattered);
        await expectAllLikeScan([a, b]);
        // b's rows include the newest: rows inserted after it is deleted are found.
        expect(await store.deleteWebhook('acct_a', b.id, ['disconnected'])).toBe(true);
        rows = rows.filter((r) => r.webhookId !== b.id);
        const c = await addWebhook({ status: 'disconnected' });
        await insert(12, [a, c], () => T0 + 100 + n);
        await expectAllLikeScan([a, c]);
        // A prune removes c's skipped rows; a's are still found.
        await store.pruneDeliveries(T0 + 10_000, 1_000);
        rows = rows.filter((r) => r.webhookId !== c.id);
        await expectAllLikeScan([a, c]);
      });

      it('lists deliveries with their message as JSON text, in the list order and filters', async () => {
        const webhook = await addWebhook();
        const inputs = await addDeliveries(webhook, [
          { createdAt: T0, personId: 'p_a' },
          { createdAt: T0 + 1, personId: 'p_b' },
          { createdAt: T0 + 2, personId: 'p_a' },
        ]);
        const listed = await store.listDeliveries('acct_a', webhook.id, { q: 'p_a' }, null, 1);
        const withMessages = await store.listDeliveriesWithMessages('acct_a', webhook.id, { q: 'p_a' }, null, 1);
        expect(withMessages.map(({ messageJson: _m, ...rest }) => rest)).toEqual(listed);
        expect(JSON.parse(withMessages[0]!.messageJson)).toEqual(inputs[2]!.message);
        const next = await store.listDeliveriesWithMessages(
          'acct_a',
          webhook.id,
          { q: 'p_a' },
          { createdAt: T0 + 2, id: inputs[2]!.id },
          10,
        );
        expect(next.map((d) => d.id)).toEqual([inputs[0]!.id]);
        expect(await store.listDeliveriesWithMessages('acct_b', webhook.id, {}, null, 10)).toEqual([]);
      });

      it('samples the properties of the latest messages created in a range', async () => {
        const webhook = await addWebhook();
        const inputs = await addDeliveries(
          webhook,
          Array.from({ length: 6 }, (_, i) => ({ createdAt: T0 + i * HOUR })),
        );
        inputs.forEach((d, i) => {
          d.message.properties = { i };
        });
        const fresh = await addWebhook();
        const withProps = Array.from({ length: 6 }, (_, i) =>
          deliveryFixture(fresh, { createdAt: T0 + i * HOUR, eventId: `s_${i}` }),
        );
        for (const [i, d] of withProps.entries())
          d.message = { ...d.message, properties: { i, email: i % 2 ? '' : 'x' } };
        await store.insertDeliveries(withProps);
        expect(await store.sampleMessageProperties('acct_a', fresh.id, T0 + HOUR, T0 + 5 * HOUR, 3)).toEqual([
          { i: 4, email: 'x' },
          { i: 3, email: '' },
          { i: 2, email: 'x' },
        ]);
        expect(await store.sampleMessageProperties('acct_a', fresh.id, T0 + HOUR, T0 + 3 * HOUR, 10)).toEqual([
          { i: 2, email: 'x' },
          { i: 1, email: '' },
        ]);
        expect(await store.sampleMessageProperties('acct_b', fresh.id, 0, T0 + 9 * HOUR, 10)).toEqual([]);
      });
    });
  });
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('Condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
