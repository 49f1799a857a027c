/**
 * The demo as its server tests run it, as `pnpm start` would: on SQLite in a fresh DATA_DIR, or with
 * DATABASE_URL set to a database of its own (PostgreSQL), retries fast, logs silent. `stop()` closes it and
 * removes both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFreshDatabase, type FreshDatabase, type StoreKind } from '@segment-webhook/engine-tests';
import { type Logger, type RunningDemo, startDemo } from './app';
import { readConfig } from './config';

const silent: Logger = { info() {}, warn() {}, error() {} };

export interface DemoUnderTest {
  demo: RunningDemo;
  /** The kit's REST API, `${demo.url}/api/segment-webhooks`. */
  api: string;
  dataDir: string;
  /** The database of this run (PostgreSQL), else null. */
  database: FreshDatabase | null;
  stop(): Promise<void>;
}

/** Starts the demo on `kind`; `name` prefixes its DATA_DIR and its database. */
export async function startDemoOn(kind: StoreKind, name: string): Promise<DemoUnderTest> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  const database = kind === 'postgres' ? await createFreshDatabase(`swk_${name.replace(/\W/g, '_')}`) : null;
  const env = { PORT: '0', DATA_DIR: dataDir, SEGMENT_RETRY_BASE_MS: '50', DATABASE_URL: database?.url };
  const demo = await startDemo(readConfig(env), silent).catch(async (error: unknown) => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    demo,
    api: `${demo.url}/api/segment-webhooks`,
    dataDir,
    database,
    async stop() {
      await demo.close();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
