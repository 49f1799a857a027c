#!/usr/bin/env node
// Installs the kit as a new host does (issue 12 §6), outside the workspace:
// 1. packs every package (`pnpm pack`: workspace versions and publishConfig applied) and checks each tarball
//    ships its README, LICENSE and no bundled dependency;
// 2. installs the tarballs with npm into a temporary host (Express, Fastify, React + Vite, vitest);
// 3. type-checks the host and every ```ts / ```tsx snippet of the READMEs with `strict`,
//    `exactOptionalPropertyTypes` and `noUncheckedIndexedAccess`;
// 4. runs, under the host's own vitest, the store conformance suite from the tarball against SQLite and a
//    server test (Express, Fastify and the fetch handler from the tarballs, one delivery to the testing sink),
//    and the in-memory backend of @segment-webhook/testing/browser (the sample account, one delivery);
// 5. builds a page that renders the main components (vite build).
// Expects `dist/` to be built (scripts/check-packages.mjs); builds a package whose dist is missing.
// Prints `N passed, N failed` over its steps. KEEP_HOST=1 keeps the temporary folder.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(os.tmpdir(), 'segment-webhook-host-'));
const tarballs = path.join(work, 'tarballs');
const host = path.join(work, 'host');
mkdirSync(tarballs);

let passed = 0;
let failed = 0;
function step(label, fn) {
  const started = Date.now();
  let ok = false;
  try {
    ok = fn() !== false;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
  }
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? '✔' : '✘'} ${label} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
  return ok;
}

function run(command, args, cwd, env = {}) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}`);
}

const manifest = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
// Published packages only: private ones (packages/engine-tests) hold test suites and are never packed.
const packages = readdirSync(path.join(root, 'packages')).filter(
  (name) =>
    existsSync(path.join(root, 'packages', name, 'package.json')) &&
    !manifest(path.join(root, 'packages', name)).private,
);
const rootManifest = manifest(root);
const uiManifest = manifest(path.join(root, 'packages', 'ui'));
const version = (name) => rootManifest.devDependencies[name] ?? uiManifest.devDependencies[name];

const packed = {};
const ok = step('pack every package (README, LICENSE, no bundled dependency)', () => {
  for (const name of packages) {
    const dir = path.join(root, 'packages', name);
    if (!existsSync(path.join(dir, 'dist'))) run('pnpm', ['exec', 'tsdown', '--log-level', 'warn'], dir);
    const before = new Set(readdirSync(tarballs));
    run('pnpm', ['pack', '--pack-destination', tarballs], dir);
    const file = readdirSync(tarballs).find((entry) => !before.has(entry));
    if (!file) throw new Error(`${name}: pnpm pack wrote no tarball`);
    const listing = spawnSync('tar', ['-tzf', path.join(tarballs, file)], { encoding: 'utf8' }).stdout.split('\n');
    for (const required of ['package/README.md', 'package/LICENSE', 'package/package.json']) {
      if (!listing.includes(required)) throw new Error(`${name}: ${file} lacks ${required}`);
    }
    if (listing.some((entry) => entry.includes('/node_modules/')))
      throw new Error(`${name}: ${file} bundles node_modules`);
    packed[manifest(dir).name] = `file:${path.join(tarballs, file)}`;
  }
});

if (ok) {
  cpSync(path.join(root, 'scripts', 'pack-install', 'host'), host, { recursive: true });
  // Every ```ts / ```tsx block of the READMEs, as a module of its own.
  mkdirSync(path.join(host, 'readme'));
  const readmes = ['README.md', ...packages.map((name) => path.join('packages', name, 'README.md'))];
  let snippets = 0;
  for (const readme of readmes) {
    const text = readFileSync(path.join(root, readme), 'utf8');
    for (const match of text.matchAll(/```(ts|tsx)\n([\s\S]*?)```/g)) {
      snippets += 1;
      const name = `${readme.replaceAll(/[/.]/g, '_')}_${snippets}.${match[1]}`;
      writeFileSync(path.join(host, 'readme', name), `// ${readme}\n${match[2]}\nexport {};\n`);
    }
  }
  console.log(`${snippets} README snippets to type-check`);
  const peers = [
    'express',
    '@types/express',
    'fastify',
    'react',
    'react-dom',
    '@types/react',
    '@types/react-dom',
    '@tanstack/react-query',
    'react-hook-form',
    '@hookform/resolvers',
    'radix-ui',
    'zod',
    'prom-client',
    'vitest',
    'fast-check',
    'vite',
    '@vitejs/plugin-react',
    'typescript',
    '@types/node',
  ];
  writeFileSync(
    path.join(host, 'package.json'),
    JSON.stringify(
      {
        name: 'new-host',
        private: true,
        type: 'module',
        dependencies: { ...packed, ...Object.fromEntries(peers.map((name) => [name, version(name)])) },
        // The packages depend on each other by version: take them from the tarballs, never the registry.
        overrides: Object.fromEntries(Object.keys(packed).map((name) => [name, `$${name}`])),
      },
      null,
      2,
    ),
  );

  const installed = step('npm install the tarballs into a new host', () =>
    // better-sqlite3 compiles from source here: node-gyp uses the Node headers under /usr.
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], host, { npm_config_nodedir: '/usr' }),
  );
  if (installed) {
    step(
      'type-check the host and the README snippets (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess)',
      () => run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], host),
    );
    step('store conformance suite, server test and in-memory backend from the tarballs (host vitest)', () =>
      run('npx', ['--no-install', 'vitest', 'run'], host, { DATABASE_URL: '' }),
    );
    step('build a page with the main components (vite build)', () =>
      run('npx', ['--no-install', 'vite', 'build'], host),
    );
  }
}

if (process.env.KEEP_HOST === '1') console.log(`host kept in ${host}`);
else rmSync(work, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
