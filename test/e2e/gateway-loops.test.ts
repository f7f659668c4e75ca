import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

type ApiError = InstanceType<typeof OpenAI.APIError>;
type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/**
 * An agent's loop through the official client: ask, run the tool the model calls, feed the result
 * back, repeat. `toolResult(turn)` is what running the tool printed on that turn.
 */
async function runAgent(openai: OpenAI, options: { task: string; turns: number; toolResult: (turn: number) => string }): Promise<{ completed: number; refusal?: ApiError }> {
  const messages: Message[] = [{ role: 'user', content: 'Make the failing test pass.' }];
  for (let turn = 0; turn < options.turns; turn += 1) {
    let answer;
    try {
      answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 64 }, { headers: { 'x-warden-task': options.task } });
    } catch (error) {
      if (error instanceof OpenAI.APIError) return { completed: turn, refusal: error };
      throw error;
    }
    const call = answer.choices[0]?.message.tool_calls?.[0];
    if (call === undefined || call.type !== 'function') throw new Error('the mock was set to call a tool');
    messages.push({ role: 'assistant', content: null, tool_calls: [call] });
    messages.push({ role: 'tool', tool_call_id: call.id, content: options.toolResult(turn) });
  }
  return { completed: options.turns };
}

const loopConfig = { loopDetection: { window: 10, repeatThreshold: 3, noProgressThreshold: 5, action: 'refuse' as const } };

describe('gateway loop detection', () => {
  it('stops a task that repeats the same tool call with the same result, at the configured count, and records why', async () => {
    harness = await createGatewayHarness({ config: loopConfig });
    harness.mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{"command":"npm test"}' } });
    const { openai } = await harness.client();
    const run = await runAgent(openai, { task: 'fix-tests', turns: 10, toolResult: () => '1 failing: expected 2, got 3' });

    expect(run.refusal?.status).toBe(422);
    expect(run.refusal?.code).toBe('loop_detected');
    expect(run.refusal?.message).toContain('fix-tests');
    // The third identical call is the loop; the fourth request is refused before it is sent.
    expect(run.completed).toBe(loopConfig.loopDetection.repeatThreshold);
    expect(harness.mock.requests).toHaveLength(loopConfig.loopDetection.repeatThreshold);
    const detections = await harness.rows('loop-detect');
    expect(detections).toHaveLength(1);
    expect(detections[0]).toMatchObject({ taskId: 'fix-tests', data: { kind: 'loop', action: 'refuse' } });
    const refusals = (await harness.rows('call-refuse')).filter((row) => row.errorCode === 'loop_detected');
    expect(refusals).toHaveLength(1);
  });

  it('sees tool calls in streamed answers too', async () => {
    harness = await createGatewayHarness({ config: loopConfig });
    harness.mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{"command":"npm test"}' } });
    const { openai } = await harness.client();
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Make the failing test pass.' }];
    const statuses: string[] = [];
    for (let turn = 0; turn < 6; turn += 1) {
      try {
        const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, max_tokens: 64, stream: true }, { headers: { 'x-warden-task': 'streamer' } });
        let id = '';
        let args = '';
        for await (const chunk of stream) {
          const part = chunk.choices[0]?.delta.tool_calls?.[0];
          id ||= part?.id ?? '';
          args += part?.function?.arguments ?? '';
        }
        messages.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'run_tests', arguments: args } }] });
        messages.push({ role: 'tool', tool_call_id: id, content: '1 failing' });
        statuses.push('ok');
      } catch (error) {
        statuses.push(error instanceof OpenAI.APIError ? String(error.code) : String(error));
        break;
      }
    }
    expect(statuses).toEqual(['ok', 'ok', 'ok', 'loop_detected']);
  });

  it('lets an operator resume a halted task through the admin API', async () => {
    harness = await createGatewayHarness({ config: loopConfig });
    harness.mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{"command":"npm test"}' } });
    const { openai } = await harness.client();
    const first = await runAgent(openai, { task: 'stuck', turns: 10, toolResult: () => 'same failure' });
    expect(first.refusal?.code).toBe('loop_detected');
    const resumed = await harness.admin('POST', '/admin/tasks/stuck/resume');
    expect(resumed).toMatchObject({ status: 200, body: { resumed: true } });
    const again = await runAgent(openai, { task: 'stuck', turns: 1, toolResult: () => 'same failure' });
    expect(again).toEqual({ completed: 1 });
  });

  it('pauses a looping task until a person approves going on, when the action is pause', async () => {
    harness = await createGatewayHarness({ config: { loopDetection: { ...loopConfig.loopDetection, action: 'pause' } } });
    harness.mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{"command":"npm test"}' } });
    const { openai } = await harness.client();
    const paused = await runAgent(openai, { task: 'paused', turns: 10, toolResult: () => 'same failure' });
    expect(paused.refusal?.status).toBe(423);
    expect(paused.refusal?.code).toBe('approval_pending');
    const approvalId = /apr_[0-9a-f]+/.exec(paused.refusal?.message ?? '')?.[0];
    expect(approvalId).toBeDefined();
    expect(await harness.admin('POST', `/admin/approvals/${approvalId}/approve`, { reason: 'new approach given' })).toMatchObject({ status: 200 });
    const resumed = await runAgent(openai, { task: 'paused', turns: 1, toolResult: () => 'different now' });
    expect(resumed).toEqual({ completed: 1 });
    expect((await harness.rows('approval-decide')).map((row) => row.data)).toEqual([expect.objectContaining({ approvalId, status: 'approved', reason: 'new approach given' })]);
  });

  it('does not stop polling whose results change, nor one task because another looped', async () => {
    harness = await createGatewayHarness({ config: loopConfig });
    harness.mock.setBehavior({ toolCall: { name: 'ci_status', argumentsJson: '{"job":"build-42"}' } });
    const { openai } = await harness.client();
    const polling = await runAgent(openai, { task: 'wait-for-ci', turns: 8, toolResult: (turn) => `build-42: running, ${turn * 12}% done` });
    expect(polling).toEqual({ completed: 8 });

    const looping = await runAgent(openai, { task: 'looper', turns: 10, toolResult: () => 'build-42: failed' });
    expect(looping.refusal?.code).toBe('loop_detected');
    const other = await runAgent(openai, { task: 'another-task', turns: 2, toolResult: (turn) => `step ${turn}` });
    expect(other).toEqual({ completed: 2 });
    expect((await harness.rows('loop-detect')).map((row) => row.taskId)).toEqual(['looper']);
  });

  it('is off without loopDetection in the config', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ toolCall: { name: 'run_tests', argumentsJson: '{}' } });
    const { openai } = await harness.client();
    expect(await runAgent(openai, { task: 'free', turns: 8, toolResult: () => 'same' })).toEqual({ completed: 8 });
    expect(await harness.rows('loop-detect')).toEqual([]);
  });
});
