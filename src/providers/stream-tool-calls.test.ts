import { describe, expect, it } from 'vitest';
import { frameFixtureStream, listFixtureFiles, parseChunks, readFixtureJson, splitRandomly } from '../../test/fixture-streams.js';
import { createSseParser, type SseEvent } from '../core/sse-parser.js';
import { createToolCallHold, type StreamedToolCall } from '../core/tool-call-hold.js';
import type { Dialect } from './estimate-input-tokens.js';
import { createStreamToolCalls } from './stream-tool-calls.js';

function eventsOf(file: string, seed = 0): SseEvent[] {
  const bytes = frameFixtureStream(file);
  return parseChunks(createSseParser(), seed === 0 ? [bytes] : splitRandomly(bytes, seed));
}

function dialectOf(file: string): Dialect {
  if (file.startsWith('anthropic-messages/')) return 'anthropic-messages';
  return file.startsWith('openai-responses/') ? 'openai-responses' : 'openai-chat';
}

/** Feeds a whole stream; returns every call decided, with the index of the event that completed it. */
function follow(file: string): { completed: Array<StreamedToolCall & { at: number }>; touched: number[]; calls: ReturnType<ReturnType<typeof createStreamToolCalls>['calls']> } {
  const toolCalls = createStreamToolCalls(dialectOf(file));
  const completed: Array<StreamedToolCall & { at: number }> = [];
  const touched: number[] = [];
  eventsOf(file).forEach((event, index) => {
    const progress = toolCalls.push(event);
    if (progress.touches.length > 0) touched.push(index);
    completed.push(...progress.completes.map((call) => ({ ...call, at: index })));
  });
  completed.push(...toolCalls.end().map((call) => ({ ...call, at: -1 })));
  return { completed, touched, calls: toolCalls.calls() };
}

const typeOf = (event: SseEvent | undefined): string => (event === undefined || event.data === '[DONE]' ? 'done' : String((JSON.parse(event.data) as { type?: unknown }).type));

describe('createStreamToolCalls on recorded streams', () => {
  it('assembles an OpenAI chat tool call after text, complete at the finish chunk', () => {
    const file = 'openai-chat/issue-15789-step-1.chunks.txt';
    const events = eventsOf(file);
    const { completed, touched, calls } = follow(file);
    expect(calls).toEqual([{ name: 'weather', argumentsJson: '{}' }]);
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ name: 'weather', argumentsJson: '{}' });
    // The text chunks before it carry no call; the two tool_calls deltas do; the finish chunk completes it.
    expect(touched.map((index) => events[index]?.data.includes('"tool_calls"'))).toEqual([true, true]);
    expect(events[completed[0]?.at ?? -1]?.data).toContain('"finish_reason":"tool_calls"');
  });

  it('assembles an Anthropic tool_use input with escaped quotes, equal to the recorded non-streamed answer', () => {
    const file = 'anthropic-messages/anthropic-issue-11719-quoted-tool-input.chunks.txt';
    const events = eventsOf(file);
    const { completed, touched, calls } = follow(file);
    const answer = readFixtureJson('anthropic-messages/anthropic-issue-11719-quoted-tool-input.json') as { content: Array<{ type: string; name?: string; input?: unknown }> };
    const block = answer.content.find((part) => part.type === 'tool_use');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.name).toBe(block?.name);
    expect(JSON.parse(calls[0]?.argumentsJson ?? '')).toEqual(block?.input);
    expect(typeOf(events[completed[0]?.at ?? -1])).toBe('content_block_stop');
    expect(touched.map((index) => typeOf(events[index]))).toEqual(['content_block_start', ...Array<string>(touched.length - 2).fill('content_block_delta'), 'content_block_stop']);
  });

  it('reads a raw-framed, padded Anthropic tool stream', () => {
    const { completed, calls } = follow('anthropic-messages/issue-13057-approved-tool.1.chunks.txt');
    expect(calls).toEqual([{ name: 'createIssue', argumentsJson: '{"title": "Reproduce issue 13057"}' }]);
    expect(completed.map((call) => call.at)).not.toContain(-1);
  });

  it('assembles a Responses API function call, complete at output_item.done, after a reasoning item', () => {
    const file = 'openai-responses/openai-issue-11239.1.chunks.txt';
    const events = eventsOf(file);
    const { completed, touched, calls } = follow(file);
    expect(calls).toEqual([{ name: 'lookupVerificationCode', argumentsJson: '{"label":"issue-11239"}' }]);
    expect(typeOf(events[completed[0]?.at ?? -1])).toBe('response.output_item.done');
    expect(typeOf(events[touched[0] ?? -1])).toBe('response.output_item.added');
    expect(touched.every((index) => !typeOf(events[index]).startsWith('response.completed'))).toBe(true);
  });

  it('sees no call in streams without one, server-side tools included', () => {
    const toolStreams = new Set(['openai-chat/issue-15789-step-1.chunks.txt', 'anthropic-messages/anthropic-issue-11719-quoted-tool-input.chunks.txt', 'anthropic-messages/issue-13057-approved-tool.1.chunks.txt', 'openai-responses/openai-issue-11239.1.chunks.txt']);
    const others = listFixtureFiles().filter((file) => file.endsWith('.chunks.txt') && !toolStreams.has(file));
    expect(others.length).toBeGreaterThan(8);
    for (const file of others) expect(follow(file), file).toEqual({ completed: [], touched: [], calls: [] });
  });
});

