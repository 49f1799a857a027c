/** Removes the temporary DATA_DIR the Playwright config made for the demo under test. */
import { rmSync } from 'node:fs';

export default function globalTeardown() {
  const dataDir = process.env.DEMO_E2E_DATA_DIR;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
