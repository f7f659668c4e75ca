import { describe, expect, it } from 'vitest';
import type { CallScopes } from './call-scopes.js';
import { parseConfig } from './parse-config.js';
import { resolveBudgetLines } from './resolve-budget-lines.js';

const scopes: CallScopes = {
  org: 'acme',
  team: 'research',
  key: 'k1',
  tasks: [
    { id: 'root', type: 'exploratory', startedAtInMs: 0 },
    { id: 'leaf', startedAtInMs: 0, limits: { hard: 5_000 } },
  ],
  user: 'ada',
  tags: { feature: 'search' },
  model: 'gpt-4o',
  provider: 'openai',
};
const timeInMs = Date.parse('2026-11-22T10:00:00Z');

describe('resolveBudgetLines', () => {
  it('charges every matching scope in its current window, and every task in the chain', () => {
    const config = parseConfig({
      timeZone: 'Europe/Berlin',
      budgets: [
        { scope: 'org:acme', window: 'month', hard: '100' },
        { scope: 'team:research', window: 'day', hard: '25', soft: '20' },
        { scope: 'team:other', window: 'day', hard: '1' },
        { scope: 'user:*', window: 'week', hard: '5' },
        { scope: 'tag:feature=search', window: 'hour', calls: 100 },
        { scope: 'tag:feature=chat', window: 'hour', calls: 1 },
        { scope: 'model:gpt-4o', window: 'total', hard: '1000' },
      ],
      taskTypes: { exploratory: { budget: { hard: '0.50', calls: 20 } } },
    });
    const { rules } = resolveBudgetLines({ config, scopes, timeInMs });
    expect(rules.map((rule) => rule.line.key)).toEqual([
      'org:acme|month|2026-11',
      'team:research|day|2026-11-22',
      'user:ada|week|2026-11-16',
      'tag:feature=search|hour|2026-11-22T11',
      'model:gpt-4o|total|all',
      'task:root|total|all',
      'task:leaf|total|all',
    ]);
    expect(rules[1]).toMatchObject({ hardInNanoUsd: 25_000_000_000, softInNanoUsd: 20_000_000_000, line: { limitInNanoUsd: 25_000_000_000 } });
    expect(rules[5]?.line).toMatchObject({ limitInNanoUsd: 500_000_000, callLimit: 20 });
    expect(rules[6]?.line).toMatchObject({ limitInNanoUsd: 5_000 });
  });

  it('keeps the tighter limits when two budgets land on one counter, and turns a stop stage into the limit', () => {
    const config = parseConfig({
      budgets: [
        { scope: 'team:research', window: 'day', hard: '10', calls: 50 },
        { scope: 'team:*', window: 'day', hard: '20', calls: 5, ladder: [{ atPercent: 80, actions: ['stop'] }] },
        { scope: 'user:*', window: 'request', hard: '0.01', clamp: false },
      ],
    });
    const resolved = resolveBudgetLines({ config, scopes: { ...scopes, tasks: [] }, timeInMs });
    expect(resolved.rules).toHaveLength(1);
    // 80 % of $20 = $16, looser than $10: the $10 limit stands; 5 calls is tighter than 50.
    expect(resolved.rules[0]?.line).toMatchObject({ limitInNanoUsd: 10_000_000_000, callLimit: 5 });
    expect(resolved.perRequestHardInNanoUsd).toBe(10_000_000);
    expect(resolved.clamp).toBe(false);
  });

  it('gives a shadow budget a counter without limits and keeps its limits apart, beside an enforced budget on the same counter', () => {
    const config = parseConfig({
      budgets: [
        { scope: 'team:research', window: 'day', hard: '10' },
        { scope: 'team:*', window: 'day', hard: '1', soft: '0.5', calls: 3, mode: 'shadow', ladder: [{ atPercent: 50, actions: ['stop'] }] },
        { scope: 'user:*', window: 'week', hard: '2', mode: 'shadow' },
        { scope: 'user:*', window: 'request', hard: '0.01', clamp: false, mode: 'shadow' },
      ],
      taskTypes: { exploratory: { maxLlmCalls: 7, budget: { hard: '0.25', mode: 'shadow' } } },
    });
    const resolved = resolveBudgetLines({ config, scopes, timeInMs });
    const byKey = new Map(resolved.rules.map((rule) => [rule.line.key, rule]));
    // The enforced $10 stays the store's limit; the shadow $1 is only judged (a 50 % stop makes it $0.50).
    expect(byKey.get('team:research|day|2026-11-22')).toMatchObject({
      line: { limitInNanoUsd: 10_000_000_000 },
      shadow: [{ source: 'team:*', limitInNanoUsd: 500_000_000, hardInNanoUsd: 1_000_000_000, softInNanoUsd: 500_000_000, callLimit: 3 }],
    });
    expect(byKey.get('team:research|day|2026-11-22')?.line.callLimit).toBeUndefined();
    const user = byKey.get('user:ada|week|2026-11-16');
    expect(user?.line.limitInNanoUsd).toBeUndefined();
    expect(user?.shadow).toEqual([expect.objectContaining({ source: 'user:*', limitInNanoUsd: 2_000_000_000 })]);
    // maxLlmCalls stays enforced; the type's budget is judged in shadow.
    expect(byKey.get('task:root|total|all')).toMatchObject({ line: { callLimit: 7 }, shadow: [{ source: 'taskType:exploratory', limitInNanoUsd: 250_000_000 }] });
    expect(byKey.get('task:root|total|all')?.line.limitInNanoUsd).toBeUndefined();
    expect(resolved.shadowPerRequest).toEqual([{ source: 'user:*', hardInNanoUsd: 10_000_000, clamp: false }]);
    expect(resolved.perRequestHardInNanoUsd).toBeUndefined();
    // A shadow budget's clamp: false does not stop enforcement from clamping.
    expect(resolved.clamp).toBe(true);
  });

  it('refuses a mode other than enforce or shadow, naming the path', () => {
    expect(() => parseConfig({ budgets: [{ scope: 'team:a', window: 'day', hard: '1', mode: 'dry-run' }] })).toThrow(
      /budgets\[0\]\.mode: expected enforce or shadow/,
    );
  });
});
