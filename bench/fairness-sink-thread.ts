/**
 * The testing sink in a worker thread for the fairness benchmark (bench/fairness.ts): it answers like
 * Segment over a network (a fixed latency per request) and tracks arrivals itself, so the measured thread
 * does no bookkeeping per request.
 *
 * Protocol: posts `{ready, url}` once listening. `{latency: ms}` delays every answer. `{run, a}` starts a
 * run: the messages whose id part (after the last `:` of the messageId) starts with `a-<run>-` are A's, and
 * `b-<run>-` B's. The thread posts `{run, b: [id, at]}` for each of B's, and `{run, aDone: at}` when the
 * `a`-th of A's arrived (`performance.timeOrigin + performance.now()`, comparable across threads).
 * `{close: true}` stops it.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { startSegmentSink } from '@segment-webhook/testing';

const port = parentPort;
if (!port) throw new Error('fairness-sink-thread.ts runs as a worker thread');

const sink = await startSegmentSink({ maxMessages: 100, maxRequests: 100 });
let run: { id: string; aPrefix: string; bPrefix: string; aLeft: number } | null = null;

sink.onReceive((messages) => {
  const current = run;
  if (!current) return;
  const at = performance.timeOrigin + performance.now();
  for (const m of messages) {
    const messageId = String(m.message.messageId);
    const key = messageId.slice(messageId.lastIndexOf(':') + 1);
    if (key.startsWith(current.bPrefix)) port.postMessage({ run: current.id, b: [key, at] });
    else if (key.startsWith(current.aPrefix)) {
      current.aLeft -= 1;
      if (current.aLeft === 0) port.postMessage({ run: current.id, aDone: at });
    }
  }
});

port.on('message', (command: { close?: true; latency?: number; run?: string; a?: number }) => {
  if (command.latency !== undefined) sink.latency(command.latency);
  if (command.run !== undefined && command.a !== undefined) {
    run = { id: command.run, aPrefix: `a-${command.run}-`, bPrefix: `b-${command.run}-`, aLeft: command.a };
  }
  if (command.close) void sink.close().then(() => port.close());
});
port.postMessage({ ready: true, url: sink.url });
