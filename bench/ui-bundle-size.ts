/**
 * Bundle size of `@segment-webhook/ui` (issue 5: ≤ 40 kB min+gzip without its peer dependencies).
 *
 * Bundles packages/ui/src/index.ts for the browser with Vite (Rolldown + its minifier), every peer
 * dependency of packages/ui/package.json external (react, react-dom, @tanstack/react-query,
 * react-hook-form, @hookform/resolvers, radix-ui, zod), and everything else — the kit itself,
 * @segment-webhook/core/contract, eventsource-parser and @noble/hashes — bundled, then gzips the result (level 9).
 * Also reports the stylesheet, and for comparison the figure with zod bundled too (a host without zod 4).
 *
 *   node --import tsx bench/ui-bundle-size.ts [--json]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Rollup } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'packages/ui/src/index.ts');
const css = path.join(root, 'packages/ui/src/styles.css');
export const BUDGET_BYTES = 40 * 1024;

const uiManifest = JSON.parse(readFileSync(path.join(root, 'packages/ui/package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
};
const PEERS = Object.keys(uiManifest.peerDependencies);

function isExternal(id: string, externals: string[]): boolean {
  return externals.some((name) => id === name || id.startsWith(`${name}/`));
}

/** Minified and gzipped size of the kit's JavaScript with the given packages external. */
export async function measure(externals: string[] = PEERS): Promise<{ minified: number; gzipped: number }> {
  const output = (await build({
    configFile: false,
    logLevel: 'silent',
    root,
    build: {
      write: false,
      minify: true,
      target: 'es2022',
      // Not library mode: Vite keeps whitespace in ES libraries; an app-style build minifies fully.
      modulePreload: false,
      rollupOptions: {
        input: entry,
        preserveEntrySignatures: 'exports-only',
        external: (id: string) => isExternal(id, externals),
        output: { format: 'es' },
      },
    },
  })) as Rollup.RollupOutput | Rollup.RollupOutput[];
  const outputs = Array.isArray(output) ? output : [output];
  let code = '';
  for (const out of outputs) {
    for (const chunk of out.output) if (chunk.type === 'chunk') code += chunk.code;
  }
  return { minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

async function main() {
  const kit = await measure(PEERS);
  const withZod = await measure(PEERS.filter((name) => name !== 'zod'));
  const cssText = readFileSync(css, 'utf8');
  const cssMin = cssText.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ');
  const cssGzip = gzipSync(cssMin, { level: 9 }).length;
  const result = {
    js: kit,
    jsWithZodBundled: withZod,
    css: { gzipped: cssGzip },
    budget: BUDGET_BYTES,
    ratioToBudget: kit.gzipped / BUDGET_BYTES,
    withinBudget: kit.gzipped <= BUDGET_BYTES,
  };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log('@segment-webhook/ui bundle size (peers external: %s)', PEERS.join(', '));
  console.log(`  JS, the kit without its peers:  ${kb(kit.minified)} min, ${kb(kit.gzipped)} min+gzip`);
  console.log(
    `  JS, zod bundled too (for hosts without zod 4): ${kb(withZod.minified)} min, ${kb(withZod.gzipped)} min+gzip`,
  );
  console.log(`  styles.css (comments and whitespace stripped): ${kb(cssGzip)} gzip`);
  console.log(
    `  budget ${kb(BUDGET_BYTES)} min+gzip: ${(result.ratioToBudget * 100).toFixed(0)}% used, ${result.withinBudget ? 'within' : 'OVER'}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  await main();
}
