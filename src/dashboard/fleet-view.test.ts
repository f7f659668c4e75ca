import { describe, expect, it } from 'vitest';
import type { ApprovalRecord } from '../core/approval-record.js';
import type { BudgetState } from '../core/store.js';
import { buildFleetView, taskStatus } from './fleet-view.js';
import { call, row } from '../../test/ui/ledger-rows.js';
import { createLedgerDigest } from './ledger-digest.js';
import type { TaskDigest } from './task-digest.js';

const noon = Date.UTC(2026, 10, 25, 12);
const task: TaskDigest = { id: 't1', keyId: 'key_1', team: 'research', costInNanoUsd: 900, calls: 3, refusals: 0, failuresInRow: 0, firstAtInMs: noon - 60_000, lastAtInMs: noon - 5_000, costPoints: [300, 600, 900] };
const line = (committed: number, limit?: number): BudgetState => ({ key: 'task:t1|total|all', scope: 'task:t1', window: 'total', windowStartInMs: 0, windowEndInMs: 1e15, committedInNanoUsd: committed, reservedInNanoUsd: 0, calls: 3, ...(limit === undefined ? {} : { limitInNanoUsd: limit }) });
const pending: ApprovalRecord = { id: 'apr_1', status: 'pending', tool: 'shell', argumentsJson: '{}', reason: 'push needs approval', taskId: 't1', createdAtInMs: noon, expiresAtInMs: noon + 60_000 };
const base = { task, line: undefined, inFlight: 0, nowInMs: noon, killSwitches: [], pending: [], halted: false };

describe('taskStatus', () => {
  it('puts the most urgent status first: killed, paused, looping, near cap, running, idle', () => {
    const loop = { ...task, loop: { kind: 'loop' as const, reason: 'repeated-tool-call', detail: 'same call 3 times', action: 'refuse', atInMs: noon } };
    const killSwitches = [{ target: 'team:research' as const, reason: 'x', by: 'ui:alice', atInMs: noon }];
    expect(taskStatus({ ...base, task: loop, pending: [pending], killSwitches })).toEqual({ status: 'killed', detail: 'kill switch team:research by ui:alice' });
    expect(taskStatus({ ...base, task: loop, pending: [pending] }).status).toBe('paused');
    expect(taskStatus({ ...base, task: loop, halted: true })).toEqual({ status: 'looping', detail: 'same call 3 times; halted (refuse)' });
    expect(taskStatus({ ...base, task: { ...loop, loop: { ...loop.loop, kind: 'stuck' } } }).status).toBe('stuck');
    expect(taskStatus({ ...base, task: { ...task, failuresInRow: 3 } }).status).toBe('stuck');
    expect(taskStatus({ ...base, line: line(800, 1_000) })).toEqual({ status: 'near-cap', detail: '80% of its budget' });
    expect(taskStatus({ ...base, line: line(700, 1_000) }).status).toBe('running');
    expect(taskStatus({ ...base, nowInMs: noon + 60_000 }).status).toBe('idle');
    expect(taskStatus({ ...base, nowInMs: noon + 60_000, inFlight: 1 }).status).toBe('running');
    expect(taskStatus({ ...base, nowInMs: noon + 60_000, task: { ...task, finished: { outcome: 'success', atInMs: noon } } })).toEqual({ status: 'finished', detail: 'success' });
  });
});

describe('buildFleetView', () => {
  it('lists recent, in-flight and flagged tasks in the order they started, with their budget line and key name', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    digest.ingest([
      ...call({ taskId: 'old', costInNanoUsd: 5, timeInMs: noon - 3_600_000 }),
      ...call({ taskId: 'recent', keyId: 'key_1', team: 'research', costInNanoUsd: 7, timeInMs: noon - 1_000 }),
      ...call({ taskId: 'looper', costInNanoUsd: 9, timeInMs: noon - 120_000 }),
      row({ type: 'loop-detect', taskId: 'looper', timeInMs: noon - 120_000, data: { kind: 'loop', reason: 'repeated-request', detail: 'same request', action: 'alert' } }),
      ...call({ taskId: 'flying', costInNanoUsd: 1, timeInMs: noon - 3_600_000 }),
    ]);
    const view = buildFleetView({
      digest,
      nowInMs: noon,
      inFlight: [{ taskIds: ['flying'], startedAtInMs: noon - 100 }],
      killSwitches: [],
      pending: [],
      halted: new Set(),
      taskLines: new Map([['recent', { ...line(7, 1_000), key: 'task:recent|total|all', scope: 'task:recent' }]]),
      keyNames: new Map([['key_1', 'crawler']]),
    });
    // The old task is listed only because a call of it is in flight; rows come in the order tasks started.
    expect(view.tasks.map((entry) => [entry.id, entry.status])).toEqual([
      ['flying', 'running'],
      ['looper', 'looping'],
      ['recent', 'running'],
    ]);
    expect(view.tasks[2]).toMatchObject({ keyName: 'crawler', costInNanoUsd: 7, calls: 1, budget: { spentInNanoUsd: 7, limitInNanoUsd: 1_000 }, sparkline: [7] });
    expect(view.tasks[0]?.inFlight).toBe(1);
    expect(view.inFlight).toBe(1);
  });
});
