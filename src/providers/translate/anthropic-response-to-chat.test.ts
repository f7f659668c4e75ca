import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../../test/fixture-streams.js';
import { WardenError } from '../../core/warden-error.js';
import { anthropicResponseToChat } from './anthropic-response-to-chat.js';

const options = { createdInSeconds: 1_700_000_000 };

describe('anthropicResponseToChat on recorded responses', () => {
  it('translates anthropic-text into a chat.completion with the same text and usage', () => {
    const body = readFixtureJson('anthropic-messages/anthropic-text.json') as { content: Array<{ text: string }> };
    expect(anthropicResponseToChat(body, options)).toEqual({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'claude-sonnet-4-5-20250929',
      choices: [{ index: 0, message: { role: 'assistant', content: body.content[0]?.text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 12,
        completion_tokens: 29,
        total_tokens: 41,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
  });

  it('turns the quoted tool input into tool_calls arguments that parse back to the same input', () => {
    const body = readFixtureJson('anthropic-messages/anthropic-issue-11719-quoted-tool-input.json') as { content: Array<{ input: unknown }> };
    const completion = anthropicResponseToChat(body, { ...options, id: 'chatcmpl-own' });
    const choice = completion.choices[0];
    expect(completion.id).toBe('chatcmpl-own');
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.tool_calls).toEqual([
      { id: 'toolu_01JKBd25gEfr9ZpVvn8quK2v', type: 'function', function: { name: 'website_update', arguments: expect.any(String) } },
    ]);
    expect(JSON.parse(choice?.message.tool_calls?.[0]?.function.arguments ?? '')).toEqual(body.content[0]?.input);
    expect(completion.usage).toMatchObject({ prompt_tokens: 912, completion_tokens: 118, total_tokens: 1030 });
  });

  it('drops thinking blocks and reports thinking tokens as reasoning tokens', () => {
    const completion = anthropicResponseToChat(readFixtureJson('anthropic-messages/issue-13430-thinking-tool-call.json'), options);
    expect(completion.choices[0]?.message).toEqual({
      role: 'assistant',
      content: null,
      refusal: null,
      tool_calls: [{ id: 'toolu_017R7ACrx7NF7sLDDtvdQ1u9', type: 'function', function: { name: 'checkSandboxErrors', arguments: '{}' } }],
    });
    expect(completion.usage?.completion_tokens_details).toEqual({ reasoning_tokens: 18 });

    const thinkingText = anthropicResponseToChat(readFixtureJson('anthropic-messages/anthropic-clear-thinking.1.json'), options);
    expect(thinkingText.choices[0]?.message.content).not.toContain('signature');
    expect(thinkingText.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });
});

describe('anthropicResponseToChat', () => {
  const message = (fields: Record<string, unknown>) => ({ id: 'msg_1', model: 'claude-x', content: [{ type: 'text', text: 'x' }], usage: { input_tokens: 1, output_tokens: 1 }, ...fields });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
  ])('maps stop_reason %s to %s', (stopReason, finishReason) => {
    expect(anthropicResponseToChat(message({ stop_reason: stopReason }), options).choices[0]?.finish_reason).toBe(finishReason);
  });

  it('adds cache reads and writes to prompt_tokens and reports reads as cached', () => {
    const usage = { input_tokens: 3, cache_creation_input_tokens: 100, cache_read_input_tokens: 18_639, output_tokens: 5 };
    expect(anthropicResponseToChat(message({ usage }), options).usage).toEqual({
      prompt_tokens: 18_742,
      completion_tokens: 5,
      total_tokens: 18_747,
      prompt_tokens_details: { cached_tokens: 18_639 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('joins several text blocks in order', () => {
    const content = [{ type: 'text', text: 'One. ' }, { type: 'thinking', thinking: 'hm' }, { type: 'text', text: 'Two.' }];
    expect(anthropicResponseToChat(message({ content }), options).choices[0]?.message.content).toBe('One. Two.');
  });

  it('refuses a body that is not a message with upstream_error', () => {
    expect(() => anthropicResponseToChat({ type: 'error' }, options)).toThrow(WardenError);
  });
});
