import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/node.ts', 'src/browser.ts'],
  format: 'esm',
  dts: true,
  // Declarations built with exactOptionalPropertyTypes: they then suit strict hosts and lax ones alike.
  tsconfig: '../../tsconfig.build.json',
  platform: 'neutral',
  unbundle: true,
  clean: true,
  fixedExtension: false,
  logLevel: 'warn',
});
