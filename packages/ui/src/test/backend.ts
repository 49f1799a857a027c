/**
 * The backend of the kit's stories and jsdom tests: the real server in memory with the sample account
 * (`createSampleBackend` of `@segment-webhook/testing/browser`). Test-only: the kit itself never imports it.
 */
import {
  createSampleBackend,
  SAMPLE_NOW,
  type SampleAccountOptions,
  type SampleBackend,
} from '@segment-webhook/testing/browser';

export { SAMPLE_NOW, type SampleBackend };

/**
 * What a story's `parameters.backend` (or a test's `backend` option) says: which sample account to seed,
 * and what to do to the backend before the component renders (make a route fail or hang, tell the Segment
 * stand-in how to answer, …).
 */
export interface KitBackendParameters extends SampleAccountOptions {
  setup?: (backend: SampleBackend) => void | Promise<void>;
}

/** A history of `wh_orders` long enough for more than one page of deliveries and a 30-day chart. */
export const LONG_HISTORY: SampleAccountOptions['orders'] = { events: 160, days: 30 };

/** Seeds a new sample backend and applies `setup`. */
export async function createKitBackend({ setup, ...sample }: KitBackendParameters = {}): Promise<SampleBackend> {
  const backend = await createSampleBackend(sample);
  await setup?.(backend);
  return backend;
}

/** The backend of a story (`loaded.backend`, set by .storybook/preview.tsx's loader). */
export function backendOf(context: { loaded: Record<string, unknown> }): SampleBackend {
  const backend = context.loaded.backend as SampleBackend | undefined;
  if (!backend) throw new Error('This story has no backend (see the loader in .storybook/preview.tsx).');
  return backend;
}
