import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
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
