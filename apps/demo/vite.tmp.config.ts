import { mergeConfig } from 'vite';
import base from './vite.config';
export default mergeConfig(base, {
  resolve: { alias: [{ find: /^@segment-webhook\/ui$/, replacement: '/tmp/ui-shim.ts' }] },
});
