import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ApprovalRecord } from '../../core/approval-record.js';
import type { Clock } from '../../core/clock.js';
import { approvalKeepUntilInMs, type TaskGuardRecord } from '../../core/guard-records.js';
import type { GuardStore } from '../../core/store.js';
import { WardenError } from '../../core/warden-error.js';
import { findLatestApprovalScript, putApprovalScript, updateApprovalScript, updateTaskGuardScript } from './redis-guard-scripts.js';

/** Sends one command through the store's outage handling (fail fast, store_unavailable). */
export type RedisCommand = <Result>(doing: string, send: () => Promise<Result>) => Promise<Result>;

type GuardScript = 'wardenPutApproval' | 'wardenFindLatestApproval' | 'wardenUpdateApproval' | 'wardenUpdateTaskGuard';
type ScriptRunner = (...args: Array<string | number>) => Promise<unknown>;

/** What one task key holds: the record and when it expires by the writers' clock. */
interface StoredTaskGuard {
  expiresAtInMs: number;
  record: TaskGuardRecord;
}

// Each conflict means another writer's update landed, so N concurrent writers need at most N tries.
const maxTaskGuardAttempts = 32;

/**
 * The guardrails' state in Redis, shared by every replica on the namespace: approvals with their
 * compare-and-set on status in one script, task records updated optimistically (read, compute,
 * write only if no other replica wrote in between, else again from what it wrote).
 */
export function createRedisGuards(options: { redis: Redis; prefix: string; clock: Clock; command: RedisCommand }): GuardStore & { pruneApprovals(): Promise<number> } {
  const { redis, prefix, clock, command } = options;
  for (const [name, lua, numberOfKeys] of [
    ['wardenPutApproval', putApprovalScript, 3],
    ['wardenFindLatestApproval', findLatestApprovalScript, 1],
    ['wardenUpdateApproval', updateApprovalScript, 2],
    ['wardenUpdateTaskGuard', updateTaskGuardScript, 1],
  ] as const) {
    redis.defineCommand(name, { numberOfKeys, lua });
  }
  const script = (name: GuardScript, doing: string, args: Array<string | number>): Promise<unknown> =>
    command(doing, () => (redis as unknown as Record<GuardScript, ScriptRunner>)[name](...args));
  const approvalPrefix = `${prefix}approval:`;
  const approvalsKey = `${prefix}approvals`;
  const callKeyOf = (callKey: string | undefined): string => `${prefix}approval-call:${callKey ?? ''}`;
  // Keys expire by Redis's clock; a floor keeps a record written by a lagging clock readable for a while.
  const ttlOf = (approval: ApprovalRecord): number => Math.max(60_000, approvalKeepUntilInMs(approval) - clock.now());
  const parseApproval = (value: unknown): ApprovalRecord | undefined => (typeof value === 'string' ? (JSON.parse(value) as ApprovalRecord) : undefined);
  const liveTaskGuard = (data: string | null | undefined, nowInMs: number): TaskGuardRecord | undefined => {
    if (data === null || data === undefined) return undefined;
    const stored = JSON.parse(data) as StoredTaskGuard;
    return stored.expiresAtInMs <= nowInMs ? undefined : stored.record;
  };

  const readApprovals = async (): Promise<ApprovalRecord[]> => {
    const ids = await command('list approvals', () => redis.zrange(approvalsKey, 0, -1));
    if (ids.length === 0) return [];
    const values = await command('list approvals', () => redis.mget(ids.map((id) => `${approvalPrefix}${id}`)));
    const gone = ids.filter((_, index) => values[index] === null);
    // The approval keys expired on their own; their entries in the set go here.
    if (gone.length > 0) await command('list approvals', () => redis.zrem(approvalsKey, ...gone));
    return values.flatMap((value) => parseApproval(value) ?? []);
  };

  return {
    /** Deletes approvals past their retention by this store's clock (Redis expires them on its own a little later). */
    async pruneApprovals() {
      const nowInMs = clock.now();
      const old = (await readApprovals()).filter((approval) => approvalKeepUntilInMs(approval) <= nowInMs).map((approval) => approval.id);
      if (old.length === 0) return 0;
      await command('prune approvals', () => redis.multi().del(...old.map((id) => `${approvalPrefix}${id}`)).zrem(approvalsKey, ...old).exec());
      return old.length;
    },
    async putApproval(approval, putOptions = {}) {
      const filed = await script('wardenPutApproval', 'file an approval', [
        `${approvalPrefix}${approval.id}`,
        approvalsKey,
        callKeyOf(approval.callKey),
        JSON.stringify(approval),
        approval.id,
        approval.createdAtInMs,
        ttlOf(approval),
        approval.callKey === undefined ? '0' : '1',
        putOptions.previousForCall ?? '',
        approvalPrefix,
      ]);
      return filed === 1;
    },
    async findApproval(id) {
      return parseApproval(await command('read an approval', () => redis.get(`${approvalPrefix}${id}`)));
    },
    async findLatestApproval(callKey) {
      return parseApproval(await script('wardenFindLatestApproval', 'read an approval', [callKeyOf(callKey), approvalPrefix]));
    },
    async listApprovals() {
      return (await readApprovals()).sort((left, right) => left.createdAtInMs - right.createdAtInMs);
    },
    async updateApproval(id, update) {
      const next: ApprovalRecord = { ...update.next, id };
      const replaced = await script('wardenUpdateApproval', 'update an approval', [`${approvalPrefix}${id}`, callKeyOf(next.callKey), update.fromStatus, JSON.stringify(next), ttlOf(next), id]);
      return replaced === 1;
    },
    async findTaskGuard(taskId, nowInMs) {
      return liveTaskGuard(await command('read a task guard', () => redis.hget(`${prefix}task:${taskId}`, 'd')), nowInMs);
    },
    async updateTaskGuard(update) {
      const key = `${prefix}task:${update.taskId}`;
      let [version, data] = await command('read a task guard', () => redis.hmget(key, 'v', 'd'));
      for (let attempt = 0; attempt < maxTaskGuardAttempts; attempt += 1) {
        const previous = liveTaskGuard(data, update.nowInMs);
        const next = update.change(previous);
        if (next === previous) return previous;
        const stored: StoredTaskGuard | undefined = next === undefined ? undefined : { expiresAtInMs: update.nowInMs + update.keepForInMs, record: { ...next, taskId: update.taskId } };
        const reply = (await script('wardenUpdateTaskGuard', 'update a task guard', [key, version ?? '', stored === undefined ? '' : JSON.stringify(stored), randomUUID(), Math.max(1, update.keepForInMs)])) as Array<number | string | null>;
        if (reply[0] === 1) return stored?.record;
        version = (reply[1] as string | null) ?? null;
        data = (reply[2] as string | null) ?? null;
      }
      throw new WardenError(
        'store_unavailable',
        `The guard state of task "${update.taskId}" changed ${maxTaskGuardAttempts} times while this replica tried to update it; retry the call. If it keeps happening, the task's calls are spread over too many replicas at once.`,
      );
    },
  };
}
