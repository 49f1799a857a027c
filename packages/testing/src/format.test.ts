import { describe, expect, it } from 'vitest';
import { formatMessageLine, formatRequestLine } from './format';
import type { ReceivedRequest } from './sink';

const KEY = 'wk_SECRET_abcdefgh9876';

function request(overrides: Partial<ReceivedRequest> = {}): ReceivedRequest {
  return {
    id: 1,
    method: 'POST',
    path: '/v1/batch',
    writeKey: KEY,
    headers: {},
    bytes: 512,
    remotePort: 50_000,
    messageCount: 3,
    status: 200,
    responseBody: '{"success":true}',
    outcome: 'accepted',
    receivedAt: '2026-11-27T10:00:00.123Z',
    ...overrides,
  };
}

describe('log lines', () => {
  it('describe a request with a write key hint only', () => {
    const line = formatRequestLine(request());
    expect(line).toBe('10:00:00.123 POST /v1/batch key …9876 3 messages 512 B → 200 accepted');
    expect(line).not.toContain(KEY);
  });

  it('describe dropped and keyless requests', () => {
    expect(formatRequestLine(request({ status: null, outcome: 'dropped', writeKey: null, messageCount: 1 }))).toBe(
      '10:00:00.123 POST /v1/batch no key 1 message 512 B → connection dropped dropped',
    );
  });

  it('describe a message', () => {
    const line = formatMessageLine({
      seq: 12,
      requestId: 1,
      writeKey: KEY,
      path: '/v1/batch',
      message: { type: 'track', event: 'Order placed', userId: 'p_1', messageId: 'wh_1:evt_1' },
      sentAt: null,
      headers: {},
      receivedAt: '2026-11-27T10:00:00.123Z',
    });
    expect(line).toBe('  #12 track "Order placed" userId=p_1 messageId=wh_1:evt_1');
    expect(line).not.toContain(KEY);
  });
});
