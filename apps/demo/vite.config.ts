import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The workspace packages export their TypeScript source (`exports` → `src/*.ts`), so Vite compiles
// the kit together with the demo: no watch builds, and the kit's React is the demo's React.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: {
    dedupe: ['react', 'react-dom', '@tanstack/react-query', 'react-hook-form', 'radix-ui', '@hookform/resolvers'],
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `pnpm --filter @segment-webhook/demo dev` beside `… serve`: hot reload with the real API.
    proxy: { '/api': process.env.DEMO_SERVER_URL ?? 'http://localhost:3000' },
  },
});
