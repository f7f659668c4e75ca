import { ChatCompletionStream } from 'openai/lib/ChatCompletionStream';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { Stream } from 'openai/streaming';
import { describe, expect, it } from 'vitest';
import { frameFixtureStream, parseChunks, readFixtureJson } from '../../../test/fixture-streams.js';
import { createSseParser, type SseEvent } from '../../core/sse-parser.js';
import { isRecord, type JsonRecord } from '../json-fields.js';
import { createAnthropicToChatStream, type AnthropicToChatStreamOptions } from './create-anthropic-to-chat-stream.js';

const options: AnthropicToChatStreamOptions = { id: 'chatcmpl-test', createdInSeconds: 1_700_000_000, model: 'claude-requested', includeUsage: true };

function recordedEvents(name: string): SseEvent[] {
  return parseChunks(createSseParser(), [frameFixtureStream(`anthropic-messages/${name}`)]);
}

function translate(events: readonly SseEvent[], overrides: Partial<AnthropicToChatStreamOptions> = {}): string {
  const translator = createAnthropicToChatStream({ ...options, ...overrides });
  return events.map((event) => translator.push(event)).join('') + translator.end();
}

function framesOf(text: string): SseEvent[] {
  return parseChunks(createSseParser(), [new TextEncoder().encode(text)]);
}

function chunksOf(text: string): JsonRecord[] {
  return framesOf(text)
    .filter((frame) => frame.data !== '[DONE]')
    .map((frame) => JSON.parse(frame.data) as JsonRecord);
}

function anthropicPayloads(events: readonly SseEvent[]): JsonRecord[] {
  return events.map((event) => JSON.parse(event.data) as JsonRecord);
}

function deltasOf(payloads: readonly JsonRecord[], field: 'text' | 'partial_json'): string {
  return payloads
    .map((payload) => (payload.type === 'content_block_delta' && isRecord(payload.delta) ? payload.delta[field] : undefined))
    .filter((value): value is string => typeof value === 'string')
    .join('');
}

async function parseWithOpenAI(text: string) {
  const stream = Stream.fromSSEResponse<ChatCompletionChunk>(new Response(text), new AbortController());
  const chunks: ChatCompletionChunk[] = [];
  const [forChunks, forRunner] = stream.tee();
  for await (const chunk of forChunks) chunks.push(chunk);
  const completion = await ChatCompletionStream.fromReadableStream(forRunner.toReadableStream()).finalChatCompletion();
  return { chunks, completion };
}

