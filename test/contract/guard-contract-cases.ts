import { beforeEach, describe, expect, it } from 'vitest';
import type { ApprovalRecord } from '../../src/core/approval-record.js';
import { createManualClock } from '../../src/core/clock.js';
import { approvalRetentionInMs, type TaskGuardRecord, type TaskGuardUpdate } from '../../src/core/guard-records.js';
import { createLoopState } from '../../src/core/loop-state.js';
import type { Store } from '../../src/core/store.js';
import type { MakeStore, ManualClock } from './contract-fixtures.js';

/** A pending approval with every optional field set, so a store that drops one fails the round trip. */
export function approval(id: string, overrides: Partial<ApprovalRecord> = {}): ApprovalRecord {
  return {
    id,
    status: 'pending',
    tool: 'shell',
    argumentsJson: '{"command":"git push origin main"}',
    reason: 'git push needs approval',
    rule: 'toolPolicies[0].tools[0]',
    callKey: `call-of-${id}`,
    taskId: 'release-1',
    keyId: 'key_a1',
    team: 'research',
    createdAtInMs: 1_000,
    expiresAtInMs: 61_000,
    ...overrides,
  };
}

/** A task guard record with a loop state in it, as the loop detector leaves one. */
export function taskGuard(taskId: string, overrides: Partial<TaskGuardRecord> = {}): TaskGuardRecord {
  return {
    taskId,
    type: 'coding',
    firstSeenInMs: 1_000,
    lastSeenInMs: 1_000,
    toolCalls: 0,
    loop: { ...createLoopState(), seenFingerprints: ['a1', 'b2'], consecutiveFailures: 1 },
    ...overrides,
  };
}

const keepForInMs = 60_000;

function increment(taskId: string, nowInMs: number): TaskGuardUpdate {
  return {
    taskId,
    nowInMs,
    keepForInMs,
    change: (previous) => ({ ...(previous ?? { taskId, firstSeenInMs: nowInMs, lastSeenInMs: nowInMs, toolCalls: 0 }), lastSeenInMs: nowInMs, toolCalls: (previous?.toolCalls ?? 0) + 1 }),
  };
}

