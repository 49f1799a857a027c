/**
 * A delivery worker process for the multi-process tests: one `createDeliveryWorker` on a PostgreSQL store,
 * configured from the environment. Tells its parent (IPC) `{ready}` once started and `{claimed}` when it
 * stops on SIGTERM; a SIGKILL simply kills it mid-work.
 *
 * Env: DATABASE_URL, SCHEMA, SINK_URL, ENCRYPTION_KEY, LEASE_MS (default 120000), BATCH_SIZE (default 500).
 */
import { createDeliveryWorker, type Store } from '@segment-webhook/core';
import { postgresStore } from '../store';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const store = postgresStore({ connectionString: env('DATABASE_URL'), schema: env('SCHEMA'), onError: () => {} });
let claimed = 0;
// Counts what this process claimed, so the test can see that the work was shared.
const countingClaims: Store['claimDeliveries'] = async (...args) => {
  const result = await store.claimDeliveries(...args);
  claimed += result.length;
  return result;
};
const counting = new Proxy(store, {
  get(target, property) {
    if (property === 'claimDeliveries') return countingClaims;
    const value = Reflect.get(target, property, target);
    return typeof value === 'function' ? value.bind(target) : value;
  },
});
const worker = createDeliveryWorker({
  store: counting,
  endpoints: { us: env('SINK_URL') },
  encryptionKey: env('ENCRYPTION_KEY'),
  leaseMs: Number(process.env.LEASE_MS ?? 120_000),
  batchSize: Number(process.env.BATCH_SIZE ?? 500),
  pollIntervalMs: 200,
});
await store.migrate();
await store.listening();
worker.start();
process.send?.({ ready: true, pid: process.pid });

process.once('SIGTERM', () => {
  void (async () => {
    await worker.stop();
    await store.close();
    process.send?.({ claimed });
    process.disconnect?.();
  })();
});
