import type { NextConfig } from 'next';

const config: NextConfig = {
  // The kit's workspace packages export TypeScript source.
  transpilePackages: [
    '@segment-webhook/core',
    '@segment-webhook/example-shared',
    '@segment-webhook/prometheus',
    '@segment-webhook/server',
    '@segment-webhook/store-postgres',
    '@segment-webhook/store-sqlite',
    '@segment-webhook/testing',
    '@segment-webhook/ui',
  ],
  // Native and driver packages stay plain Node requires.
  serverExternalPackages: ['better-sqlite3', 'pg', 'undici', 'prom-client'],
  // The monorepo's `tsc` type-checks this folder; the build does not again.
  typescript: { ignoreBuildErrors: true },
};

export default config;
