import { describe, expect, it } from 'vitest';
import { WardenError } from '../../core/warden-error.js';
import { chatRequestToAnthropic } from './chat-request-to-anthropic.js';

const user = { role: 'user', content: 'Hi' };

function refusalOf(body: unknown): WardenError {
  try {
    chatRequestToAnthropic(body);
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

describe('chatRequestToAnthropic', () => {
  it('translates a full tool-using conversation', () => {
    const translated = chatRequestToAnthropic({
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Looking it up.',
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
        { role: 'user', content: 'Thanks, which is warmer?' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      max_completion_tokens: 300,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-42',
      seed: 7,
    });
    expect(translated).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Looking it up.' },
            { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'weather', input: { city: 'Rome' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18°C' },
            { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '24°C' }] },
            { type: 'text', text: 'Thanks, which is warmer?' },
          ],
        },
      ],
      tools: [{ name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      metadata: { user_id: 'user-42' },
    });
  });

  it('leaves max_tokens out when the client set none, for Warden to choose', () => {
    expect(chatRequestToAnthropic({ messages: [user] })).toEqual({ messages: [user] });
    expect(chatRequestToAnthropic({ messages: [user], max_tokens: 50 }).max_tokens).toBe(50);
  });

  it('joins several system and developer messages into text blocks', () => {
    const translated = chatRequestToAnthropic({
      messages: [{ role: 'system', content: 'One.' }, { role: 'developer', content: [{ type: 'text', text: 'Two.' }] }, user],
    });
    expect(translated.system).toEqual([{ type: 'text', text: 'One.' }, { type: 'text', text: 'Two.' }]);
  });

  it('translates images and PDF files', () => {
    const translated = chatRequestToAnthropic({
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
        ],
      }],
    });
    expect(translated.messages[0]?.content).toEqual([
      { type: 'text', text: 'Compare' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'report.pdf' },
    ]);
  });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    [{ type: 'function', function: { name: 'weather' } }, { type: 'tool', name: 'weather' }],
  ])('maps tool_choice %j', (toolChoice, expected) => {
    expect(chatRequestToAnthropic({ messages: [user], tool_choice: toolChoice }).tool_choice).toEqual(expected);
  });

  it('accepts fields that change nothing, and default values of the refused ones', () => {
    const harmless = {
      messages: [user], stream_options: { include_usage: false }, seed: 1, parallel_tool_calls: true, n: 1, logprobs: false,
      response_format: { type: 'text' }, modalities: ['text'], store: false, metadata: { run: '1' }, temperature: null,
      frequency_penalty: 0, presence_penalty: 0, logit_bias: {}, service_tier: 'auto', prompt_cache_key: 'k', reasoning_effort: 'none',
    };
    expect(chatRequestToAnthropic(harmless)).toEqual({ messages: [user] });
  });

  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { top_logprobs: 3 }],
    ['response_format', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } }],
    ['response_format', { response_format: { type: 'json_object' } }],
    ['audio', { audio: { voice: 'alloy', format: 'mp3' } }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['functions', { functions: [{ name: 'f' }] }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['reasoning_effort', { reasoning_effort: 'high' }],
    ['store', { store: true }],
    ['prediction', { prediction: { type: 'content', content: 'x' } }],
    ['web_search_options', { web_search_options: {} }],
    ['temperature', { temperature: 1.5 }],
    ['made_up_field', { made_up_field: 1 }],
    ['tool_choice', { tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [] } } }],
    ['tools[0].type', { tools: [{ type: 'custom', custom: { name: 'grammar' } }] }],
    ['messages[0].content[0].type', { messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] }],
    ['messages[0].content[0].image_url.url', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AA==' } }] }] }],
    ['messages[0].content[0].file.file_id', { messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }],
    ['messages[1].audio', { messages: [user, { role: 'assistant', content: null, audio: { id: 'audio_1' } }, user] }],
    ['messages[1]', { messages: [user, { role: 'system', content: 'Late instructions' }] }],
    ['messages[1]', { messages: [user, { role: 'assistant', content: 'Sure, here is' }] }],
  ])('refuses %s with invalid_request naming the field', (field, fields) => {
    const error = refusalOf({ messages: [user], ...fields });
    expect(error.code).toBe('invalid_request');
    expect(error.details).toEqual({ field });
    expect(error.message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')} cannot be translated for Anthropic models.*; remove it or call an OpenAI model$`));
  });

  it('names the one accepted value when only the default can be translated', () => {
    expect(refusalOf({ messages: [user], n: 3 }).message).toBe('n cannot be translated for Anthropic models (only 1 can be); remove it or call an OpenAI model');
  });

  it('refuses tool call arguments that are not JSON, naming the call', () => {
    const error = refusalOf({
      messages: [user, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{"a":' } }] }, { role: 'tool', tool_call_id: 'c', content: 'ok' }],
    });
    expect(error.code).toBe('invalid_request');
    expect(error.details).toEqual({ field: 'messages[1].tool_calls[0].function.arguments' });
  });

  it('refuses malformed bodies with the path of the problem', () => {
    expect(refusalOf({ messages: 'hi' }).details).toEqual({ field: 'messages' });
    expect(refusalOf({ messages: [{ role: 'robot', content: 'x' }] }).details).toEqual({ field: 'messages[0].role' });
    expect(refusalOf({ messages: [user], max_tokens: 0 }).details).toEqual({ field: 'max_tokens' });
    expect(refusalOf(null).code).toBe('invalid_request');
  });
});
