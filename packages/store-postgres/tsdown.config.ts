import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts'],
  format: 'esm',
  dts: true,
  platform: 'node',
  unbundle: true,
  clean: true,
  // `.js` / `.d.ts`, as publishConfig.exports names them (the package is `type: module`).
  fixedExtension: false,
  logLevel: 'warn',
});
