/**
 * Worker processes for the fault tests: real `node` processes (TypeScript through tsx) running
 * `fixtures/worker-process.ts` on the same data as the test, which plays the host.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebhookHealthChange } from '@segment-webhook/core';

const dirname = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(dirname, 'fixtures', 'worker-process.ts');

/** How a process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running worker process. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Its lease owner id (`WORKER_ID`). */
  readonly workerId: string;
  /** Resolves once its worker has started (and, on PostgreSQL, listens). */
  readonly ready: Promise<void>;
  /** Resolves when it has exited. */
  readonly exited: Promise<Exit>;
  /** Resolves when it has received SIGTERM and starts stopping. */
  readonly stopping: Promise<void>;
  /** What it reported after its latest claim: deliveries claimed so far, claims running, claims after SIGTERM. */
  claims(): { found: number; inProgress: number; afterSignal: number; count: number };
  /** The `onWebhookHealthChange` events its worker got, in order. */
  healthChanges(): WebhookHealthChange[];
  /** SIGTERM (graceful stop); resolves with how it exited. */
  terminate(): Promise<Exit>;
  /** SIGKILL: dies at once, whatever it was doing. */
  kill(): Promise<Exit>;
  /** SIGSTOP / SIGCONT: freezes it mid-work (a stalled process) and lets it go on. */
  pause(): void;
  resume(): void;
}

/** Starts a worker process with `env` (see the fixture for the variables) added to this process's. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  if (!env.WORKER_ID) throw new Error('WORKER_ID is required');
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const claims = { found: 0, inProgress: 0, afterSignal: 0, count: 0 };
  const healthChanges: WebhookHealthChange[] = [];
  let onStopping: () => void = () => {};
  const stopping = new Promise<void>((resolve) => {
    onStopping = resolve;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.on(
      'message',
      (message: {
        ready?: boolean;
        stopping?: boolean;
        claim?: { found: number; inProgress: number; afterSignal: number };
        healthChange?: WebhookHealthChange;
      }) => {
        if (message.healthChange) healthChanges.push(message.healthChange);
        if (message.ready) resolve();
        if (message.stopping) onStopping();
        if (message.claim) Object.assign(claims, message.claim, { count: claims.count + 1 });
      },
    );
    void exited.then((exit) =>
      reject(new Error(`worker process exited before it was ready (${JSON.stringify(exit)})`)),
    );
  });
  ready.catch(() => {});
  return {
    child,
    workerId: env.WORKER_ID,
    ready,
    exited,
    stopping,
    claims: () => ({ ...claims }),
    healthChanges: () => [...healthChanges],
    terminate() {
      child.kill('SIGTERM');
      return exited;
    },
    kill() {
      child.kill('SIGKILL');
      return exited;
    },
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
  };
}

/** Waits until `condition` holds, checking every 20 ms; fails after `timeoutMs` naming `what`. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
