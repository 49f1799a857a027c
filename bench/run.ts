/**
 * `pnpm bench`: runs every benchmark of the repository, one after the other (each in its own process, so
 * that none warms up or slows down the next), and fails if any fails. Each one prints its figures and
 * the ones that keep BENCHMARKS.md up to date write their own section.
 *
 *   pnpm bench                      # all of them
 *   BENCH_ONLY=delivery pnpm bench  # those whose file name contains one of the comma-separated words
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Entry points (helpers such as http-server.ts and sink-thread.ts are started by them). */
const BENCHMARKS: { file: string; browser?: boolean }[] = [
  { file: 'bench/delivery-throughput.ts' },
  { file: 'bench/http-ingest.ts' },
  { file: 'bench/export-memory.ts' },
  { file: 'bench/fairness.ts' },
  { file: 'bench/rest-steady.ts' },
  { file: 'bench/metrics-scrape.ts' },
  { file: 'bench/gauge-index-cost.ts' },
  { file: 'bench/person-search-cost.ts' },
  { file: 'bench/ui-bundle-size.ts' },
  // Browser runs are serialised on these shared machines (docs/team-notes.md).
  { file: 'bench/ui-logs-render.ts', browser: true },
];

const only = process.env.BENCH_ONLY?.split(',').map((word) => word.trim());
const failed: string[] = [];
for (const { file, browser } of BENCHMARKS) {
  if (only && !only.some((word) => file.includes(word))) continue;
  const command = ['node', '--import', 'tsx', file];
  const [bin, ...args] = browser ? ['flock', '/tmp/browser.lock', ...command] : command;
  console.log(`\n▶ ${file}`);
  const result = spawnSync(bin!, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) failed.push(file);
}
if (failed.length > 0) {
  console.error(`\nFailed: ${failed.join(', ')}`);
  process.exit(1);
}
