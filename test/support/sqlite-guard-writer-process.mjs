// Plain JavaScript on the built code (npm test builds first), so plain `node` can fork it.
import { createSqliteStore } from '../../dist/src/stores/sqlite/sqlite-store.js';

/**
 * A process (an SDK agent, say) adding to one task's tool-call count in a shared SQLite file:
 * argv is the file, the task id and how many increments. Sends `{ kind: 'done' }` when all landed.
 */
const [path, taskId, countText] = process.argv.slice(2);
if (path === undefined || taskId === undefined || countText === undefined) throw new Error('usage: sqlite-guard-writer-process <file> <task id> <count>');
const store = createSqliteStore({ path, busyTimeoutInMs: 10_000, pruneIntervalInMs: 0 });
for (let index = 0; index < Number(countText); index += 1) {
  await store.updateTaskGuard({
    taskId,
    nowInMs: 1_000,
    keepForInMs: 3_600_000,
    change: (previous) => ({ taskId, firstSeenInMs: 1_000, lastSeenInMs: 1_000, toolCalls: (previous?.toolCalls ?? 0) + 1 }),
  });
}
await store.close();
process.send?.({ kind: 'done' });
