import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  dts: true,
  platform: 'node',
  unbundle: true,
  clean: true,
  fixedExtension: false,
  logLevel: 'warn',
});
