/** Removes the temporary DATA_DIRs the Playwright config made for the demos under test. */
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  for (const dataDir of [process.env.DEMO_E2E_DATA_DIR, process.env.DEMO_E2E_POSTGRES_DATA_DIR]) {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
