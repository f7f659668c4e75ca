import { describe, expect, it } from 'vitest';
import { WardenError } from '../../core/warden-error.js';
import { anthropicRequestToChat } from './anthropic-request-to-chat.js';
import { chatRequestToAnthropic } from './chat-request-to-anthropic.js';

const user = { role: 'user', content: 'Hi' };

function refusalOf(body: unknown): WardenError {
  try {
    anthropicRequestToChat(body);
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected the request to be refused');
}

const anthropicConversation = {
  model: 'gpt-4o',
  max_tokens: 500,
  system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/dog.png' } },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'spec.pdf' },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Look closer.', signature: 'sig' },
        { type: 'text', text: 'Let me zoom.' },
        { type: 'tool_use', id: 'toolu_1', name: 'zoom', input: { factor: 2 } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'A dog and a cat.', is_error: false, cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'And now?' },
      ],
    },
  ],
  tools: [{ name: 'zoom', description: 'Zooms in', input_schema: { type: 'object', properties: { factor: { type: 'number' } } }, cache_control: { type: 'ephemeral' } }],
  tool_choice: { type: 'tool', name: 'zoom', disable_parallel_tool_use: true },
  stop_sequences: ['STOP'],
  temperature: 0.5,
  top_p: 0.8,
  stream: true,
  metadata: { user_id: 'user-7' },
  thinking: { type: 'disabled' },
};

describe('anthropicRequestToChat', () => {
  it('translates a full conversation with images, a PDF, tools and a tool result', () => {
    expect(anthropicRequestToChat(anthropicConversation)).toEqual({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
            { type: 'image_url', image_url: { url: 'https://example.com/dog.png' } },
            { type: 'file', file: { filename: 'spec.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
          ],
        },
        { role: 'assistant', content: 'Let me zoom.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'zoom', arguments: '{"factor":2}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'A dog and a cat.' },
        { role: 'user', content: 'And now?' },
      ],
      max_completion_tokens: 500,
      temperature: 0.5,
      top_p: 0.8,
      stop: ['STOP'],
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function', function: { name: 'zoom', description: 'Zooms in', parameters: { type: 'object', properties: { factor: { type: 'number' } } } } }],
      tool_choice: { type: 'function', function: { name: 'zoom' } },
      parallel_tool_calls: false,
      user: 'user-7',
    });
  });

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'any' }, 'required'],
    [{ type: 'none' }, 'none'],
  ])('maps tool_choice %j', (toolChoice, expected) => {
    const tools = [{ name: 't', input_schema: { type: 'object' } }];
    expect(anthropicRequestToChat({ messages: [user], tools, tool_choice: toolChoice }).tool_choice).toBe(expected);
  });

  it.each([
    ['thinking', { thinking: { type: 'enabled', budget_tokens: 2048 } }],
    ['top_k', { top_k: 5 }],
    ['mcp_servers', { mcp_servers: [] }],
    ['container', { container: 'c1' }],
    ['stop_sequences', { stop_sequences: ['a', 'b', 'c', 'd', 'e'] }],
    ['tools[0].type', { tools: [{ type: 'web_search_20250305', name: 'web_search' }] }],
    ['tools[0].input_examples', { tools: [{ name: 't', input_schema: { type: 'object' }, input_examples: [] }] }],
    ['messages[0].content[0].source.type', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_1' } }] }] }],
    ['messages[0].content[0].source', { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } }] }] }],
    ['messages[0].content[0].citations', { messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'x' }, citations: { enabled: true } }] }] }],
    ['messages[0].content[0].type', { messages: [{ role: 'user', content: [{ type: 'search_result', source: 's', title: 't', content: [] }] }] }],
    ['messages[0].content[0].content[0].type', { messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x' } }] }] }] }],
    ['messages[1].content[0].type', { messages: [user, { role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }] }, user] }],
    ['messages[1]', { messages: [user, { role: 'assistant', content: 'The answer is' }] }],
  ])('refuses %s with invalid_request naming the field', (field, fields) => {
    const error = refusalOf({ messages: [user], ...fields });
    expect(error.code).toBe('invalid_request');
    expect(error.details).toEqual({ field });
    expect(error.message).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')} cannot be translated for OpenAI models.*; remove it or call an Anthropic model$`));
  });

  it('drops cache_control and service_tier, which change no answer', () => {
    expect(anthropicRequestToChat({ messages: [user], service_tier: 'standard_only', cache_control: { type: 'ephemeral' } })).toEqual({ messages: [user] });
  });
});

describe('request round trips', () => {
  it('chat → Anthropic → chat gives back the chat request', () => {
    const chat = {
      model: 'some-model',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"at":"sky"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'blue' },
        { role: 'assistant', content: 'It is blue.' },
        { role: 'user', content: 'Sure?' },
      ],
      tools: [{ type: 'function', function: { name: 'look', description: 'Looks', parameters: { type: 'object', properties: { at: { type: 'string' } } } } }],
      tool_choice: 'auto',
      max_completion_tokens: 64,
      temperature: 0,
      top_p: 1,
      stop: ['###', 'END'],
      stream: true,
      stream_options: { include_usage: true },
      user: 'u1',
    };
    expect(anthropicRequestToChat(chatRequestToAnthropic(chat))).toEqual(chat);
  });

  it('Anthropic → chat → Anthropic keeps everything the chat dialect can carry', () => {
    const { thinking: _thinking, ...withoutDefaults } = anthropicConversation;
    const back = chatRequestToAnthropic(anthropicRequestToChat(anthropicConversation));
    expect(back).toEqual({
      ...withoutDefaults,
      // Dropped on the way: cache_control and the earlier turn's thinking block.
      system: 'Be brief.',
      tools: [{ name: 'zoom', description: 'Zooms in', input_schema: anthropicConversation.tools[0]?.input_schema }],
      messages: [
        anthropicConversation.messages[0],
        { role: 'assistant', content: anthropicConversation.messages[1]?.content.slice(1) },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'A dog and a cat.' }, { type: 'text', text: 'And now?' }] },
      ],
    });
  });
});
