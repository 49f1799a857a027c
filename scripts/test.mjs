#!/usr/bin/env node
// The whole test suite: lint, typecheck, every Vitest project (node, jsdom, Storybook stories in
// Chromium), the Storybook build, package checks and the Playwright end-to-end tests. Prints one
// closing line `N passed, N failed` summed over everything, and exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reports = path.join(root, '.vitest-reports');
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/test';

let passed = 0;
let failed = 0;
const summary = [];

function run(label, command, args, { count } = {}) {
  const started = Date.now();
  console.log(`\n▶ ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = result.status === 0;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let counted = null;
  if (count) {
    try {
      counted = count();
    } catch {
      counted = null;
    }
  }
  if (counted) {
    passed += counted.passed;
    failed += counted.failed;
    // A runner that failed without failing a test (a crash, a config error) still fails the suite.
    if (!ok && counted.failed === 0) failed += 1;
  } else if (ok) passed += 1;
  else failed += 1;
  summary.push(
    `${ok ? '✔' : '✘'} ${label} (${seconds}s)${counted ? `: ${counted.passed} passed, ${counted.failed} failed` : ''}`,
  );
}

function vitestCounts(file) {
  return () => {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    return {
      passed: json.numPassedTests,
      failed: json.numFailedTests + (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0),
    };
  };
}

run('lint (biome)', 'pnpm', ['exec', 'biome', 'check', '.']);
run('typecheck (tsc)', 'pnpm', ['exec', 'tsc', '-p', 'tsconfig.json', '--noEmit']);
const vitestReport = path.join(reports, 'vitest.json');
run(
  'vitest (node, ui, storybook)',
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--project=node',
    '--project=ui',
    '--project=storybook',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${vitestReport}`,
  ],
  { count: vitestCounts(vitestReport) },
);
// Each example started with `pnpm start` and driven over HTTP to the local Segment sink (issue 12 §5).
const examplesReport = path.join(reports, 'examples.json');
run(
  'examples smoke (express, fastify, hono, nextjs × SQLite, PostgreSQL)',
  'pnpm',
  [
    'exec',
    'vitest',
    'run',
    '--project=examples',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${examplesReport}`,
  ],
  { count: vitestCounts(examplesReport) },
);
run('storybook build', 'pnpm', ['exec', 'storybook', 'build', '--quiet', '--output-dir', 'storybook-static']);
// Docs pages (Introduction, Foundations, every component's autodocs page) get the stories' axe check.
run('storybook docs accessibility', 'node', ['--import', 'tsx', 'scripts/check-docs-a11y.ts', 'storybook-static']);
run('packages build + publint', 'node', ['scripts/check-packages.mjs']);
// Pack every package, npm-install the tarballs into a new host outside the workspace, type-check it (and the
// READMEs' snippets) strictly, run the store conformance suite from the tarball, build a page (issue 12 §6).
run('pack and install as a new host', 'node', ['scripts/pack-install.mjs']);
// The UI kit's size budget (issue 5: ≤ 40 kB min+gzip without its peer dependencies). A size, not a time.
run('ui bundle size budget', 'node', ['--import', 'tsx', 'scripts/check-bundle-size.ts']);

const playwrightConfig = path.join(root, 'apps/demo/playwright.config.ts');
if (existsSync(playwrightConfig)) {
  const e2eReport = path.join(reports, 'e2e.json');
  process.env.PLAYWRIGHT_JSON_OUTPUT_NAME = e2eReport;
  run(
    'end-to-end (playwright)',
    'pnpm',
    ['exec', 'playwright', 'test', '-c', playwrightConfig, '--reporter=list,json'],
    {
      count: () => {
        const json = JSON.parse(readFileSync(e2eReport, 'utf8'));
        return {
          passed: json.stats.expected + (json.stats.flaky ?? 0),
          failed: json.stats.unexpected + (json.stats.skipped ?? 0),
        };
      },
    },
  );
}

console.log(`\n${summary.join('\n')}\n`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
