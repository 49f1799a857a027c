// Fails when @segment-webhook/ui exceeds its size budget (issue 5: ≤ 40 kB min+gzip without its peer
// dependencies). A size, not a time: stable on a noisy machine.
import { BUDGET_BYTES, measure } from '../bench/ui-bundle-size';

const { gzipped } = await measure();
console.log(`@segment-webhook/ui: ${(gzipped / 1024).toFixed(1)} kB min+gzip (budget ${BUDGET_BYTES / 1024} kB)`);
process.exit(gzipped <= BUDGET_BYTES ? 0 : 1);
