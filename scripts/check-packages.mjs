#!/usr/bin/env node
// Builds every publishable package to dist with tsdown and checks its packaging with publint, and that no
// dependency was bundled into dist (a bundled copy of vitest broke @segment-webhook/core/testing in hosts).
// Private packages (packages/engine-tests: test suites and helpers) are never published and are skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let ok = true;
for (const name of readdirSync(path.join(root, 'packages'))) {
  const dir = path.join(root, 'packages', name);
  if (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).private) continue;
  for (const [cmd, args] of [
    ['pnpm', ['exec', 'tsdown', '--log-level', 'warn']],
    ['pnpm', ['exec', 'publint', '--strict', '--pack', 'false']],
  ]) {
    const result = spawnSync(cmd, args, { cwd: dir, stdio: 'inherit' });
    if (result.status !== 0) {
      console.error(`✘ ${name}: ${cmd} ${args.join(' ')} failed`);
      ok = false;
    }
  }
  if (existsSync(path.join(dir, 'dist', 'node_modules'))) {
    console.error(
      `✘ ${name}: dist/node_modules exists: a dependency was bundled; make it external (a peer dependency)`,
    );
    ok = false;
  }
}
process.exit(ok ? 0 : 1);
