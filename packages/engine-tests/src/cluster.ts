/**
 * A throwaway PostgreSQL cluster for tests that stop or restart the database (never the shared server
 * other test files use at the same moment): `initdb` into a temporary folder, started on a free port of
 * 55400–55499, removed by {@link ThrowawayCluster.destroy} (and stopped if the test process exits first).
 *
 * PostgreSQL refuses to run as root: as root (CI), its programs run as the `postgres` user through
 * `runuser -u postgres --`; as any other user, directly. The binaries are `PG_BIN` if set, else those of
 * the newest /usr/lib/postgresql/<version>/bin, else the PATH's.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The first and last port the clusters may use. */
export const CLUSTER_PORTS = { first: 55400, last: 55499 } as const;

/** A running throwaway cluster. */
export interface ThrowawayCluster {
  /** Its port on 127.0.0.1. */
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  /** Stops the server (`pg_ctl stop -m fast`: open connections are terminated, 57P01). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. Resolves once it accepts connections. */
  start(): Promise<void>;
  /** `pg_ctl restart -m fast`: what a host's `pg_ctlcluster … restart` does. */
  restart(): Promise<void>;
  /** Stops it at once and deletes its folder. */
  destroy(): Promise<void>;
}

function binDir(): string | null {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name) && existsSync(path.join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

function command(program: string, args: string[]): [string, string[]] {
  const dir = binDir();
  const executable = dir ? path.join(dir, program) : program;
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', executable, ...args]] : [executable, args];
}

async function pg(program: string, args: string[]): Promise<void> {
  const [file, argv] = command(program, args);
  await run(file, argv, { timeout: 60_000 });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function freePort(): Promise<number> {
  const { first, last } = CLUSTER_PORTS;
  const count = last - first + 1;
  const offset = Math.floor(Math.random() * count);
  for (let i = 0; i < count; i++) {
    const port = first + ((offset + i) % count);
    if (await portIsFree(port)) return port;
  }
  throw new Error(`No free port in ${first}–${last} for a throwaway PostgreSQL cluster`);
}

/**
 * Creates and starts a throwaway cluster. Its settings favour speed over durability across an operating
 * system crash (`fsync = off`): a PostgreSQL restart still loses nothing that was committed.
 */
export async function startThrowawayCluster(
  options: {
    /** More server settings (`-c name=value`), e.g. `{shared_preload_libraries: 'pg_stat_statements'}`. */
    settings?: Record<string, string>;
  } = {},
): Promise<ThrowawayCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'swk-pg-'));
  if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), 0);
  const data = path.join(dir, 'data');
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  let port = 0;
  let running = false;
  const extra = Object.entries(options.settings ?? {})
    .map(([name, value]) => ` -c ${name}=${value}`)
    .join('');
  const serverOptions = () =>
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100${extra}`;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-o', serverOptions(), '-l', path.join(dir, 'log'), '-w', '-t', '60', 'start']);
    running = true;
  };
  // Another test process may take the port between the check and the start: try the next one.
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 5) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  // A test process that dies without destroy() must not leave a server running.
  const stopAtExit = () => {
    if (running) {
      const [file, argv] = command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      try {
        execFileSync(file, argv, { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // Already stopped.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stopAtExit);

  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    start,
    async restart() {
      await pg('pg_ctl', [
        '-D',
        data,
        '-o',
        serverOptions(),
        '-l',
        path.join(dir, 'log'),
        '-m',
        'fast',
        '-w',
        'restart',
      ]);
      running = true;
    },
    async destroy() {
      process.off('exit', stopAtExit);
      if (running) await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
