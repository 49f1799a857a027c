import { describe } from 'vitest';
import { STORES } from './harness';
import { describeHostileInput } from './hostile-input.conformance';
import { describeRouterConformance } from './router.conformance';
import { describeSupportTools } from './support.conformance';

// The HTTP conformance suite on node:http, on every store.
for (const store of STORES) {
  describe(`node:http on ${store}`, () => {
    describeRouterConformance('node:http', store);
    describeSupportTools('node:http', store);
    describeHostileInput('node:http', store);
  });
}
