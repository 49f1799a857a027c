/**
 * The rows the list renders in this benchmark: `count` delivery summaries, newest first, with the statuses,
 * errors and held reasons a real log has. Rendering data only (the benchmark measures the list, not the
 * API): the kit's stories and tests get their deliveries from the real server in memory instead.
 */
import type { DeliveryStatus, DeliverySummary } from '@segment-webhook/core/contract';

/** A 32-bit integer hash (a Murmur3 finaliser): the same row always looks the same. */
function hash(n: number, salt: number): number {
  let h = (n ^ Math.imul(salt, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `count` deliveries of webhook `wh_bench`, the newest at `now`, 37 s apart. */
export function benchRows(count: number, now: number): DeliverySummary[] {
  return Array.from({ length: count }, (_, index) => {
    const seq = count - index;
    const roll = hash(seq, 1) % 100;
    const status: DeliveryStatus = roll < 86 ? 'delivered' : roll < 95 ? 'failed' : roll < 98 ? 'retrying' : 'pending';
    const createdAt = now - index * 37_000 - (hash(seq, 2) % 20_000);
    const eventId = `evt_${seq.toString(36).padStart(5, '0')}`;
    const failed = status === 'failed' || status === 'retrying';
    return {
      id: `dlv_${seq}`,
      webhookId: 'wh_bench',
      eventId,
      personId: `person_${(hash(seq, 6) % 800).toString().padStart(4, '0')}`,
      activityId: seq % 2 === 0 ? 'order-placed' : 'email-opened',
      source: hash(seq, 7) % 10 === 0 ? 'send' : 'activity',
      status,
      heldReason: null,
      messageId: `wh_bench:${eventId}`,
      attemptCount: status === 'pending' ? 0 : failed ? 3 : 1,
      occurredAt: iso(createdAt - (hash(seq, 3) % 4_000)),
      createdAt: iso(createdAt),
      updatedAt: iso(createdAt + 900),
      nextAttemptAt: status === 'retrying' || status === 'pending' ? iso(now + 30_000) : null,
      deliveredAt: status === 'delivered' ? iso(createdAt + 120 + (hash(seq, 8) % 900)) : null,
      lastError: failed ? 'Segment refused the message: HTTP 400 Exceed payload limit' : null,
      lastHttpStatus: status === 'delivered' ? 200 : failed ? 400 : null,
    };
  });
}
