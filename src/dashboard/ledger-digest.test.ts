import { describe, expect, it } from 'vitest';
import { call, row } from '../../test/ui/ledger-rows.js';
import { createLedgerDigest } from './ledger-digest.js';

const noon = Date.UTC(2026, 10, 25, 12);

describe('createLedgerDigest', () => {
  it('sums spend per team, user and task, counts calls once and refusals by code', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    digest.ingest([
      ...call({ team: 'research', user: 'alice', taskId: 't1', taskType: 'explore', model: 'gpt-4o', costInNanoUsd: 1_000, data: { tier: 'premium', cache: 'miss', totalInMs: 40, queueInMs: 2, upstreamInMs: 37 } }),
      ...call({ team: 'research', user: 'alice', taskId: 't1', taskType: 'explore', model: 'gpt-4o-mini', costInNanoUsd: 250, data: { tier: 'fast', cache: 'miss', totalInMs: 10 } }),
      ...call({ team: 'support', user: 'bob', taskId: 't2', model: 'gpt-4o-mini', costInNanoUsd: 100 }),
      row({ type: 'cache-serve', team: 'support', taskId: 't2', status: 'cached', costInNanoUsd: 0, data: { savedInNanoUsd: 100 } }),
      row({ type: 'call-refuse', team: 'support', taskId: 't2', requestId: 'x1', errorCode: 'budget_exceeded' }),
      row({ type: 'reservation-create', requestId: 'r-tool' }),
      row({ type: 'reservation-commit', requestId: 'r-tool', status: 'ok', costInNanoUsd: 50, team: 'support' }),
      // A refusal of a call that was answered (its tool call refused afterwards) is not a second call.
      row({ type: 'call-refuse', requestId: 'r-tool', errorCode: 'tool_not_allowed' }),
      row({ type: 'reservation-release', team: 'support', taskId: 't2', status: 'upstream_error', errorCode: 'upstream_error' }),
    ]);
    const day = digest.day(noon);
    expect(day.spentInNanoUsd).toBe(1_400);
    expect(day.calls).toBe(7);
    expect(day.refused).toBe(2);
    expect(day.budgetCapHits).toBe(1);
    expect(day.upstreamErrors).toBe(1);
    expect(day.cacheHits).toBe(1);
    expect(day.cacheLookups).toBe(3);
    expect(day.cacheSavedInNanoUsd).toBe(100);
    expect(Object.fromEntries(day.refusals)).toEqual({ budget_exceeded: 1, tool_not_allowed: 1 });
    expect(Object.fromEntries(day.tierCalls)).toEqual({ premium: 1, fast: 1, direct: 2 });
    expect(day.users.get('alice')).toEqual({ costInNanoUsd: 1_250, calls: 2 });
    expect(digest.tasks.get('t1')).toMatchObject({ costInNanoUsd: 1_250, calls: 2, type: 'explore', team: 'research', model: 'gpt-4o-mini', costPoints: [1_000, 1_250] });
    expect(digest.tasks.get('t2')).toMatchObject({ costInNanoUsd: 100, calls: 3, refusals: 1, lastRefusalCode: 'budget_exceeded', failuresInRow: 1 });
    expect(digest.latency.summary().total).toEqual({ p50: 10, p95: 40, samples: 2 });
    expect([...(digest.knownScopes.get('team') ?? [])]).toEqual(['research', 'support']);
  });

  it('marks a task looping until it is resumed, and lists security and kill switch events', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    digest.ingest([
      ...call({ taskId: 'fix', costInNanoUsd: 10 }),
      row({ type: 'loop-detect', taskId: 'fix', data: { kind: 'loop', reason: 'repeated-tool-call', detail: 'run_tests 3 times', action: 'refuse' } }),
      row({ type: 'tool-deny', taskId: 'fix', keyId: 'key_1', data: { tool: 'shell', decision: 'deny', stage: 'called', action: 'refused', reason: 'rm is not allowed' } }),
      row({ type: 'kill-switch-set', data: { target: 'team:research', by: 'ui:alice', reason: 'runaway' } }),
    ]);
    expect(digest.tasks.get('fix')?.loop).toMatchObject({ kind: 'loop', action: 'refuse', detail: 'run_tests 3 times' });
    expect(digest.securityEvents.map((event) => [event.type, event.taskId])).toEqual([
      ['loop-detect', 'fix'],
      ['tool-deny', 'fix'],
    ]);
    expect(digest.securityEvents[1]?.summary).toContain('rm is not allowed');
    expect(digest.killEvents).toEqual([expect.objectContaining({ action: 'set', target: 'team:research', by: 'ui:alice', reason: 'runaway' })]);
    digest.ingest([row({ type: 'loop-detect', taskId: 'fix', data: { resumed: true, by: 'admin' } })]);
    expect(digest.tasks.get('fix')?.loop).toBeUndefined();
    expect(digest.day(noon).securityCounts.get('loop-detect')).toBe(1);
  });

  it('starts a new day at midnight in the configured zone, keeps the month, and skips rows it has seen', () => {
    const digest = createLedgerDigest({ timeZone: 'Asia/Tokyo' });
    // 14:30 UTC is 23:30 in Tokyo; 15:30 UTC is the next Tokyo day.
    const before = call({ team: 'a', costInNanoUsd: 5, timeInMs: Date.UTC(2026, 10, 25, 14, 30) });
    const after = call({ team: 'a', costInNanoUsd: 7, timeInMs: Date.UTC(2026, 10, 25, 15, 30) });
    digest.ingest([...before, ...after, ...after]);
    expect(digest.day(Date.UTC(2026, 10, 25, 15, 31))).toMatchObject({ label: '2026-11-26', spentInNanoUsd: 7 });
    expect(digest.month(Date.UTC(2026, 10, 25, 15, 31))).toMatchObject({ label: '2026-11', spentInNanoUsd: 12 });
    expect(digest.day(Date.UTC(2026, 10, 26, 15, 31))).toMatchObject({ label: '2026-11-27', spentInNanoUsd: 0, calls: 0 });
  });

  it('keeps per-minute spend per series for the last hour only', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    digest.ingest([...call({ team: 'a', org: 'acme', model: 'm', costInNanoUsd: 3, timeInMs: noon - 90 * 60_000 }), ...call({ team: 'a', org: 'acme', model: 'm', costInNanoUsd: 4, timeInMs: noon })]);
    const minutes = digest.minuteSpend(noon);
    expect([...minutes.keys()]).toEqual([noon / 60_000]);
    expect(Object.fromEntries(minutes.get(noon / 60_000) ?? [])).toEqual({ 'team:a': 4, 'model:m': 4, 'tier:direct': 4, 'org:acme': 4 });
  });
});