describe('createAnthropicToChatStream on recorded streams', () => {
  it('relays the text of anthropic-text and ends with finish_reason, usage and [DONE]', async () => {
    const events = recordedEvents('anthropic-text.chunks.txt');
    const text = translate(events);
    const chunks = chunksOf(text);

    expect(chunks[0]).toMatchObject({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'claude-sonnet-4-5-20250929' });
    expect(chunks[0]?.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
    expect(chunks.at(-2)?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    // message_delta's cumulative count (30), not message_start's provisional 1.
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42, prompt_tokens_details: { cached_tokens: 0 } },
    });
    expect(framesOf(text).at(-1)?.data).toBe('[DONE]');

    const { completion } = await parseWithOpenAI(text);
    expect(completion.choices[0]?.message.content).toBe(deltasOf(anthropicPayloads(events), 'text'));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
  });

  it.each(['anthropic-issue-11719-quoted-tool-input.chunks.txt', 'issue-13057-approved-tool.1.chunks.txt'])('streams the tool call of %s', async (name) => {
    const events = recordedEvents(name);
    const payloads = anthropicPayloads(events);
    const start = payloads.find((payload) => payload.type === 'content_block_start')?.content_block as JsonRecord;

    const { chunks, completion } = await parseWithOpenAI(translate(events));

    const firstToolDelta = chunks.flatMap((chunk) => chunk.choices).find((choice) => choice.delta.tool_calls !== undefined);
    expect(firstToolDelta?.delta.tool_calls).toEqual([{ index: 0, id: start.id, type: 'function', function: { name: start.name, arguments: '' } }]);
    const toolCall = completion.choices[0]?.message.tool_calls?.[0];
    expect(toolCall?.type === 'function' ? toolCall.function.arguments : undefined).toBe(deltasOf(payloads, 'partial_json'));
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.content).toBeNull();
  });

  it('reassembles the same tool input as the non-streamed twin of the quoted-input fixture', async () => {
    const twin = readFixtureJson('anthropic-messages/anthropic-issue-11719-quoted-tool-input.json') as { content: Array<{ input: unknown }> };
    const { completion } = await parseWithOpenAI(translate(recordedEvents('anthropic-issue-11719-quoted-tool-input.chunks.txt')));
    const toolCall = completion.choices[0]?.message.tool_calls?.[0];
    expect(JSON.parse(toolCall?.type === 'function' ? toolCall.function.arguments : '')).toEqual(twin.content[0]?.input);
  });

  it('drops thinking and keeps only the answer text', async () => {
    const events = recordedEvents('anthropic-clear-thinking.1.chunks.txt');
    const { completion } = await parseWithOpenAI(translate(events));
    expect(completion.choices[0]?.message.content).toBe('925 ÷ 5 = 185');
    expect(completion.usage).toMatchObject({ prompt_tokens: 69, completion_tokens: 53, total_tokens: 122 });
  });

  it('counts cache writes and reads into prompt_tokens and reads as cached_tokens', () => {
    const write = chunksOf(translate(recordedEvents('anthropic-issue-5942-cache-write.chunks.txt'))).at(-1);
    const read = chunksOf(translate(recordedEvents('anthropic-issue-5942-cache-read.chunks.txt'))).at(-1);
    expect(write?.usage).toMatchObject({ prompt_tokens: 3 + 18_639, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 0 } });
    expect(read?.usage).toMatchObject({ prompt_tokens: 3 + 18_639, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 18_639 } });
    const finish = chunksOf(translate(recordedEvents('anthropic-issue-5942-cache-read.chunks.txt'))).at(-2);
    expect(finish?.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'length' }]);
  });

  it('takes message_delta input counts over message_start ones (server tools)', () => {
    const usageChunk = chunksOf(translate(recordedEvents('anthropic-code-execution-20260120-prompt-cache.1.chunks.txt'))).at(-1);
    expect(usageChunk?.usage).toMatchObject({ prompt_tokens: 6 + 3337 + 6289, completion_tokens: 198, prompt_tokens_details: { cached_tokens: 6289 } });
  });

  it('omits the usage chunk when the client did not ask for usage', () => {
    const chunks = chunksOf(translate(recordedEvents('anthropic-text.chunks.txt'), { includeUsage: false }));
    expect(chunks.every((chunk) => Array.isArray(chunk.choices) && chunk.choices.length === 1)).toBe(true);
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false);
  });
});

describe('createAnthropicToChatStream edge cases', () => {
  const event = (payload: JsonRecord): SseEvent => ({ event: String(payload.type), data: JSON.stringify(payload) });
  const messageStart = event({ type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 5, output_tokens: 1 } } });

  it('turns an error event into an OpenAI error frame that the openai SDK raises', async () => {
    const text = translate([messageStart, event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })]);
    expect(chunksOf(text).at(-1)).toEqual({ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } });
    expect(text.includes('[DONE]')).toBe(false);
    await expect(parseWithOpenAI(text)).rejects.toThrow('Overloaded');
  });

  it('numbers tool calls from 0 and gives an input-less tool parseable arguments', async () => {
    const text = translate([
      messageStart,
      event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Checking.' } }),
      event({ type: 'content_block_stop', index: 0 }),
      event({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'now', input: {} } }),
      event({ type: 'content_block_stop', index: 1 }),
      event({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'add', input: {} } }),
      event({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"a":1}' } }),
      event({ type: 'content_block_stop', index: 2 }),
      event({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
      event({ type: 'message_stop' }),
    ]);
    const { completion } = await parseWithOpenAI(text);
    expect(completion.choices[0]?.message.content).toBe('Checking.');
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: 'toolu_a', type: 'function', function: { name: 'now', arguments: '{}' } },
      { id: 'toolu_b', type: 'function', function: { name: 'add', arguments: '{"a":1}' } },
    ]);
  });

  it('ends with an error frame, not [DONE], when the upstream stops before message_stop', async () => {
    const text = translate([messageStart, event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half' } })]);
    expect(text.includes('[DONE]')).toBe(false);
    expect(chunksOf(text).at(-1)).toMatchObject({ error: { code: 'upstream_error' } });
    await expect(parseWithOpenAI(text)).rejects.toThrow('ended before message_stop');
  });
});
