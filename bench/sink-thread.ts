/**
 * The testing sink in a worker thread, so that the Segment stand-in does not compete with the system under
 * test for its event loop (the real Segment is another machine), and neither does the bookkeeping of
 * arrivals: the thread tracks them itself and reports once per run.
 *
 * Protocol: posts `{ready, url}` once listening. `{expect: keys, run}` starts tracking a run (a key is the
 * part after the last `:` of a messageId); when every key arrived, the thread posts `{run, times}`, the
 * arrival time of each key in the order given (`performance.timeOrigin + performance.now()`, comparable
 * across threads). `{abandon: run}` stops tracking and answers `{run, arrived}` (how many did). Also
 * `{latency: ms}` and `{close: true}`.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { startSegmentSink } from '@segment-webhook/testing';

const port = parentPort;
if (!port) throw new Error('sink-thread.ts runs as a worker thread');

const sink = await startSegmentSink({ maxMessages: 100, maxRequests: 100 });
let tracking: { run: number; index: Map<string, number>; times: Float64Array; left: number } | null = null;

sink.onReceive((messages) => {
  const current = tracking;
  if (!current) return;
  const at = performance.timeOrigin + performance.now();
  for (const m of messages) {
    const id = String(m.message.messageId);
    const i = current.index.get(id.slice(id.lastIndexOf(':') + 1));
    if (i === undefined || current.times[i] !== 0) continue;
    current.times[i] = at;
    current.left -= 1;
  }
  if (current.left === 0) {
    tracking = null;
    port.postMessage({ run: current.run, times: current.times }, [current.times.buffer as ArrayBuffer]);
  }
});

port.on('message', (command: { close?: true; latency?: number; expect?: string[]; run?: number; abandon?: number }) => {
  if (command.latency !== undefined) sink.latency(command.latency);
  if (command.expect) {
    const index = new Map(command.expect.map((key, i) => [key, i]));
    tracking = { run: command.run!, index, times: new Float64Array(command.expect.length), left: index.size };
  }
  if (command.abandon !== undefined && tracking?.run === command.abandon) {
    port.postMessage({ run: tracking.run, arrived: tracking.index.size - tracking.left });
    tracking = null;
  }
  if (command.close) void sink.close().then(() => port.close());
});
port.postMessage({ ready: true, url: sink.url });
