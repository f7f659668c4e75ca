import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { MessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { Stream } from '@anthropic-ai/sdk/streaming';
import { describe, expect, it } from 'vitest';
import { frameFixtureStream, parseChunks } from '../../../test/fixture-streams.js';
import { createSseParser, type SseEvent } from '../../core/sse-parser.js';
import { isRecord, type JsonRecord } from '../json-fields.js';
import { createAnthropicToChatStream } from './create-anthropic-to-chat-stream.js';
import { createChatToAnthropicStream } from './create-chat-to-anthropic-stream.js';

function recordedEvents(file: string): SseEvent[] {
  return parseChunks(createSseParser(), [frameFixtureStream(file)]);
}

function translate(events: readonly SseEvent[]): string {
  const translator = createChatToAnthropicStream({ id: 'msg_test', model: 'gpt-requested' });
  return events.map((event) => translator.push(event)).join('') + translator.end();
}

function framesOf(text: string): SseEvent[] {
  return parseChunks(createSseParser(), [new TextEncoder().encode(text)]);
}

function chatDeltas(events: readonly SseEvent[]): { content: string; arguments: string } {
  let content = '';
  let argumentsText = '';
  for (const event of events) {
    if (event.data === '[DONE]') continue;
    const chunk = JSON.parse(event.data) as JsonRecord;
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      const delta = isRecord(choice) && isRecord(choice.delta) ? choice.delta : {};
      if (typeof delta.content === 'string') content += delta.content;
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        if (isRecord(call) && isRecord(call.function) && typeof call.function.arguments === 'string') argumentsText += call.function.arguments;
      }
    }
  }
  return { content, arguments: argumentsText };
}

async function parseWithAnthropic(text: string) {
  const stream = Stream.fromSSEResponse<MessageStreamEvent>(new Response(text), new AbortController());
  const [forEvents, forMessage] = stream.tee();
  const events: MessageStreamEvent[] = [];
  for await (const event of forEvents) events.push(event);
  const message = await MessageStream.fromReadableStream(forMessage.toReadableStream()).finalMessage();
  return { events, message };
}

