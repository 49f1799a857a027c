import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import react from '@vitejs/plugin-react';
import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';

const dirname = path.dirname(fileURLToPath(import.meta.url));

/** Chromium from Debian (browser downloads are impossible on these machines). */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-quic',
    '--disable-background-networking',
  ],
};

export default defineConfig({
  test: {
    projects: [
      {
        // Node-side packages: core, stores, server and adapters, testing sink, demo server, HTTP conformance.
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'packages/*/src/**/*.test.ts',
            'apps/demo/server/**/*.test.ts',
            'bench/**/*.test.ts',
            'tests/**/*.test.ts',
            'examples/shared/src/**/*.test.ts',
          ],
          exclude: ['packages/ui/**', '**/node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Each example started with `pnpm start` and driven over HTTP (examples/smoke.test.ts). Run on its
        // own (`--project examples`): it builds pages and a Next.js app, one example after the other.
        test: {
          name: 'examples',
          environment: 'node',
          include: ['examples/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 60_000,
        },
      },
      {
        // React component tests in jsdom.
        plugins: [react()],
        test: {
          name: 'ui',
          environment: 'jsdom',
          include: ['packages/ui/src/**/*.test.{ts,tsx}'],
          setupFiles: ['packages/ui/vitest.setup.ts'],
          // The Foundations page reads the stylesheet's text (`styles.css?raw`); other CSS stays stubbed.
          css: { include: [/styles\.css/] },
          testTimeout: 20_000,
        },
      },
      {
        // Every Storybook story as a browser test with its play function and an axe check.
        plugins: [storybookTest({ configDir: path.join(dirname, '.storybook') })],
        test: {
          name: 'storybook',
          browser: {
            enabled: true,
            headless: true,
            instances: [{ browser: 'chromium' }],
            provider: playwright({ launchOptions: chromiumLaunchOptions }),
          },
        },
      },
    ],
  },
});
