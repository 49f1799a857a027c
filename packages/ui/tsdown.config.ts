import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: ['src/index.ts', 'src/fake/index.ts'],
  format: 'esm',
  dts: true,
  platform: 'browser',
  unbundle: true,
  clean: true,
  fixedExtension: false,
  logLevel: 'warn',
  // The default stylesheet ships as is (`@segment-webhook/ui/styles.css`).
  copy: [{ from: 'src/styles.css' }],
});
