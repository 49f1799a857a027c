/**
 * The testing sink in a worker thread, so that the Segment stand-in does not compete with the system under
 * test for its event loop (the real Segment is another machine). Posts `{ready, url}` once listening, then
 * one `{keys, at}` per accepted request: the messages' ids (the part after the last `:` of each messageId)
 * and the arrival time as `performance.timeOrigin + performance.now()` (comparable across threads).
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { startSegmentSink } from '@segment-webhook/testing';

const port = parentPort;
if (!port) throw new Error('sink-thread.ts runs as a worker thread');

const sink = await startSegmentSink({ maxMessages: 100, maxRequests: 100 });
sink.onReceive((messages) => {
  const at = performance.timeOrigin + performance.now();
  const keys = messages.map((m) => {
    const id = String(m.message.messageId);
    return id.slice(id.lastIndexOf(':') + 1);
  });
  port.postMessage({ keys, at });
});
port.on('message', (command: { close?: true; latency?: number }) => {
  if (command.latency !== undefined) sink.latency(command.latency);
  if (command.close) void sink.close().then(() => port.close());
});
port.postMessage({ ready: true, url: sink.url });
