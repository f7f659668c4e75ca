import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, waitFor, type GatewayHarness } from '../e2e/gateway-harness.js';
import { chromiumForSuite, openPanel } from './panel-harness.js';

const chromium = chromiumForSuite();
let harness: GatewayHarness;
afterEach(async () => harness?.close());

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

describe('control panel: loops and approvals', () => {
  it('shows a looping task as looping within 2 s of the detection, links its security event, and lets an operator resume it', async () => {
    harness = await createGatewayHarness({ config: { loopDetection: { window: 10, repeatThreshold: 3, noProgressThreshold: 5, action: 'refuse' } } });
    harness.mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{"command":"npm test"}' } });
    const { openai } = await harness.client({ team: 'platform' });
    const { page, errors, context } = await openPanel(chromium(), { url: harness.url, role: 'operator' });

    // An agent that runs the tool the model calls and feeds back the same failing result, over and over.
    const messages: Message[] = [{ role: 'user', content: 'Make the failing test pass.' }];
    let refusal: InstanceType<typeof OpenAI.APIError> | undefined;
    for (let turn = 0; turn < 10 && refusal === undefined; turn += 1) {
      try {
        const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 64 }, { headers: { 'x-warden-task': 'fix-tests' } });
        const call = answer.choices[0]?.message.tool_calls?.[0];
        if (call === undefined || call.type !== 'function') throw new Error('the mock was set to call a tool');
        messages.push({ role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: call.id, content: '1 failing: expected 2, got 3' });
      } catch (error) {
        if (!(error instanceof OpenAI.APIError)) throw error;
        refusal = error;
      }
    }
    expect(refusal?.code).toBe('loop_detected');
    const [detection] = await harness.rows('loop-detect');
    expect(detection?.taskId).toBe('fix-tests');

    const status = page.locator('#fleet-table tr[data-task="fix-tests"] [data-field="status"][data-status="looping"]');
    await status.waitFor({ timeout: 2000 });
    const shownAfterInMs = Date.now() - (detection?.timeInMs as number);
    expect(shownAfterInMs).toBeLessThan(2000);
    expect(await status.textContent()).toContain('halted (refuse)');

    // An operator lets it go on: the loop detector forgets the episode and the next call is answered.
    await page.getByRole('button', { name: 'Resume task fix-tests' }).click();
    await page.locator('#fleet-table tr[data-task="fix-tests"] [data-field="status"][data-status="running"]').waitFor({ timeout: 2000 });
    expect(await page.getByRole('button', { name: 'Resume task fix-tests' }).count()).toBe(0);
    const [resumed] = (await harness.rows('loop-detect')).filter((row) => row.data?.resumed === true);
    expect(resumed?.data).toMatchObject({ by: 'ui:admin' });
    await expect(openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 64 }, { headers: { 'x-warden-task': 'fix-tests' } })).resolves.toBeDefined();

    // The Security view lists the detection, linked to its task.
    await page.getByRole('link', { name: /^Security/ }).click();
    const link = page.locator('#security-table tr[data-type="loop-detect"] a', { hasText: 'fix-tests' });
    await link.click();
    await expect.poll(() => page.locator('#fleet-filter').inputValue()).toBe('fix-tests');
    await expect.poll(() => page.locator('#fleet-table tbody tr[data-task]').count()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('holds an agent for approval, and clicking Approve releases it; the decision records who made it', async () => {
    harness = await createGatewayHarness({
      config: {
        toolPolicies: [{ appliesTo: {}, tools: [{ name: 'shell', commands: { allow: ['git status', { pattern: 'git push ...', requireApproval: true }] } }] }],
        toolChecks: { approvalTimeoutInSeconds: 600 },
      },
    });
    harness.mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push origin main"}' } });
    const { openai } = await harness.client({ team: 'release' });
    const { page, errors, context } = await openPanel(chromium(), { url: harness.url, role: 'operator', name: 'alice' });

    // The agent asks again while its call waits for a person (423 approval_pending), as agents do.
    const attempts: string[] = [];
    const agent = (async () => {
      for (;;) {
        try {
          const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Ship it.' }], max_tokens: 64 }, { headers: { 'x-warden-task': 'release-1' } });
          attempts.push('ok');
          return answer.choices[0]?.message.tool_calls?.[0];
        } catch (error) {
          if (!(error instanceof OpenAI.APIError) || error.status !== 423) throw error;
          attempts.push(String(error.code));
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    })();

    await page.getByRole('link', { name: /^Approvals/ }).click();
    const pending = page.locator('#approval-table tr[data-approval]');
    await pending.waitFor({ timeout: 3000 });
    expect(await pending.textContent()).toContain('git push origin main');
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.locator('#fleet-table tr[data-task="release-1"] [data-status="paused"]').waitFor({ timeout: 2000 });
    expect(attempts.every((attempt) => attempt === 'approval_pending')).toBe(true);

    await page.getByRole('link', { name: /^Approvals/ }).click();
    await pending.getByRole('textbox').fill('release window open');
    await pending.getByRole('button', { name: /^Approve/ }).click();
    const toolCall = await agent;
    expect(toolCall).toMatchObject({ function: { name: 'shell', arguments: '{"command":"git push origin main"}' } });
    expect(attempts.at(-1)).toBe('ok');

    const decided = page.locator('#decided-table tr[data-approval]');
    await decided.waitFor({ timeout: 2000 });
    expect(await decided.textContent()).toContain('ui:alice');
    const decisions = await waitFor(async () => {
      const rows = await harness.rows('approval-decide');
      return rows.length > 0 ? rows : undefined;
    });
    expect(decisions[0]?.data).toMatchObject({ status: 'approved', by: 'ui:alice', reason: 'release window open' });
    expect(errors).toEqual([]);
    await context.close();
  });
});
