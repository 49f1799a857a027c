/**
 * `@segment-webhook/core/testing`: helpers for implementers of the kit's extension points. Imports
 * `vitest` (a peer dependency of this entry point only).
 */
export { describeFairShare, type FairShareOptions, type FairShareSink } from './fair-share';
export {
  deliveryFixture,
  describeStoreContract,
  type StoreContractOptions,
  webhookFixture,
} from './store-contract';
