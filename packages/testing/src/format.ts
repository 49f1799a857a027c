import type { ReceivedMessage, ReceivedRequest } from './sink';
import { writeKeyHint } from './sink';

/**
 * One log line for a request the sink received, e.g.
 * `10:00:00.123 POST /v1/batch key …1234 3 messages 512 B → 200 accepted`. Shows a write key hint, never the key.
 */
export function formatRequestLine(request: ReceivedRequest): string {
  const time = request.receivedAt.slice(11, 23);
  const key = request.writeKey === null ? 'no key' : `key ${writeKeyHint(request.writeKey)}`;
  const count = `${request.messageCount} message${request.messageCount === 1 ? '' : 's'}`;
  const status = request.status === null ? 'connection dropped' : String(request.status);
  return `${time} ${request.method} ${request.path} ${key} ${count} ${request.bytes} B → ${status} ${request.outcome}`;
}

/** One log line for an accepted message: `  #12 track "Order placed" userId=p_1 messageId=…`. */
export function formatMessageLine(entry: ReceivedMessage): string {
  const { type, event, userId, anonymousId, messageId } = entry.message;
  const who = userId !== undefined ? `userId=${String(userId)}` : `anonymousId=${String(anonymousId)}`;
  const name = typeof event === 'string' ? ` ${JSON.stringify(event)}` : '';
  return `  #${entry.seq} ${String(type ?? 'track')}${name} ${who} messageId=${String(messageId)}`;
}
