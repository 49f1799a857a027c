import { describe } from 'vitest';
import { STORES } from './harness';
import { describeHostileInput } from './hostile-input.conformance';
import { describeRouterConformance } from './router.conformance';
import { describeSupportTools } from './support.conformance';

// The HTTP conformance suite on express, on every store.
for (const store of STORES) {
  describe(`express on ${store}`, () => {
    describeRouterConformance('express', store);
    describeSupportTools('express', store);
    describeHostileInput('express', store);
  });
}
