import { describeStoreContract } from '../testing/store-contract';
import { memoryStore } from './memory-store';

describeStoreContract('memory store', () => memoryStore());
