import { describe } from 'vitest';
import { STORES } from './harness';
import { describeHostileInput } from './hostile-input.conformance';
import { describeRouterConformance } from './router.conformance';

// The HTTP conformance suite on hono, on every store.
for (const store of STORES) {
  describe(`hono on ${store}`, () => {
    describeRouterConformance('hono', store);
    describeHostileInput('hono', store);
  });
}
