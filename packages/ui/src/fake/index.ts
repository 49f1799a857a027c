export {
  createFakeApi,
  FAKE_ROUTES,
  type FakeApi,
  type FakeFailure,
  type FakeRequest,
  type FakeRoute,
  type FakeSeed,
  type FakeState,
  type FakeTestOutcome,
} from './fake-api';
export {
  FAKE_NOW,
  makeWebhook,
  sampleActivities,
  sampleFieldCatalog,
  samplePerson,
  sampleWebhooks,
} from './fixtures';
export { createTestQueryClient } from './query-client';
