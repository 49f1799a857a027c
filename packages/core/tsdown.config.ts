import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: [
    'src/index.ts',
    'src/contract/index.ts',
    'src/browser/index.ts',
    'src/memory/index.ts',
    'src/testing/index.ts',
  ],
  format: 'esm',
  dts: true,
  // Declarations built with exactOptionalPropertyTypes: they then suit strict hosts and lax ones alike.
  tsconfig: '../../tsconfig.build.json',
  platform: 'node',
  unbundle: true,
  clean: true,
  fixedExtension: false,
  logLevel: 'warn',
});
