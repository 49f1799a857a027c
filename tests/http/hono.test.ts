import { describe } from 'vitest';
import { STORES } from './harness';
import { describeHostileInput } from './hostile-input.conformance';
import { describeRouterConformance } from './router.conformance';
import { describeSupportTools } from './support.conformance';

// The HTTP conformance suite on hono, on every store.
for (const store of STORES) {
  describe(`hono on ${store}`, () => {
    describeRouterConformance('hono', store);
    describeSupportTools('hono', store);
    describeHostileInput('hono', store);
  });
}
