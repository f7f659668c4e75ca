import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { adminKey, createGatewayHarness, type GatewayHarness } from './gateway-harness.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;

const policy = {
  toolPolicies: [{ appliesTo: {}, tools: [{ name: 'shell', commands: { allow: ['git status', { pattern: 'git push ...', requireApproval: true }] } }] }],
  toolChecks: { approvalTimeoutInSeconds: 600 },
};
interface PushOutcome {
  status: number | undefined;
  code?: string | null;
  message?: string;
  approvalId?: string;
  toolCall?: unknown;
}
const push = (openai: OpenAI): Promise<PushOutcome> =>
  openai.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Ship it.' }], max_tokens: 64 }, { headers: { 'x-warden-task': 'release-1' } })
    .then(
      (answer) => ({ status: 200, toolCall: answer.choices[0]?.message.tool_calls?.[0] }),
      (error: ApiError) => ({ status: error.status, code: error.code, message: error.message, ...approvalIdIn(error.message) }),
    );
const approvalIdIn = (message: string): { approvalId?: string } => {
  const id = /apr_[0-9a-f]+/.exec(message)?.[0];
  return id === undefined ? {} : { approvalId: id };
};

/** `warden approvals <verb> …` through the built CLI against the harness gateway. */
async function approvals(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, 'approvals', ...args, '--url', harness.url], { env: { ...process.env, WARDEN_ADMIN_KEY: adminKey } });
  return stdout;
}

describe('gateway approvals', () => {
  it('holds a tool call that needs approval, and `warden approvals approve` lets the retry through once', async () => {
    harness = await createGatewayHarness({ config: policy });
    harness.mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push origin main"}' } });
    const { openai } = await harness.client();

    const held = await push(openai);
    expect(held).toMatchObject({ status: 423, code: 'approval_pending' });
    expect(held.approvalId).toBeDefined();
    expect(await approvals('list')).toContain(held.approvalId as string);
    expect(await push(openai)).toMatchObject({ status: 423, approvalId: held.approvalId });

    expect(await approvals('approve', held.approvalId as string, '--reason', 'release window open')).toContain('Approved');
    const released = await push(openai);
    expect(released).toMatchObject({ status: 200, toolCall: { function: { name: 'shell', arguments: '{"command":"git push origin main"}' } } });
    // Once: the next push needs a new approval.
    expect(await push(openai)).toMatchObject({ status: 423, code: 'approval_pending' });

    const requests = await harness.rows('approval-request');
    const decisions = await harness.rows('approval-decide');
    expect(requests[0]).toMatchObject({ taskId: 'release-1', data: { approvalId: held.approvalId, tool: 'shell' } });
    expect(decisions).toEqual([expect.objectContaining({ data: expect.objectContaining({ approvalId: held.approvalId, status: 'approved', by: 'admin', reason: 'release window open' }) })]);
  });

  it('refuses the call after a deny, and after the timeout', async () => {
    const clock = createManualClock(Date.UTC(2026, 10, 25, 12));
    harness = await createGatewayHarness({ config: policy, clock });
    harness.mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push --force"}' } });
    const { openai } = await harness.client();
    const held = await push(openai);
    await approvals('deny', held.approvalId as string, '--reason', 'no force pushes');
    expect(await push(openai)).toMatchObject({ status: 403, code: 'tool_not_allowed', message: expect.stringContaining('no force pushes') });

    harness.mock.setBehavior({ toolCall: { name: 'shell', argumentsJson: '{"command":"git push origin v2"}' } });
    const waiting = await push(openai);
    expect(waiting.status).toBe(423);
    clock.set(Date.UTC(2026, 10, 25, 12) + 601_000);
    const late = await push(openai);
    // The expired approval refuses; asking again opens a new one.
    expect(late).toMatchObject({ status: 423, code: 'approval_pending' });
    expect(late.approvalId).not.toBe(waiting.approvalId);
    const statuses = (await harness.rows('approval-decide')).map((row) => row.data?.status);
    expect(statuses).toEqual(['denied', 'expired']);
  });
});

describe('gateway approvals for spend', () => {
  it('holds a task past its approveSpendAbove until a person approves, then lets it go on', async () => {
    harness = await createGatewayHarness({ config: { taskTypes: { research: { approveSpendAbove: '0.00002' } } } });
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client();
    const ask = () =>
      openai.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Dig deeper.' }], max_tokens: 64 }, { headers: { 'x-warden-task': 'study', 'x-warden-task-type': 'research' } })
        .then(
          () => ({ status: 200 }) as PushOutcome,
          (error: ApiError): PushOutcome => ({ status: error.status, code: error.code, message: error.message, ...approvalIdIn(error.message) }),
        );
    // Each call costs $0.0000135: the second passes $0.00002.
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const held = await ask();
    expect(held).toMatchObject({ status: 423, code: 'approval_pending' });
    expect(harness.mock.requests).toHaveLength(2);
    expect(await harness.admin('POST', `/admin/approvals/${held.approvalId}/approve`, {})).toMatchObject({ status: 200 });
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    expect((await harness.rows('approval-request'))[0]?.data).toMatchObject({ tool: 'continue-task' });
  });
});
