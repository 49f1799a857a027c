import { describe, expect, it } from 'vitest';
import {
  allowedLifecycleActions,
  backoffDelay,
  deliveryFilterFromQuery,
  deliveryHeldReason,
  deliveryMatchesFilter,
  HELD_RELEASED_BY,
  heldReasonOf,
  isHeld,
  LIFECYCLE_TRANSITIONS,
} from './rules';

describe('the lifecycle table', () => {
  it('allows active ⇄ disconnected ⇄ archived, and delete only from archived', () => {
    expect(allowedLifecycleActions('active')).toEqual(['disconnect']);
    expect(allowedLifecycleActions('disconnected')).toEqual(['reconnect', 'archive']);
    expect(allowedLifecycleActions('archived')).toEqual(['unarchive', 'delete']);
    expect(LIFECYCLE_TRANSITIONS.reconnect).toEqual({ from: 'disconnected', to: 'active' });
    expect(LIFECYCLE_TRANSITIONS.delete).toEqual({ from: 'archived', to: null });
    expect(Object.isFrozen(LIFECYCLE_TRANSITIONS.archive)).toBe(true);
  });
});

describe('held deliveries', () => {
  it('are held by a disconnected or archived webhook first, then by one that needs attention', () => {
    expect(heldReasonOf({ status: 'active', healthState: 'healthy' })).toBeNull();
    expect(heldReasonOf({ status: 'active', healthState: 'needs_attention' })).toBe('needs_attention');
    expect(heldReasonOf({ status: 'disconnected', healthState: 'needs_attention' })).toBe('disconnected');
    expect(heldReasonOf({ status: 'archived', healthState: 'healthy' })).toBe('archived');
  });

  it('holds pending and retrying deliveries, never finished ones', () => {
    expect(deliveryHeldReason('pending', 'disconnected')).toBe('disconnected');
    expect(deliveryHeldReason('retrying', 'needs_attention')).toBe('needs_attention');
    expect(deliveryHeldReason('delivered', 'disconnected')).toBeNull();
    expect(deliveryHeldReason('failed', 'archived')).toBeNull();
    expect(isHeld({ status: 'retrying', heldReason: 'disconnected' })).toBe(true);
    expect(isHeld({ status: 'failed', heldReason: 'disconnected' })).toBe(false);
    expect(isHeld({ status: 'pending', heldReason: null })).toBe(false);
    expect(HELD_RELEASED_BY).toEqual({ needs_attention: 'resume', disconnected: 'reconnect', archived: 'reconnect' });
  });
});

describe('backoffDelay', () => {
  it('saturates at the cap however long the outage, and a zero base stays zero', () => {
    const backoff = { baseDelayMs: 1_000, factor: 2, maxDelayMs: 30_000 };
    expect(backoffDelay(backoff, 5_000, () => 0.5)).toBe(30_000);
    expect(backoffDelay({ ...backoff, baseDelayMs: 0 }, 5_000, () => 0.5)).toBe(0);
  });
});

describe('deliveryMatchesFilter', () => {
  const at = Date.parse('2026-11-27T10:00:00.000Z');
  const delivery = { status: 'failed' as const, personId: 'p_1', eventId: 'e_1', messageId: 'wh_1:e_1', createdAt: at };

  it('needs every given field to be equal, and from ≤ createdAt < to', () => {
    expect(deliveryMatchesFilter(delivery, {})).toBe(true);
    expect(deliveryMatchesFilter(delivery, { status: 'failed', personId: 'p_1', eventId: 'e_1' })).toBe(true);
    expect(deliveryMatchesFilter(delivery, { status: 'pending' })).toBe(false);
    expect(deliveryMatchesFilter(delivery, { personId: 'p_2' })).toBe(false);
    expect(deliveryMatchesFilter(delivery, { eventId: 'e_2' })).toBe(false);
    expect(deliveryMatchesFilter(delivery, { from: at, to: at + 1 })).toBe(true);
    expect(deliveryMatchesFilter(delivery, { from: at + 1 })).toBe(false);
    expect(deliveryMatchesFilter(delivery, { to: at })).toBe(false);
  });

  it('matches q against the event id, the messageId and the person id', () => {
    expect(deliveryMatchesFilter(delivery, { q: 'e_1' })).toBe(true);
    expect(deliveryMatchesFilter(delivery, { q: 'wh_1:e_1' })).toBe(true);
    expect(deliveryMatchesFilter(delivery, { q: 'p_1' })).toBe(true);
    expect(deliveryMatchesFilter(delivery, { q: 'wh_1' })).toBe(false);
    expect(deliveryMatchesFilter(delivery, { q: 'p_1', status: 'delivered' })).toBe(false);
    expect(deliveryFilterFromQuery({ q: 'p_1', eventId: '' })).toEqual({ q: 'p_1' });
  });

  it('reads the API’s ISO 8601 times and the query’s', () => {
    const summary = { ...delivery, createdAt: '2026-11-27T11:00:00.000+01:00' };
    const filter = deliveryFilterFromQuery({ status: 'failed', from: '2026-11-27T10:00:00Z', to: null, personId: '' });
    expect(filter).toEqual({ status: 'failed', from: at });
    expect(deliveryMatchesFilter(summary, filter)).toBe(true);
    expect(deliveryMatchesFilter(summary, deliveryFilterFromQuery({ to: '2026-11-27T10:00:00.000Z' }))).toBe(false);
  });
});