describe('createStreamToolCalls on made-up chat streams', () => {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null, choice = 0) => ({ data: JSON.stringify({ choices: [{ index: choice, delta, finish_reason: finish }] }) });
  const call = (index: number, fn: Record<string, unknown>) => chunk({ tool_calls: [{ index, function: fn }] });

  it('completes a call when the next index starts, and each parallel call separately', () => {
    const toolCalls = createStreamToolCalls('openai-chat');
    expect(toolCalls.push(call(0, { name: 'a', arguments: '{"x":' })).completes).toEqual([]);
    expect(toolCalls.push(call(0, { arguments: '1}' })).touches).toHaveLength(1);
    const second = toolCalls.push(call(1, { name: 'b', arguments: '{}' }));
    expect(second.completes).toEqual([expect.objectContaining({ name: 'a', argumentsJson: '{"x":1}' })]);
    expect(second.touches).not.toContain(second.completes[0]?.key);
    expect(toolCalls.push(chunk({}, 'tool_calls')).completes).toEqual([expect.objectContaining({ name: 'b', argumentsJson: '{}' })]);
    expect(toolCalls.push({ data: '[DONE]' }).completes).toEqual([]);
  });

  it('decides a call again, whole, when parts come after it was complete', () => {
    const toolCalls = createStreamToolCalls('openai-chat');
    toolCalls.push(call(0, { name: 'shell', arguments: '{"command":"ls"' }));
    const first = toolCalls.push(call(1, { name: 'noop', arguments: '{}' })).completes[0];
    const late = toolCalls.push(call(0, { arguments: ',"x":"; rm -rf /"}' }));
    expect(late.touches).toHaveLength(1);
    expect(late.touches[0]).not.toBe(first?.key);
    const again = toolCalls.end();
    expect(again.find((completed) => completed.name === 'shell')).toMatchObject({ key: late.touches[0], argumentsJson: '{"command":"ls","x":"; rm -rf /"}' });
  });

  it('completes an unfinished call when the stream ends', () => {
    const toolCalls = createStreamToolCalls('openai-chat');
    toolCalls.push(call(0, { name: 'shell', arguments: '{"command":' }));
    expect(toolCalls.end()).toEqual([expect.objectContaining({ name: 'shell', argumentsJson: '{"command":' })]);
    expect(toolCalls.end()).toEqual([]);
  });
});

describe('holding a recorded stream back around its tool call', () => {
  for (const file of ['openai-chat/issue-15789-step-1.chunks.txt', 'anthropic-messages/anthropic-issue-11719-quoted-tool-input.chunks.txt', 'openai-responses/openai-issue-11239.1.chunks.txt']) {
    it(`${file}: allowed, every event leaves in order; refused, only what came before the call`, () => {
      for (const seed of [0, 3, 11]) {
        const events = eventsOf(file, seed);
        for (const allow of [true, false]) {
          const toolCalls = createStreamToolCalls(dialectOf(file));
          const hold = createToolCallHold<SseEvent>();
          const released: SseEvent[] = [];
          let refused = false;
          for (const event of events) {
            if (refused) break;
            const { release, decide } = hold.push(event, toolCalls.push(event));
            released.push(...release);
            for (const completed of decide) {
              if (allow) released.push(...hold.allow(completed.key));
              else refused = true;
            }
          }
          for (const completed of toolCalls.end()) released.push(...hold.allow(completed.key));
          if (allow) {
            expect(released).toEqual(events);
            expect(hold.holding).toBe(false);
          } else {
            const follower = createStreamToolCalls(dialectOf(file));
            const firstCall = events.findIndex((event) => follower.push(event).touches.length > 0);
            expect(firstCall).toBeGreaterThan(0);
            expect(released).toEqual(events.slice(0, firstCall));
            expect(released.some((event) => /"tool_calls"|"tool_use"|"function_call"/.test(event.data))).toBe(false);
          }
        }
      }
    });
  }
});
