/**
 * A Segment stand-in that holds its answers: it reads every request (`/v1/batch`, `/v1/track`) and
 * answers none until {@link HeldSegment.release} — then 200 `{"success":true}` to the held ones and at once
 * to the next. With it a test knows a request is in flight for as long as it wants, without timing.
 */
import { EventEmitter } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running held Segment stand-in. */
export interface HeldSegment {
  /** Base URL, for the client's endpoints. */
  readonly url: string;
  /** Bodies of the requests read so far, in arrival order. */
  readonly bodies: string[];
  /** `arrival` (body) for every request read. */
  readonly events: EventEmitter;
  /** The messageIds of every request read (a batch's messages, or the one of a track call). */
  messageIds(): string[];
  /** Answers the held requests, and every later one at once. */
  release(): void;
  /** Stops listening and drops the connections (held answers included). */
  close(): Promise<void>;
}

/** Starts a {@link HeldSegment} on an ephemeral port of 127.0.0.1. */
export async function startHeldSegment(): Promise<HeldSegment> {
  const bodies: string[] = [];
  const events = new EventEmitter();
  const held: ServerResponse[] = [];
  let released = false;
  const answer = (response: ServerResponse) => {
    if (!response.destroyed) response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      bodies.push(body);
      events.emit('arrival', body);
      if (released) answer(response);
      else held.push(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    events,
    messageIds() {
      return bodies.flatMap((body) => {
        const parsed = JSON.parse(body) as { batch?: { messageId: string }[]; messageId?: string };
        return parsed.batch ? parsed.batch.map((message) => message.messageId) : [String(parsed.messageId)];
      });
    },
    release() {
      released = true;
      for (const response of held.splice(0)) answer(response);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