describe('createChatToAnthropicStream on recorded streams', () => {
  it('relays the text of openai-text with Anthropic framing and the final usage', async () => {
    const events = recordedEvents('openai-chat/openai-text.chunks.txt');
    const text = translate(events);
    const frames = framesOf(text);

    expect(frames.every((frame) => frame.event === (JSON.parse(frame.data) as JsonRecord).type)).toBe(true);
    expect(frames.map((frame) => frame.event).filter((name, index, all) => name !== all[index - 1])).toEqual([
      'message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop',
    ]);
    const { message } = await parseWithAnthropic(text);
    expect(message).toMatchObject({ id: 'msg_test', model: 'gpt-requested', role: 'assistant', stop_reason: 'end_turn' });
    expect(message.content).toEqual([{ type: 'text', text: chatDeltas(events).content }]);
    expect(message.usage).toMatchObject({ input_tokens: 16, output_tokens: 300, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it('relays the text and tool call of issue-15789 as a text block and a tool_use block', async () => {
    const events = recordedEvents('openai-chat/issue-15789-step-1.chunks.txt');
    const { message } = await parseWithAnthropic(translate(events));
    expect(message.content).toEqual([
      { type: 'text', text: 'PRE_TOOL' },
      { type: 'tool_use', id: 'call_NZa7xqfefoaMI2YYHowVXVlU', name: 'weather', input: JSON.parse(chatDeltas(events).arguments) },
    ]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 58, output_tokens: 12 });
  });

  it('skips Azure\'s leading filter chunk and splits cached tokens out of the input', async () => {
    const { message } = await parseWithAnthropic(translate(recordedEvents('openai-chat/azure-model-router.1.chunks.txt')));
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(message.usage).toMatchObject({ input_tokens: 15, output_tokens: 78 });
  });

  it('waits for the usage chunk before message_delta, and sends message_stop once', () => {
    const events = recordedEvents('openai-chat/issue-15789-step-1.chunks.txt');
    const translator = createChatToAnthropicStream({ id: 'msg_test', model: 'gpt-4o' });
    const outputs = events.map((event) => translator.push(event));
    const finishIndex = events.findIndex((event) => event.data.includes('"finish_reason":"tool_calls"'));
    expect(outputs[finishIndex]).not.toContain('message_delta');
    expect(outputs[finishIndex + 1]).toContain('event: message_delta');
    expect(outputs[finishIndex + 1]).toContain('"input_tokens":58');
    expect(translator.end()).toBe('');
  });
});

describe('createChatToAnthropicStream edge cases', () => {
  const chunk = (fields: JsonRecord): SseEvent => ({ data: JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model: 'gpt-4o', ...fields }) });
  const delta = (value: JsonRecord, finishReason: string | null = null): SseEvent => chunk({ choices: [{ index: 0, delta: value, finish_reason: finishReason }] });

  it('closes the message at end() with zero output when the usage chunk never came', async () => {
    const text = translate([delta({ role: 'assistant', content: 'Hi' }), delta({}, 'length'), { data: '[DONE]' }]);
    const { message } = await parseWithAnthropic(text);
    expect(message).toMatchObject({ stop_reason: 'max_tokens', content: [{ type: 'text', text: 'Hi' }] });
    expect(message.usage.output_tokens).toBe(0);
  });

  it('turns an OpenAI error chunk into an error event the Anthropic SDK raises', async () => {
    const text = translate([delta({ content: 'Hi' }), { data: JSON.stringify({ error: { message: 'Slow down', type: 'requests', code: 'rate_limit_exceeded' } }) }]);
    expect(framesOf(text).at(-1)).toEqual({ event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } }) });
    await expect(parseWithAnthropic(text)).rejects.toThrow('Slow down');
  });

  it('ends with an error event when the stream stops before any finish_reason', async () => {
    const text = translate([delta({ content: 'Half' })]);
    expect(framesOf(text).at(-1)?.event).toBe('error');
    await expect(parseWithAnthropic(text)).rejects.toThrow('ended before a finish_reason');
  });

  it('opens one tool_use block per parallel call and reports a refusal as text with stop_reason refusal', async () => {
    const tools = translate([
      delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] }),
      delta({}, 'tool_calls'),
      chunk({ choices: [], usage: { prompt_tokens: 100, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 64 } } }),
    ]);
    const { message } = await parseWithAnthropic(tools);
    expect(message.content).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'a', input: { x: 1 } },
      { type: 'tool_use', id: 'call_b', name: 'b', input: {} },
    ]);
    expect(message.usage).toMatchObject({ input_tokens: 36, cache_read_input_tokens: 64, output_tokens: 7 });

    const refusal = translate([delta({ refusal: 'I cannot help with that.' }), delta({}, 'stop'), chunk({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 6 } })]);
    expect((await parseWithAnthropic(refusal)).message).toMatchObject({ stop_reason: 'refusal', content: [{ type: 'text', text: 'I cannot help with that.' }] });
  });

  it('fails the stream rather than reorder a tool call resumed after another began', () => {
    const text = translate([
      delta({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'a', arguments: '{' } }] }),
      delta({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'b', arguments: '{}' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '}' } }] }),
    ]);
    expect(framesOf(text).at(-1)?.event).toBe('error');
  });
});

// The fields both dialects carry; Anthropic's `caller` and `citations` have no chat counterpart.
function essentials(block: JsonRecord | object): JsonRecord {
  const { type, text, id, name, input } = block as JsonRecord;
  return type === 'tool_use' ? { type, id, name, input } : { type, text };
}

describe('both stream translators chained', () => {
  it('gives back the recorded Anthropic text, tool input and usage after a trip through the chat dialect', async () => {
    for (const name of ['anthropic-text.chunks.txt', 'anthropic-issue-11719-quoted-tool-input.chunks.txt']) {
      const original = await parseWithAnthropic(new TextDecoder().decode(frameFixtureStream(`anthropic-messages/${name}`)));
      const toChat = createAnthropicToChatStream({ id: 'chatcmpl-1', createdInSeconds: 0, model: 'm', includeUsage: true });
      const chatText = recordedEvents(`anthropic-messages/${name}`).map((event) => toChat.push(event)).join('') + toChat.end();
      const { message } = await parseWithAnthropic(translate(framesOf(chatText)));
      expect(message.content.map(essentials)).toEqual(original.message.content.map(essentials));
      expect(message.content.length).toBe(1);
      expect(message.stop_reason).toBe(original.message.stop_reason);
      expect(message.usage).toMatchObject({ input_tokens: original.message.usage.input_tokens, output_tokens: original.message.usage.output_tokens });
    }
  });
});
