/**
 * `pnpm start`: the demo server. Configuration from the environment (see README.md):
 * PORT, DATA_DIR, DATABASE_URL, SEGMENT_US_ENDPOINT, SEGMENT_EU_ENDPOINT, SEGMENT_LIVE,
 * SEGMENT_RETRY_BASE_MS, SEGMENT_ENCRYPTION_KEY. `--simulate` streams simulated activity into the
 * default account while it runs.
 */
import { DEFAULT_ACCOUNT } from '../src/catalog';
import { generateActivityEvents, postActivityEvents } from '../src/simulator';
import { API_PATH, type Logger, startDemo } from './app';
import { readConfig } from './config';

const logger: Logger = {
  info: (message, details) => console.log(`[demo] ${message}`, ...(details ? [details] : [])),
  warn: (message, details) => console.warn(`[demo] ${message}`, ...(details ? [details] : [])),
  error: (message, details) => console.error(`[demo] ${message}`, ...(details ? [details] : [])),
};

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
      `  ➜ Segment:    ${demo.segmentDescription}`,
      `  ➜ Data:       ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : config.dataDir}`,
      '',
    ].join('\n'),
  );

  let simulator: NodeJS.Timeout | undefined;
  if (config.simulate) {
    logger.info(`Simulating activity for the "${DEFAULT_ACCOUNT}" account (--simulate)`);
    simulator = setInterval(() => {
      const events = generateActivityEvents({ count: 1 + Math.floor(Math.random() * 3) });
      postActivityEvents(`${demo.url}${API_PATH}`, events, { headers: { 'x-account-id': DEFAULT_ACCOUNT } }).catch(
        (error: unknown) => logger.warn(`Simulator: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, 1500);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping (requests in flight finish, deliveries not sent are released)`);
    clearInterval(simulator);
    try {
      await demo.close();
    } catch (error) {
      logger.error(`Stopping failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
    logger.info('Stopped');
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
