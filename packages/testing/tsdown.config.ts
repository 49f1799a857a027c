import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/browser.ts', 'src/cli.ts'],
  format: 'esm',
  dts: true,
  platform: 'node',
  unbundle: true,
  clean: true,
  fixedExtension: false,
  logLevel: 'warn',
});
