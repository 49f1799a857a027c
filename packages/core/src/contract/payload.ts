/**
 * The payload builder: an activity event + a webhook configuration → one Segment `track` message.
 * Browser-safe (plain TypeScript, no `node:` modules): the setup page's live preview uses it too.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { SegmentWebhookError } from './errors';
import { MAX_MESSAGE_BYTES, MAX_MESSAGE_ID_LENGTH, utf8ByteLength } from './limits';
import {
  type Attributes,
  type JsonValue,
  type Person,
  parseIsoDateTime,
  type TrackMessage,
  type WebhookConfig,
} from './schemas';

/** `context.library.name` of every message the kit sends. */
export const LIBRARY_NAME = '@segment-webhook/core';
/** `context.library.version` of every message the kit sends. */
export const LIBRARY_VERSION = '0.1.0';

/** What the builder needs of an activity event (an `ActivityEvent` fits, and so does {@link sampleEvent}). */
export interface EventSnapshot {
  /** The host's unique id of the event; with the webhook id it makes the messageId. */
  id: string;
  /** When it happened: ISO 8601, any offset, any sub-second precision. */
  occurredAt: string;
  /** The person; `id` becomes Segment's `userId`. */
  person: Person;
  /** The activity's attributes. */
  attributes: Attributes;
}

/** Input of {@link buildTrackMessage}. */
export interface BuildTrackMessageInput {
  /** The webhook the message is for (part of the messageId). */
  webhookId: string;
  /** The parts of the webhook's configuration that shape the message. */
  config: Pick<WebhookConfig, 'trackEventName' | 'sendActivityPayload' | 'fields'>;
  /** The event to send. */
  event: EventSnapshot;
  /** Test messages carry integrations: {All: false}. Default false. */
  test?: boolean;
}

/** Property names that would corrupt a plain object; never copied into `properties`. */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Builds the Segment `track` message for one event and webhook:
 * - `type: "track"`, `event` = the webhook's track event name, `userId` = `person.id`;
 * - `messageId` = {@link messageIdFor}(webhookId, event.id), so retries and replays de-duplicate;
 * - `timestamp` = `occurredAt` as ISO 8601 UTC with milliseconds;
 * - `properties` = the activity's attributes (only when `sendActivityPayload`), then every configured
 *   field on top (a field wins over an attribute of the same key; a field whose source is absent is left out);
 * - `context.library` = {@link LIBRARY_NAME} / {@link LIBRARY_VERSION}; test messages add `integrations: {All: false}`.
 *
 * Throws `SegmentWebhookError('validation_error')` when `occurredAt` is not a date-time, and
 * `SegmentWebhookError('message_too_large')` when the JSON is over MAX_MESSAGE_BYTES (32 KB) UTF-8 bytes
 * (Segment would refuse it with `400 Exceed payload limit`).
 */
export function buildTrackMessage(input: BuildTrackMessageInput): TrackMessage {
  return buildTrackMessageJson(input).message;
}

/** A built message with what building it measured: its JSON text and the event's time in ms. */
export interface BuiltTrackMessage {
  message: TrackMessage;
  /** `JSON.stringify(message)`: what is stored and sent. */
  json: string;
  /** `event.occurredAt` in milliseconds since the epoch. */
  occurredAt: number;
}

