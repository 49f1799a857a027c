/**
 * Runs a command with `DATABASE_URL` pointing at a database of its own, created on the server of the
 * current `DATABASE_URL` (default the local test PostgreSQL) and dropped once the command has exited.
 * The Playwright config starts the PostgreSQL demo through it:
 *
 *   node --import tsx e2e/with-fresh-database.ts pnpm serve
 *
 * SIGTERM and SIGINT are passed on to the command (the demo stops gracefully), then the database goes.
 */
import { spawn } from 'node:child_process';
import { createFreshDatabase } from '@segment-webhook/engine-tests';

const [command, ...args] = process.argv.slice(2);
if (!command) throw new Error('usage: with-fresh-database.ts <command> [args…]');

const database = await createFreshDatabase('swk_demo_e2e');
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: database.url } });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    child.kill(signal);
  });
}
const code = await new Promise<number>((resolve) => {
  child.once('error', () => resolve(1));
  child.once('exit', (exitCode) => resolve(exitCode ?? 1));
});
await database.drop();
process.exit(code);
