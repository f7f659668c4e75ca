import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/sdk/alert.js';
import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { createHarness, userMessage, type Harness } from './sdk-harness.js';

let harness: Harness | undefined;
afterEach(async () => harness?.close());

describe('SDK alerts', () => {
  it('sends budget stages and SLO breaches to onAlert, with the ledger row', async () => {
    const alerts: Alert[] = [];
    const clock = { timeInMs: Date.UTC(2026, 10, 25, 9, 0, 0), now() { return this.timeInMs; } };
    harness = await createHarness({
      clock,
      store: createMemoryStore({ clock }),
      config: {
        prices: { overrides: { 'gpt-4o-mini': { input: 1000, output: 1000 } } },
        slos: [{ name: 'research', scope: 'team:research', monthly: '2', targetPerTask: '0.001', sustainedMinutes: 2 }],
      },
      onAlert: (alert) => alerts.push(alert),
    });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { warden } = harness;
    for (let minute = 0; minute < 2; minute += 1) {
      clock.timeInMs = Date.UTC(2026, 10, 25, 9, minute, 1);
      await warden.attribute({ team: 'research' }, () =>
        warden.task({ id: `task-${minute}` }, () => harness!.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 100 })),
      );
    }
    clock.timeInMs = Date.UTC(2026, 10, 25, 9, 2, 11);
    await warden.flush();
    await warden.slos?.tick();
    // Each call costs (10 + 20) tokens × $1000 per million = $0.03 of the $2.
    expect(alerts.map((alert) => alert.kind)).toEqual(['slo-overrun']);
    expect(alerts[0]?.text).toContain('has been above $0.001 for 2 minutes');
    const breaches = await harness.rows('slo-breach');
    expect(breaches.map((row) => row.data?.kind)).toEqual(['slo-overrun']);

    for (let call = 0; call < 40; call += 1) {
      await warden.attribute({ team: 'research' }, () => harness!.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: userMessage, max_tokens: 100 }));
    }
    const stages = alerts.filter((alert) => alert.kind === 'budget-stage').map((alert) => alert.data.atPercent);
    expect(stages).toEqual([50]);
    expect(alerts.find((alert) => alert.kind === 'budget-stage')).toMatchObject({ severity: 'info', notify: false });
  });
});
