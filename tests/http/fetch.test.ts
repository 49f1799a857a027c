import { describe } from 'vitest';
import { STORES } from './harness';
import { describeHostileInput } from './hostile-input.conformance';
import { describeRouterConformance } from './router.conformance';

// The HTTP conformance suite on fetch, on every store.
for (const store of STORES) {
  describe(`fetch on ${store}`, () => {
    describeRouterConformance('fetch', store);
    describeHostileInput('fetch', store);
  });
}
