import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract('memory', async (clock) => createMemoryStore({ clock }), { propertyRuns: 300 });
