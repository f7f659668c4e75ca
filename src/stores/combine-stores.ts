import type { BudgetStore, RecordStore, Store } from '../core/store.js';

/**
 * One Store over two backends: budget state, marks, kill switches, the cache and the guardrails' state (approvals, task guards) from `budgets`
 * (and its prune(), when it has one); the ledger and virtual keys from `records`. Passing the same store for both returns it as is.
 * Closing flushes and closes the budget side first, so its last ledger-relevant work is done
 * before the records side writes its final batch.
 */
export function combineStores(budgets: BudgetStore & { prune?(): Promise<number> }, records: RecordStore): Store & { prune?(): Promise<number> } {
  if ((budgets as unknown) === records) return records as Store;
  return {
    ...(budgets.prune === undefined ? {} : { prune: () => (budgets.prune as () => Promise<number>)() }),
    reserve: (request) => budgets.reserve(request),
    commit: (request) => budgets.commit(request),
    release: (reservationId) => budgets.release(reservationId),
    snapshot: (lines) => budgets.snapshot(lines),
    claimMark: (markKey, expiresAtInMs) => budgets.claimMark(markKey, expiresAtInMs),
    setKillSwitch: (killSwitch) => budgets.setKillSwitch(killSwitch),
    clearKillSwitch: (target) => budgets.clearKillSwitch(target),
    listKillSwitches: () => budgets.listKillSwitches(),
    getCachedResponse: (key, nowInMs) => budgets.getCachedResponse(key, nowInMs),
    putCachedResponse: (entry) => budgets.putCachedResponse(entry),
    putApproval: (approval, options) => budgets.putApproval(approval, options),
    findApproval: (id) => budgets.findApproval(id),
    findLatestApproval: (callKey) => budgets.findLatestApproval(callKey),
    listApprovals: () => budgets.listApprovals(),
    updateApproval: (id, update) => budgets.updateApproval(id, update),
    findTaskGuard: (taskId, nowInMs) => budgets.findTaskGuard(taskId, nowInMs),
    updateTaskGuard: (update) => budgets.updateTaskGuard(update),
    append: (events) => records.append(events),
    query: (query) => records.query(query),
    scanLedger: (query) => records.scanLedger(query),
    ...(records.summarizeLedger === undefined ? {} : { summarizeLedger: records.summarizeLedger.bind(records) }),
    putKey: (key) => records.putKey(key),
    findKeyByHash: (hash) => records.findKeyByHash(hash),
    findKeyById: (id) => records.findKeyById(id),
    listKeys: () => records.listKeys(),
    async flush() {
      await Promise.all([budgets.flush(), records.flush()]);
    },
    async close() {
      try {
        await budgets.close();
      } finally {
        await records.close();
      }
    },
  };
}