/** {@link buildTrackMessage}, also returning the JSON text it measured (so nobody serializes it again). */
export function buildTrackMessageJson(input: BuildTrackMessageInput): BuiltTrackMessage {
  const { webhookId, config, event } = input;
  const occurredAt = parseIsoDateTime(event.occurredAt);
  if (Number.isNaN(occurredAt)) {
    throw new SegmentWebhookError('validation_error', 'The event’s occurredAt is not an ISO 8601 date-time.', {
      issues: [{ path: ['occurredAt'], message: 'Expected an ISO 8601 date-time, e.g. 2026-11-27T10:00:00.000Z' }],
    });
  }

  const properties: Record<string, JsonValue> = {};
  if (config.sendActivityPayload) {
    for (const [key, value] of Object.entries(event.attributes)) {
      if (!RESERVED_KEYS.has(key) && value !== undefined) properties[key] = value;
    }
  }
  for (const field of config.fields) {
    if (RESERVED_KEYS.has(field.key)) continue;
    const value = 'value' in field ? field.value : readSource(event, field.from);
    if (value !== undefined) properties[field.key] = value;
  }

  const message: TrackMessage = {
    type: 'track',
    event: config.trackEventName,
    userId: event.person.id,
    messageId: messageIdFor(webhookId, event.id),
    timestamp: new Date(occurredAt).toISOString(),
    properties,
    context: { library: { name: LIBRARY_NAME, version: LIBRARY_VERSION } },
    ...(input.test ? { integrations: { All: false } } : {}),
  };

  // A UTF-16 code unit is at most 3 UTF-8 bytes: a JSON text of at most a third of the limit in code
  // units fits without counting its bytes one by one (the ingest hot path; messages are usually small).
  const json = JSON.stringify(message);
  const bytes = json.length * 3 <= MAX_MESSAGE_BYTES ? json.length : utf8ByteLength(json);
  if (bytes > MAX_MESSAGE_BYTES) {
    throw new SegmentWebhookError(
      'message_too_large',
      `The Segment message for event ${event.id} is ${bytes} bytes; Segment accepts at most ${MAX_MESSAGE_BYTES} bytes per message.`,
    );
  }
  return { message, json, occurredAt };
}

/** Reads `person.<x>` or `activity.<x>` (own keys only); undefined when absent. */
function readSource(event: EventSnapshot, from: string): JsonValue | undefined {
  const dot = from.indexOf('.');
  const scope = from.slice(0, dot);
  const key = from.slice(dot + 1);
  const record: Record<string, unknown> | undefined =
    scope === 'person' ? event.person : scope === 'activity' ? event.attributes : undefined;
  if (!record || RESERVED_KEYS.has(key) || !Object.hasOwn(record, key)) return undefined;
  return record[key] as JsonValue | undefined;
}

/** Printable ASCII without `:` (so the first `:` of a plain messageId separates the two ids). */
const PLAIN_WEBHOOK_ID = /^[\x21-\x39\x3b-\x7e]+$/;
const PLAIN_EVENT_ID = /^[\x21-\x7e]+$/;

/**
 * The Segment messageId of an event sent to a webhook: deterministic (Segment de-duplicates on it for
 * at least 24 h, so retries and replays are safe), at most 100 characters, and unique per
 * (webhookId, eventId).
 *
 * The plain form `<webhookId>:<eventId>` is used when it fits in 100 printable ASCII characters and the
 * webhook id has no `:`; otherwise `swm-` + the SHA-256 (hex) of the length-prefixed pair. The two forms
 * cannot collide: a plain form always contains a `:`, a hashed one never does.
 */
export function messageIdFor(webhookId: string, eventId: string): string {
  const plain = `${webhookId}:${eventId}`;
  if (plain.length <= MAX_MESSAGE_ID_LENGTH && PLAIN_WEBHOOK_ID.test(webhookId) && PLAIN_EVENT_ID.test(eventId)) {
    return plain;
  }
  return `swm-${sha256Hex(`${webhookId.length}:${webhookId}:${eventId}`)}`;
}

/** UTF-8 byte size of the message's JSON (what Segment's 32 KB per-message limit measures). */
export function messageBytes(message: TrackMessage): number {
  return utf8ByteLength(JSON.stringify(message));
}

/**
 * The sample person + activity the Test button and the payload preview use. Its id is derived from
 * `now` (default: the current time), so every test message has its own messageId and is not
 * de-duplicated away by Segment.
 */
export function sampleEvent(now: Date = new Date()): EventSnapshot {
  return {
    id: `sample-${now.getTime()}`,
    occurredAt: now.toISOString(),
    person: {
      id: 'sample-person-1',
      email: 'ada.lovelace@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      name: 'Ada Lovelace',
      company: 'Analytical Engines Ltd',
      plan: 'pro',
    },
    attributes: {
      title: 'Sample activity',
      orderId: 'order-1001',
      amount: 42.5,
      currency: 'EUR',
      channel: 'web',
    },
  };
}

/** SHA-256 (hex) of the UTF-8 bytes of a string (@noble/hashes: audited, browser-safe). */
function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
