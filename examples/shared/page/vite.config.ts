/**
 * Builds the example page into `dist/` of the folder it is run from: `vite build --config ../shared/page/vite.config.ts`
 * in examples/express, examples/fastify or examples/hono.
 */
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: path.resolve(process.cwd(), 'dist'), emptyOutDir: true, chunkSizeWarningLimit: 1500 },
});
