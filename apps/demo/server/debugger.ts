/**
 * The Segment debugger feed: what the local Segment sink received, for the host dashboard's
 * **Segment debugger** panel. `GET /` lists recent messages, `GET /stream` tails them as Server-Sent
 * Events (`?since=<seq>` first replays what arrived after that message), `DELETE /` clears them.
 * Write keys are shown as hints only.
 */
import type { ReceivedMessage, SegmentSink } from '@segment-webhook/testing';
import { writeKeyHint } from '@segment-webhook/testing';
import express, { type Request, type Response, Router } from 'express';

/** One message as the panel shows it (mirrors `DebuggerEvent` in src/components/DebuggerPanel.tsx). */
export interface DebuggerEvent {
  id: string;
  receivedAt: string;
  source: string;
  type: string;
  event: string | null;
  userId: string | null;
  messageId: string | null;
  message: Record<string, unknown>;
}

/** Where the demo sends Segment messages (only `sink` has a feed). */
export type DebuggerMode = 'sink' | 'live' | 'custom';

const RECENT = 200;

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** The panel's view of one received message. */
export function toDebuggerEvent(received: ReceivedMessage): DebuggerEvent {
  const { message } = received;
  return {
    id: String(received.seq),
    receivedAt: received.receivedAt,
    source: writeKeyHint(received.writeKey),
    type: text(message.type) ?? 'unknown',
    event: text(message.event),
    userId: text(message.userId) ?? text(message.anonymousId),
    messageId: text(message.messageId),
    message,
  };
}

/** The debugger routes (mount at `/api/demo/debugger`). `sink` is null when Segment is live or custom. */
export function createDebuggerRouter(sink: SegmentSink | null, mode: DebuggerMode): Router {
  const router = Router();

  router.get('/', (_request: Request, response: Response) => {
    const events = sink ? sink.received().slice(-RECENT).reverse().map(toDebuggerEvent) : [];
    response.json({ mode, events });
  });

  router.delete('/', (_request: Request, response: Response) => {
    sink?.clear();
    response.status(204).end();
  });

  // The local Segment stand-in misbehaves on demand (`{count, status}`: the next `count` requests are answered
  // `status`), to see retries, "needs attention" and the notifications without a real outage.
  router.post('/misbehave', express.json(), (request: Request, response: Response) => {
    const { count, status } = (request.body ?? {}) as { count?: unknown; status?: unknown };
    if (!sink) {
      response.status(404).json({ title: 'Only the local Segment sink can misbehave on demand' });
      return;
    }
    if (!Number.isInteger(count) || (count as number) < 0 || (count as number) > 1000) {
      response.status(400).json({ title: 'count must be an integer from 0 to 1000' });
      return;
    }
    if (!Number.isInteger(status) || (status as number) < 400 || (status as number) > 599) {
      response.status(400).json({ title: 'status must be an HTTP error status (400–599)' });
      return;
    }
    sink.failNext(count as number, status as number);
    response.status(204).end();
  });

  router.get('/stream', (request: Request, response: Response) => {
    if (!sink) {
      response.status(404).json({ title: 'The debugger feed is only available with the local Segment sink' });
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write(': connected\n\n');
    const send = (message: ReceivedMessage) =>
      response.write(`event: message\ndata: ${JSON.stringify(toDebuggerEvent(message))}\n\n`);
    const unsubscribe = sink.onReceive((messages) => messages.forEach(send));
    // `?since=<seq>`: what arrived after the panel's list was read, so nothing falls between the two.
    const since = Number(request.query.since);
    if (Number.isInteger(since) && since >= 0) {
      for (const message of sink.received()) if (message.seq > since) send(message);
    }
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), 15_000);
    request.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  return router;
}
