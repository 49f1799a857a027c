import { describe } from 'vitest';
import { STORES } from './harness';
import { describeHostileInput } from './hostile-input.conformance';
import { describeRouterConformance } from './router.conformance';
import { describeSupportTools } from './support.conformance';

// The HTTP conformance suite on fastify, on every store.
for (const store of STORES) {
  describe(`fastify on ${store}`, () => {
    describeRouterConformance('fastify', store);
    describeSupportTools('fastify', store);
    describeHostileInput('fastify', store);
  });
}
