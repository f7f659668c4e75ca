import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../../test/fixture-streams.js';
import { WardenError } from '../../core/warden-error.js';
import { anthropicResponseToChat } from './anthropic-response-to-chat.js';
import { chatResponseToAnthropic } from './chat-response-to-anthropic.js';

const options = { requestedModel: 'gpt-requested' };

function thrownBy(action: () => unknown): WardenError | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  return undefined;
}

describe('chatResponseToAnthropic on recorded responses', () => {
  it('translates openai-text into a Messages response with the same text and usage', () => {
    const body = readFixtureJson('openai-chat/openai-text.json') as { choices: Array<{ message: { content: string } }> };
    expect(chatResponseToAnthropic(body, options)).toEqual({
      id: 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1-nano-2025-04-14',
      content: [{ type: 'text', text: body.choices[0]?.message.content }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 16, output_tokens: 363, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
  });

  it('splits cached tokens out of prompt_tokens', () => {
    const fixture = readFixtureJson('openai-chat/openai-chat-cached-input-tokens-11178.json') as { attempts: Array<{ rawResponseBody: unknown }> };
    expect(chatResponseToAnthropic(fixture.attempts[1]?.rawResponseBody, options).usage).toEqual({
      input_tokens: 10_122 - 9984,
      output_tokens: 1,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 9984,
    });
  });

  it('gives back the recorded Anthropic tool use after a trip through the chat dialect', () => {
    const original = readFixtureJson('anthropic-messages/anthropic-issue-11719-quoted-tool-input.json') as Record<string, unknown>;
    const back = chatResponseToAnthropic(anthropicResponseToChat(original, { createdInSeconds: 0 }), options);
    const [block] = original.content as Array<{ type: string; id: string; name: string; input: unknown }>;
    expect(back).toMatchObject({ id: original.id, model: original.model, stop_reason: 'tool_use', content: [{ type: block?.type, id: block?.id, name: block?.name, input: block?.input }] });
    expect(back.usage).toMatchObject({ input_tokens: 912, output_tokens: 118 });
  });
});

describe('chatResponseToAnthropic', () => {
  const completion = (message: Record<string, unknown>, finishReason = 'stop', fields: Record<string, unknown> = {}) => ({
    id: 'chatcmpl-1', model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }], ...fields,
  });

  it('puts text before tool_use blocks and parses the arguments', () => {
    const body = completion({ content: 'Checking.', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":[1,2]}' } }] }, 'tool_calls');
    expect(chatResponseToAnthropic(body, options).content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: [1, 2] } },
    ]);
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['content_filter', 'refusal'],
  ])('maps finish_reason %s to %s', (finishReason, stopReason) => {
    expect(chatResponseToAnthropic(completion({ content: 'x' }, finishReason), options).stop_reason).toBe(stopReason);
  });

  it('reports a refusal as text with stop_reason refusal', () => {
    expect(chatResponseToAnthropic(completion({ content: null, refusal: 'I cannot help.' }), options)).toMatchObject({
      content: [{ type: 'text', text: 'I cannot help.' }],
      stop_reason: 'refusal',
    });
  });

  it('falls back to the requested model when the upstream names none', () => {
    expect(chatResponseToAnthropic(completion({ content: 'x' }, 'stop', { model: '' }), options).model).toBe('gpt-requested');
  });

  it('fails with upstream_error on tool arguments that are not a JSON object', () => {
    const body = completion({ content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, 'length');
    expect(thrownBy(() => chatResponseToAnthropic(body, options))).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/not a JSON object/) });
    expect(thrownBy(() => chatResponseToAnthropic({ choices: [] }, options))).toMatchObject({ code: 'upstream_error' });
  });
});
