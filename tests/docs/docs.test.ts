import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The documentation a host reads, checked against the code (issue 12 §3 and §6).
const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const packages = readdirSync(path.join(root, 'packages')).filter((name) =>
  existsSync(path.join(root, 'packages', name, 'package.json')),
);
/** The packages that are published (private ones, e.g. engine-tests, hold test suites only). */
const published = packages.filter((name) => !JSON.parse(read(`packages/${name}/package.json`)).private);
const readmes = ['README.md', ...packages.map((name) => `packages/${name}/README.md`), 'apps/demo/README.md'];

/** A code line as compared: trimmed, without a trailing ` // comment`. */
const codeLine = (line: string) => line.replace(/\s+\/\/\s.*$/, '').trim();

describe('package documentation', () => {
  it('every published package ships a README and the LICENSE', () => {
    for (const name of published) {
      expect(existsSync(path.join(root, 'packages', name, 'README.md')), name).toBe(true);
      expect(read(`packages/${name}/LICENSE`), name).toBe(read('LICENSE'));
      expect(JSON.parse(read(`packages/${name}/package.json`)).license, name).toBe('MIT');
    }
  });

  it('names only the environment variables the demo and the examples read', () => {
    const config = read('apps/demo/server/config.ts');
    const known = new Set([...config.matchAll(/env\.([A-Z_]+)/g)].map((match) => match[1]));
    expect(known).toContain('SEGMENT_ENCRYPTION_KEY');
    for (const readme of readmes) {
      for (const [name] of read(readme).matchAll(/\b(?:SEGMENT_[A-Z_]+|DATABASE_URL|DATA_DIR)\b/g)) {
        expect(known.has(name), `${readme} names ${name}`).toBe(true);
      }
    }
  });

  it("the UI README lists every peer dependency, and the Express adapter's says hosts need @types/express", () => {
    const ui = read('packages/ui/README.md');
    for (const peer of Object.keys(JSON.parse(read('packages/ui/package.json')).peerDependencies)) {
      expect(ui, peer).toContain(`\`${peer}\``);
    }
    const express = JSON.parse(read('packages/express-adapter/package.json'));
    expect(express.peerDependencies['@types/express']).toBeDefined();
    expect(express.peerDependenciesMeta['@types/express']).toEqual({ optional: true });
    expect(read('packages/express-adapter/README.md')).toMatch(/npm i -D @types\/express/);
  });

  it('core has a README that names its entry points', () => {
    const core = read('packages/core/README.md');
    for (const entry of Object.keys(JSON.parse(read('packages/core/package.json')).exports)) {
      expect(core).toContain(`\`@segment-webhook/core${entry.slice(1)}\``);
    }
  });
});

describe('recipes', () => {
  it("each excerpt block of the server README is the named file's code, line for line in order", () => {
    const readme = read('packages/server/README.md');
    const excerpts = [...readme.matchAll(/<!-- from: (\S+) -->\n```ts excerpt\n([\s\S]*?)```/g)];
    expect(excerpts.map((match) => match[1])).toEqual([
      'examples/nextjs/app/api/segment-webhooks/[...path]/route.ts',
      'examples/nextjs/lib/segment-webhooks.ts',
      'examples/hono/server.ts',
      'tests/http/node-http-recipe.ts',
    ]);
    for (const [, file, block] of excerpts) {
      const lines = read(file!).split('\n').map(codeLine);
      let at = 0;
      for (const line of block!.split('\n').map(codeLine)) {
        if (line === '' || line.startsWith('//')) continue;
        const found = lines.indexOf(line, at);
        expect(found, `${file}: ${line}`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
    }
  });

  it("the root README's Embedding section links a recipe per framework and every example", () => {
    const readme = read('README.md');
    const embedding = readme.slice(
      readme.indexOf('## Embedding'),
      readme.indexOf('\n## ', readme.indexOf('## Embedding') + 1),
    );
    for (const framework of ['Express', 'Fastify', 'Next.js', 'Hono', 'node:http']) {
      expect(embedding, framework).toMatch(new RegExp(`\\*\\*${framework.replace('.', '\\.')}\\*\\*`));
    }
    const links = [...embedding.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((match) => match[1]!);
    for (const link of links) expect(existsSync(path.join(root, link)), link).toBe(true);
    for (const example of ['express', 'fastify', 'hono', 'nextjs']) expect(links).toContain(`examples/${example}`);
    for (const recipe of ['#nextjs-app-router', '#hono', '#nodehttp']) expect(embedding).toContain(recipe);
  });
});
