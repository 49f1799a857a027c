/**
 * `pnpm start`: the demo server. Configuration from the environment (see README.md):
 * PORT, DATA_DIR, DATABASE_URL, SEGMENT_US_ENDPOINT, SEGMENT_EU_ENDPOINT, SEGMENT_LIVE,
 * SEGMENT_RETRY_BASE_MS, SEGMENT_ENCRYPTION_KEY. `--simulate` streams simulated activity into the
 * default account while it runs.
 */
import { pino } from 'pino';
import { DEFAULT_ACCOUNT } from '../src/catalog';
import { generateActivityEvents, postActivityEvents } from '../src/simulator';
import { API_PATH, startDemo } from './app';
import { readConfig } from './config';

/**
 * The server log: pino, one JSON line per event on stdout (LOG_LEVEL, default `info`). The kit's lines about
 * a webhook carry `accountId` and `webhookId`, never a write key; the alert hooks' events are among them
 * ("needs attention", "healthy again", "deliveries failed").
 */
const logger = pino({ name: 'demo', level: process.env.LOG_LEVEL?.trim() || 'info' });

async function main() {
  const started = performance.now();
  const config = readConfig(process.env, { argv: process.argv.slice(2) });
  const demo = await startDemo(config, logger);
  console.log(
    [
      '',
      `  Segment webhook kit demo ready in ${Math.round(performance.now() - started)} ms`,
      '',
      `  ➜ Dashboard:  ${demo.url}`,
      `  ➜ REST API:   ${demo.url}${API_PATH}  (OpenAPI: ${API_PATH}/openapi.json)`,
      `  ➜ Health:     ${demo.url}/healthz, ${demo.url}/readyz · metrics: ${demo.url}/metrics`,
      `  ➜ Segment:    ${demo.segmentDescription}`,
      `  ➜ Data:       ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : config.dataDir}`,
      '',
    ].join('\n'),
  );

  let simulator: NodeJS.Timeout | undefined;
  if (config.simulate) {
    logger.info({ accountId: DEFAULT_ACCOUNT }, 'Simulating activity (--simulate)');
    simulator = setInterval(() => {
      const events = generateActivityEvents({ count: 1 + Math.floor(Math.random() * 3) });
      postActivityEvents(`${demo.url}${API_PATH}`, events, { headers: { 'x-account-id': DEFAULT_ACCOUNT } }).catch(
        (error: unknown) =>
          logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'Simulator failed'),
      );
    }, 1500);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${signal}: stopping (requests in flight finish, deliveries not sent are released)`);
    clearInterval(simulator);
    try {
      await demo.close();
    } catch (error) {
      logger.error({ error: error instanceof Error ? error.message : String(error) }, 'Stopping failed');
      process.exit(1);
    }
    logger.info({}, 'Stopped');
    process.exit(0);
  };
  // A second signal while stopping changes nothing (a process manager may send one to the whole group too).
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('[demo] Failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
