import { describe, expect, it } from 'vitest';
import { createWindowCache } from '../core/budget-window.js';
import { parseConfig } from '../core/parse-config.js';
import { buildBudgetsView, watchedBudgetLines } from './budget-view.js';
import { call, row } from '../../test/ui/ledger-rows.js';
import { createLedgerDigest } from './ledger-digest.js';

const noon = Date.UTC(2026, 10, 25, 12);

describe('watchedBudgetLines', () => {
  it('lists a wildcard budget once per scope seen on calls, named budgets always, and the keys’ own limits', () => {
    const config = parseConfig({
      budgets: [
        { scope: 'team:*', window: 'day', hard: '10', ladder: [{ atPercent: 50, actions: ['log'] }] },
        { scope: 'team:ops', window: 'month', soft: '100' },
        { scope: 'org:*', window: 'month', hard: '1000' },
        { scope: 'user:*', window: 'request', hard: '1' },
        { scope: 'model:gpt-4o', window: 'day', hard: '3', mode: 'shadow' },
      ],
    });
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    digest.ingest([...call({ team: 'research', org: 'default', costInNanoUsd: 1 }), ...call({ team: 'support', org: 'default', costInNanoUsd: 1 })]);
    const lines = watchedBudgetLines({
      budgets: config.budgets,
      keys: [{ id: 'key_1', budgets: [{ window: 'day', hardInNanoUsd: 2_000_000_000 }] }, { id: 'key_2', budgets: [{ window: 'day', hardInNanoUsd: 1 }], revokedAtInMs: noon }],
      knownScopes: digest.knownScopes,
      org: 'default',
      windows: createWindowCache({ timeZone: 'UTC' }),
      nowInMs: noon,
    });
    expect(lines.map((line) => [line.key, line.source, line.mode])).toEqual([
      ['team:research|day|2026-11-25', 'team:*', 'enforce'],
      ['team:support|day|2026-11-25', 'team:*', 'enforce'],
      ['team:ops|month|2026-11', 'team:ops', 'enforce'],
      ['org:default|month|2026-11', 'org:*', 'enforce'],
      ['model:gpt-4o|day|2026-11-25', 'model:gpt-4o', 'shadow'],
      ['key:key_1|day|2026-11-25', 'key:key_1', 'enforce'],
    ]);
    expect(lines[0]).toMatchObject({ hardInNanoUsd: 10_000_000_000, windowEndInMs: Date.UTC(2026, 10, 26) });
  });
});

describe('buildBudgetsView', () => {
  it('shows spend from the store, the ladder stage reached, when the limit runs out at the last 15 minutes’ burn, and shadow counts', () => {
    const digest = createLedgerDigest({ timeZone: 'UTC' });
    // $0.50 spent on team research over the last 15 minutes: $2 per hour.
    digest.ingest([
      ...call({ team: 'research', costInNanoUsd: 500_000_000, timeInMs: noon - 60_000 }),
      row({ type: 'shadow-decide', data: { scope: 'model:gpt-4o', kind: 'refuse', lineKey: 'model:gpt-4o|day|2026-11-25' } }),
      row({ type: 'shadow-decide', data: { scope: 'model:gpt-4o', kind: 'refuse', lineKey: 'model:gpt-4o|day|2026-11-25' } }),
      row({ type: 'shadow-decide', data: { scope: 'model:gpt-4o', kind: 'clamp', lineKey: 'model:gpt-4o|day|2026-11-24' } }),
    ]);
    const inputs = {
      watched: [
        { key: 'team:research|day|2026-11-25', scope: 'team:research', window: 'day', windowEndInMs: Date.UTC(2026, 10, 26), source: 'team:*', mode: 'enforce', hardInNanoUsd: 1_000_000_000, ladder: [{ atPercent: 50, actions: ['log'] }, { atPercent: 80, actions: ['notify'] }] },
        { key: 'model:gpt-4o|day|2026-11-25', scope: 'model:gpt-4o', window: 'day', windowEndInMs: Date.UTC(2026, 10, 26), source: 'model:gpt-4o', mode: 'shadow', hardInNanoUsd: 1, ladder: [] },
      ],
      states: [{ key: 'team:research|day|2026-11-25', scope: 'team:research', window: 'day', windowStartInMs: 0, windowEndInMs: 0, committedInNanoUsd: 500_000_000, reservedInNanoUsd: 100_000_000, calls: 1 }],
      digest,
      nowInMs: noon,
    } satisfies Parameters<typeof buildBudgetsView>[0];
    const view = buildBudgetsView(inputs);
    expect(view.lines[0]).toMatchObject({ spentInNanoUsd: 500_000_000, reservedInNanoUsd: 100_000_000, stage: { atPercent: 50, actions: ['log'] }, burnPerHourInNanoUsd: 2_000_000_000 });
    // $0.40 left at $2/hour: 12 minutes from the current minute.
    expect(view.lines[0]?.exhaustedAtInMs).toBe(noon + 12 * 60_000);
    // Within the minute the figure holds still, so an idle panel is not sent a change every poll.
    const later = buildBudgetsView({ ...inputs, nowInMs: noon + 59_000 });
    expect(later.lines[0]?.exhaustedAtInMs).toBe(noon + 12 * 60_000);
    expect(view.lines[1]).toMatchObject({ spentInNanoUsd: 0, shadowDecisions: 2, burnPerHourInNanoUsd: 0 });
    expect(view.lines[1]?.exhaustedAtInMs).toBeUndefined();
    expect(view.shadow).toEqual([
      { scope: 'model:gpt-4o', kind: 'refuse', count: 2 },
      { scope: 'model:gpt-4o', kind: 'clamp', count: 1 },
    ]);
  });
});
