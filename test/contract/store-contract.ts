import { afterEach, describe } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { describeBudgetCases } from './budget-contract-cases.js';
import { describeBudgetInvariantProperty } from './budget-invariant-property.js';
import type { MakeStore } from './contract-fixtures.js';
import { describeControlCases } from './control-contract-cases.js';
import { describeGuardCases } from './guard-contract-cases.js';
import { describeLedgerCases } from './ledger-contract-cases.js';
import { describeLedgerScanCases } from './ledger-scan-contract-cases.js';

export type { MakeStore } from './contract-fixtures.js';

export interface StoreContractOptions {
  /** fast-check runs of the invariant property; lower for slower stores. */
  propertyRuns?: number;
}

/**
 * Registers the one suite every Store must pass: budgets, leases, marks, ledger, keys, kill switches,
 * the response cache, approvals and task guards, and the reserve invariant under random interleavings. `makeStore` opens a
 * fresh, empty store.
 * @example describeStoreContract('memory', async (clock) => createMemoryStore({ clock }));
 */
export function describeStoreContract(name: string, makeStore: MakeStore, options: StoreContractOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    const open: Store[] = [];
    const track = (store: Store): Store => {
      open.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((store) => store.close()));
    });

    describeBudgetCases(makeStore, track);
    describeLedgerCases(makeStore, track);
    describeLedgerScanCases(makeStore, track);
    describeControlCases(makeStore, track);
    describeGuardCases(makeStore, track);
    describeBudgetInvariantProperty(makeStore, options.propertyRuns ?? 100);
  });
}
