/**
 * The benchmarks' side of `sink-thread.ts`: starts the testing sink in a worker thread (so that Segment's
 * stand-in does not share the measured event loop) and tracks the arrival of a run's messages there.
 */
import { Worker } from 'node:worker_threads';

export interface Sink {
  url: string;
  /** Starts tracking a run: resolves with the arrival time of each expected key once all arrived. */
  expect(keys: readonly string[], timeoutMs?: number): Promise<Map<string, number>>;
  close(): Promise<void>;
  /** Delays every answer of the sink by `ms` (Segment over a network instead of in the same machine). */
  latency(ms: number): void;
  /** Milliseconds the sink's thread has been busy (its event loop's active time) since it started. */
  busyMs(): number;
}

export async function startSinkThread(): Promise<Sink> {
  // The workspace packages run from TypeScript source: register tsx in the thread before loading it.
  const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./sink-thread.ts', import.meta.url).href)}); })`;
  const worker = new Worker(bootstrap, { eval: true });
  // The thread tracks arrivals itself (see sink-thread.ts): this thread only hears the end of each run.
  let runs = 0;
  const waiting = new Map<number, (message: { times?: Float64Array; arrived?: number }) => void>();
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('error', reject);
    worker.on(
      'message',
      (message: { ready?: true; url?: string; run?: number; times?: Float64Array; arrived?: number }) => {
        if (message.ready) return resolve(message.url!);
        const done = waiting.get(message.run!);
        waiting.delete(message.run!);
        done?.(message);
      },
    );
  });
  return {
    url,
    expect(keys, timeoutMs = 120_000) {
      const run = ++runs;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => worker.postMessage({ abandon: run }), timeoutMs);
        waiting.set(run, (message) => {
          clearTimeout(timer);
          if (!message.times) return reject(new Error(`Only ${message.arrived}/${keys.length} arrived`));
          const times = message.times;
          resolve(new Map(keys.map((key, i) => [key, times[i]!])));
        });
        worker.postMessage({ expect: keys, run });
      });
    },
    latency(ms) {
      worker.postMessage({ latency: ms });
    },
    busyMs() {
      return worker.performance.eventLoopUtilization().active;
    },
    async close() {
      worker.postMessage({ close: true });
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}
