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
  platform: 'node',
  unbundle: true,
  clean: true,
  fixedExtension: false,
  logLevel: 'warn',
});