/** Approvals and task guard records: the guardrails' half of the Store contract. */
export function describeGuardCases(openStore: MakeStore, track: (store: Store) => Store): void {
  let clock: ManualClock;
  let store: Store;

  beforeEach(async () => {
    clock = createManualClock(1_000);
    store = track(await openStore(clock));
  });

  describe('approvals', () => {
    it('files approvals and finds them by id, listing them oldest first', async () => {
      const first = approval('apr_b', { createdAtInMs: 2_000 });
      const second = approval('apr_a', { createdAtInMs: 1_000, callKey: undefined, rule: undefined, keyId: undefined, team: undefined, taskId: undefined });
      expect(await store.putApproval(first)).toBe(true);
      expect(await store.putApproval(second)).toBe(true);
      expect(await store.findApproval('apr_b')).toEqual(first);
      expect(await store.findApproval('apr_a')).toEqual(second);
      expect(await store.findApproval('apr_nobody')).toBeUndefined();
      expect(await store.listApprovals()).toEqual([second, first]);
    });

    it("keeps the approval filed last for a call, and files another only while the caller saw the call's latest", async () => {
      const first = approval('apr_1', { callKey: 'call-x' });
      expect(await store.findLatestApproval('call-x')).toBeUndefined();
      expect(await store.putApproval(first)).toBe(true);
      expect(await store.findLatestApproval('call-x')).toEqual(first);
      // A writer who had not seen apr_1 files nothing.
      expect(await store.putApproval(approval('apr_2', { callKey: 'call-x' }))).toBe(false);
      expect(await store.putApproval(approval('apr_3', { callKey: 'call-x' }), { previousForCall: 'apr_other' })).toBe(false);
      expect(await store.findApproval('apr_2')).toBeUndefined();
      const second = approval('apr_4', { callKey: 'call-x', createdAtInMs: 5_000 });
      expect(await store.putApproval(second, { previousForCall: 'apr_1' })).toBe(true);
      expect(await store.findLatestApproval('call-x')).toEqual(second);
      expect(await store.findLatestApproval('call-y')).toBeUndefined();
      expect((await store.listApprovals()).map((listed) => listed.id)).toEqual(['apr_1', 'apr_4']);
    });

    it('files exactly one of several approvals for the same call raced from the same starting point', async () => {
      const outcomes = await Promise.all(Array.from({ length: 8 }, (_, index) => store.putApproval(approval(`apr_race${index}`, { callKey: 'call-race' }))));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = `apr_race${outcomes.indexOf(true)}`;
      expect((await store.findLatestApproval('call-race'))?.id).toBe(winner);
      expect((await store.listApprovals()).map((listed) => listed.id)).toEqual([winner]);
    });

    it('replaces an approval only while its status is the one the caller saw', async () => {
      await store.putApproval(approval('apr_1'));
      const approved = approval('apr_1', { status: 'approved', decidedBy: 'admin', decidedAtInMs: 2_000, decisionReason: 'release window open' });
      expect(await store.updateApproval('apr_1', { fromStatus: 'approved', next: { ...approved, status: 'used' } })).toBe(false);
      expect(await store.updateApproval('apr_1', { fromStatus: 'pending', next: approved })).toBe(true);
      expect(await store.findApproval('apr_1')).toEqual(approved);
      expect(await store.updateApproval('apr_1', { fromStatus: 'pending', next: { ...approved, status: 'denied' } })).toBe(false);
      expect(await store.updateApproval('apr_1', { fromStatus: 'approved', next: { ...approved, status: 'used' } })).toBe(true);
      expect((await store.findApproval('apr_1'))?.status).toBe('used');
      expect(await store.updateApproval('apr_nobody', { fromStatus: 'pending', next: approval('apr_nobody', { status: 'denied' }) })).toBe(false);
      expect(await store.findApproval('apr_nobody')).toBeUndefined();
    });

    it('lets exactly one of two deciders racing on a pending approval win, and keeps the winner’s decision', async () => {
      await store.putApproval(approval('apr_1'));
      const approve = approval('apr_1', { status: 'approved', decidedBy: 'admin:alice', decidedAtInMs: 2_000 });
      const deny = approval('apr_1', { status: 'denied', decidedBy: 'cli', decidedAtInMs: 2_000 });
      const [approved, denied] = await Promise.all([store.updateApproval('apr_1', { fromStatus: 'pending', next: approve }), store.updateApproval('apr_1', { fromStatus: 'pending', next: deny })]);
      expect([approved, denied].filter(Boolean)).toHaveLength(1);
      expect(await store.findApproval('apr_1')).toEqual(approved ? approve : deny);
    });

    it('hands out copies: changing an approval written or read does not change the store', async () => {
      const written = approval('apr_1');
      await store.putApproval(written);
      written.status = 'approved';
      const read = await store.findApproval('apr_1');
      if (read === undefined) throw new Error('apr_1 was not stored');
      read.tool = 'changed';
      expect(await store.findApproval('apr_1')).toEqual(approval('apr_1'));
    });

    it('drops approvals a day after they expired or were decided, on prune', async () => {
      await store.putApproval(approval('apr_open', { expiresAtInMs: 200_000 }));
      await store.putApproval(approval('apr_decided', { expiresAtInMs: 61_000, createdAtInMs: 2_000 }));
      await store.updateApproval('apr_decided', { fromStatus: 'pending', next: approval('apr_decided', { status: 'denied', createdAtInMs: 2_000, decidedBy: 'cli', decidedAtInMs: 30_000 }) });
      const prunable = store as Store & { prune?: () => Promise<number> };
      clock.set(61_000 + approvalRetentionInMs - 1);
      await prunable.prune?.();
      expect((await store.listApprovals()).map((listed) => listed.id)).toEqual(['apr_open', 'apr_decided']);
      clock.set(61_000 + approvalRetentionInMs);
      await prunable.prune?.();
      expect((await store.listApprovals()).map((listed) => listed.id)).toEqual(['apr_open']);
      clock.set(200_000 + approvalRetentionInMs);
      await prunable.prune?.();
      expect(await store.listApprovals()).toEqual([]);
      expect(await store.findLatestApproval('call-of-apr_open')).toBeUndefined();
      // With the old one gone, the call has no latest approval: a new one is filed as the first.
      expect(await store.putApproval(approval('apr_again', { callKey: 'call-of-apr_open', createdAtInMs: clock.now(), expiresAtInMs: clock.now() + 60_000 }))).toBe(true);
    });
  });

  describe('task guards', () => {
    it('creates, reads, replaces and deletes a task record, loop state included', async () => {
      const record = taskGuard('task-1');
      expect(await store.updateTaskGuard({ taskId: 'task-1', nowInMs: 1_000, keepForInMs, change: () => record })).toEqual(record);
      expect(await store.findTaskGuard('task-1', 1_000)).toEqual(record);
      expect(await store.findTaskGuard('task-2', 1_000)).toBeUndefined();
      let seen: TaskGuardRecord | undefined;
      const replaced = taskGuard('task-1', { toolCalls: 3, lastSeenInMs: 2_000, spendApproved: true, loop: undefined });
      await store.updateTaskGuard({ taskId: 'task-1', nowInMs: 2_000, keepForInMs, change: (previous) => ((seen = previous), replaced) });
      expect(seen).toEqual(record);
      expect(await store.findTaskGuard('task-1', 2_000)).toEqual(replaced);
      expect(await store.updateTaskGuard({ taskId: 'task-1', nowInMs: 2_000, keepForInMs, change: () => undefined })).toBeUndefined();
      expect(await store.findTaskGuard('task-1', 2_000)).toBeUndefined();
    });

    it('forgets a record keepForInMs after its last write, and a change that returns the record as it was writes nothing', async () => {
      await store.updateTaskGuard(increment('task-1', 1_000));
      const unchanged = await store.updateTaskGuard({ taskId: 'task-1', nowInMs: 30_000, keepForInMs, change: (previous) => previous });
      expect(unchanged?.toolCalls).toBe(1);
      // Not written at 30 s, so it still expires 60 s after the write at 1 s.
      expect((await store.findTaskGuard('task-1', 60_999))?.toolCalls).toBe(1);
      expect(await store.findTaskGuard('task-1', 61_000)).toBeUndefined();
      let seen: TaskGuardRecord | undefined = taskGuard('sentinel');
      await store.updateTaskGuard({ ...increment('task-1', 61_000), change: (previous) => ((seen = previous), increment('task-1', 61_000).change(previous)) });
      expect(seen).toBeUndefined();
      expect((await store.findTaskGuard('task-1', 61_000))?.toolCalls).toBe(1);
    });

    it('loses no update when many callers change the same task at once', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store.updateTaskGuard(increment('busy', 1_000))));
      expect((await store.findTaskGuard('busy', 1_000))?.toolCalls).toBe(20);
      expect(results.map((result) => result?.toolCalls).sort((left, right) => (left ?? 0) - (right ?? 0))).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
    });

    it('keeps tasks apart', async () => {
      await Promise.all([store.updateTaskGuard(increment('a', 1_000)), store.updateTaskGuard(increment('b', 1_000)), store.updateTaskGuard(increment('a', 1_000))]);
      expect((await store.findTaskGuard('a', 1_000))?.toolCalls).toBe(2);
      expect((await store.findTaskGuard('b', 1_000))?.toolCalls).toBe(1);
    });
  });

  describe('guard lifecycle', () => {
    it('rejects guard operations after close with store_unavailable', async () => {
      await store.close();
      await expect(store.putApproval(approval('apr_1'))).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.listApprovals()).rejects.toMatchObject({ code: 'store_unavailable' });
      await expect(store.updateTaskGuard(increment('a', 1_000))).rejects.toMatchObject({ code: 'store_unavailable' });
    });
  });
}
