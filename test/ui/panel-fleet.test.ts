import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, type GatewayHarness } from '../e2e/gateway-harness.js';
import { displayUsd, chromiumForSuite, ledgerCallsByTask, ledgerSpendBy, openPanel, viewerKeys } from './panel-harness.js';

const chromium = chromiumForSuite();
let harness: GatewayHarness;
afterEach(async () => harness?.close());

const config = {
  admin: { viewerKeys },
  tiers: { fast: ['gpt-4o-mini'], premium: ['gpt-4o'] },
  routing: { defaultTier: 'fast' },
  budgets: [{ scope: 'team:*', window: 'day' as const, hard: '5', ladder: [{ atPercent: 50, actions: ['log' as const] }] }],
  taskTypes: { explore: { budget: { hard: '1' } }, answer: {} },
};

interface Call {
  task: string;
  type: string;
  user: string;
  model: string;
  maxTokens: number;
}

async function traffic(harness: GatewayHarness, calls: Record<string, Call[]>): Promise<void> {
  const clients = new Map<string, Awaited<ReturnType<GatewayHarness['client']>>>();
  for (const team of Object.keys(calls)) clients.set(team, await harness.client({ team }));
  await Promise.all(
    Object.entries(calls).map(async ([team, list]) => {
      const { openai } = clients.get(team) as Awaited<ReturnType<GatewayHarness['client']>>;
      for (const call of list) {
        await openai.chat.completions.create(
          { model: call.model, messages: [{ role: 'user', content: `Work on ${call.task}, step ${call.maxTokens}.` }], max_tokens: call.maxTokens },
          { headers: { 'x-warden-task': call.task, 'x-warden-task-type': call.type, 'x-warden-user': call.user } },
        );
      }
    }),
  );
}

describe('control panel: fleet and spend', () => {
  it('shows every task with the cost and calls the ledger has, spend per team equal to the ledger, and follows new traffic without a reload', async () => {
    harness = await createGatewayHarness({ config });
    await traffic(harness, {
      research: [
        { task: 'survey-1', type: 'explore', user: 'alice', model: 'auto', maxTokens: 40 },
        { task: 'survey-1', type: 'explore', user: 'alice', model: 'gpt-4o', maxTokens: 64 },
        { task: 'survey-2', type: 'explore', user: 'bob', model: 'auto', maxTokens: 30 },
      ],
      support: [
        { task: 'ticket-7', type: 'answer', user: 'carol', model: 'auto', maxTokens: 20 },
        { task: 'ticket-7', type: 'answer', user: 'carol', model: 'auto', maxTokens: 25 },
        { task: 'ticket-8', type: 'answer', user: 'dave', model: 'gpt-4o', maxTokens: 50 },
      ],
    });
    const { page, errors, context } = await openPanel(chromium(), { url: harness.url, role: 'operator', name: 'alice' });
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));

    const expectFiguresMatchLedger = async (): Promise<void> => {
      const rows = await harness.rows();
      const costs = ledgerSpendBy(rows, 'taskId');
      const calls = ledgerCallsByTask(rows);
      for (const [task, cost] of costs) {
        const row = page.locator(`#fleet-table tr[data-task="${task}"]`);
        await expect.poll(() => row.locator('[data-field="cost"]').textContent(), { timeout: 3000 }).toBe(displayUsd(cost));
        await expect.poll(() => row.locator('[data-field="calls"]').textContent(), { timeout: 3000 }).toBe(String(calls.get(task)));
      }
      for (const [team, cost] of ledgerSpendBy(rows, 'team')) {
        await expect.poll(() => page.locator(`#spend-by-team tr[data-team="${team}"] [data-field="cost"]`).textContent(), { timeout: 3000 }).toBe(displayUsd(cost));
      }
    };

    await expectFiguresMatchLedger();
    expect(await page.locator('#fleet-table tbody tr[data-task]').count()).toBe(4);
    const survey = page.locator('#fleet-table tr[data-task="survey-1"]');
    expect(await survey.locator('[data-field="type"]').textContent()).toBe('explore');
    expect(await survey.locator('[data-field="owner"]').textContent()).toContain('research');
    expect(await survey.locator('[data-field="budget"]').textContent()).toMatch(/ of \$1\.00$/);
    expect(await survey.locator('[data-field="status"]').textContent()).toContain('running');

    // New calls reach the open page through the event stream.
    await traffic(harness, { support: [{ task: 'ticket-9', type: 'answer', user: 'erin', model: 'auto', maxTokens: 33 }] });
    await page.locator('#fleet-table tr[data-task="ticket-9"]').waitFor({ timeout: 2000 });
    await expectFiguresMatchLedger();
    expect(await page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument)).toBe(true);

    // The other views read the same state.
    await page.getByRole('link', { name: 'Spend' }).click();
    await expect.poll(() => page.locator('#task-cost tbody tr').count()).toBe(2);
    await expect.poll(() => page.locator('#spend-chart canvas').count()).toBeGreaterThan(0);
    await page.getByRole('link', { name: 'Budgets' }).click();
    const rows = await harness.rows();
    const researchSpend = ledgerSpendBy(rows, 'team').get('research') as number;
    await expect.poll(() => page.locator('#budget-table tr[data-scope="team:research"] [data-field="spent"]').textContent()).toBe(displayUsd(researchSpend));
    await page.getByRole('link', { name: 'Routing & reliability' }).click();
    await expect.poll(() => page.locator('#routing-calls').textContent()).toBe('7');
    expect(await page.locator('#tier-table tbody tr').count()).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await context.close();
  });
});
