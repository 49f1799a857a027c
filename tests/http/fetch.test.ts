import { describe } from 'vitest';
import { STORES } from './harness';
import { describeHostileInput } from './hostile-input.conformance';
import { describeRouterConformance } from './router.conformance';
import { describeSupportTools } from './support.conformance';

// The HTTP conformance suite on fetch, on every store.
for (const store of STORES) {
  describe(`fetch on ${store}`, () => {
    describeRouterConformance('fetch', store);
    describeSupportTools('fetch', store);
    describeHostileInput('fetch', store);
  });
}
