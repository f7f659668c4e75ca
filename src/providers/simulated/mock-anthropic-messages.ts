import { parseToolArguments } from '../../core/parse-tool-arguments.js';
import type { Usage } from '../../core/usage.js';
import { isRecord } from './mock-input-tally.js';
import { tallyAnthropicInput } from './mock-input-tokens.js';
import type { MockRequestContext, MockRoute } from './mock-request-context.js';
import { reportsUsage, sendMockAnswer, sseEvent, writeMockStream, type MockStreamEvent } from './mock-response.js';
import { mockOutputSlice, mockOutputText } from './mock-tokens.js';
import { planMockOutput, readTokenLimit, resolveMockInputUsage, withMockOutput, type MockOutputPlan } from './mock-usage.js';
import { validateMockModel } from './mock-validation.js';

const thinkingSignature = 'bW9jay10aGlua2luZy1zaWduYXR1cmU=';
const pingEvent = sseEvent('{"type":"ping"}', 'ping');
const messageStopEvent = sseEvent('{"type":"message_stop"}', 'message_stop');

/** Input and cache fields as Anthropic reports them: input_tokens excludes both cache kinds. */
function inputFields(usage: Usage): Record<string, number> {
  return {
    input_tokens: usage.inputTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
  };
}

/** The Messages usage object; `output_tokens_details.thinking_tokens` only when thinking ran, as newer responses do. */
export function anthropicMessagesUsage(usage: Usage, outputTokens = usage.outputTokens): Record<string, unknown> {
  return {
    ...inputFields(usage),
    cache_creation: {
      ephemeral_5m_input_tokens: usage.cacheWriteTokens - usage.cacheWriteLongTokens,
      ephemeral_1h_input_tokens: usage.cacheWriteLongTokens,
    },
    output_tokens: outputTokens,
    ...(usage.reasoningTokens > 0 ? { output_tokens_details: { thinking_tokens: usage.reasoningTokens } } : {}),
    service_tier: 'standard',
  };
}

/** Thinking tokens the request allows: none unless `thinking` is enabled, at most its budget. */
function thinkingTokens(body: Record<string, unknown>, plannedTokens: number): number {
  const thinking = body.thinking;
  if (!isRecord(thinking) || (thinking.type !== 'enabled' && thinking.type !== 'adaptive')) return 0;
  const budget = thinking.budget_tokens;
  return typeof budget === 'number' ? Math.min(plannedTokens, budget) : plannedTokens;
}

function contentBlocks(context: MockRequestContext, output: MockOutputPlan): Record<string, unknown>[] {
  const toolCall = context.plan.toolCall;
  const answer = toolCall ? { type: 'tool_use', id: `toolu_mock${context.sequence}`, name: toolCall.name, input: parseToolArguments(toolCall.argumentsJson) } : { type: 'text', text: mockOutputText(output.textTokens) };
  if (output.reasoningTokens === 0) return [answer];
  return [{ type: 'thinking', thinking: mockOutputText(output.reasoningTokens), signature: thinkingSignature }, answer];
}

function stopReason(context: MockRequestContext, output: MockOutputPlan): string {
  if (context.plan.toolCall) return 'tool_use';
  return output.truncated ? 'max_tokens' : 'end_turn';
}

function messageJson(context: MockRequestContext, model: string, output: MockOutputPlan, usage: Usage): string {
  return JSON.stringify({
    model,
    id: `msg_mock${context.sequence}`,
    type: 'message',
    role: 'assistant',
    content: contentBlocks(context, output),
    stop_reason: stopReason(context, output),
    stop_sequence: null,
    ...(reportsUsage(context) ? { usage: anthropicMessagesUsage(usage) } : {}),
  });
}

function pushDeltas(options: {
  events: MockStreamEvent[];
  index: number;
  kind: 'text' | 'thinking';
  tokenCount: number;
  tokensPerChunk: number;
}): void {
  const { events, index, kind, tokenCount, tokensPerChunk } = options;
  const head = `{"type":"content_block_delta","index":${index},"delta":{"type":"${kind}_delta","${kind}":`;
  for (let start = 0; start < tokenCount; start += tokensPerChunk) {
    const end = Math.min(start + tokensPerChunk, tokenCount);
    events.push({
      text: sseEvent(`${head}${JSON.stringify(mockOutputSlice(start, end))}}}`, 'content_block_delta'),
      outputTokens: end - start,
    });
  }
}

function streamEvents(context: MockRequestContext, model: string, output: MockOutputPlan, usage: Usage): MockStreamEvent[] {
  const message = {
    model,
    id: `msg_mock${context.sequence}`,
    type: 'message',
    role: 'assistant',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    // message_start reports a provisional output of 1; message_delta carries the cumulative count.
    ...(reportsUsage(context) ? { usage: anthropicMessagesUsage({ ...usage, reasoningTokens: 0 }, 1) } : {}),
  };
  const events: MockStreamEvent[] = [
    { text: sseEvent(JSON.stringify({ type: 'message_start', message }), 'message_start'), outputTokens: 0 },
  ];
  const tokensPerChunk = context.plan.tokensPerChunk;
  let index = 0;
  if (output.reasoningTokens > 0) {
    const start = `{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}`;
    events.push({ text: sseEvent(start, 'content_block_start') + pingEvent, outputTokens: 0 });
    pushDeltas({ events, index, kind: 'thinking', tokenCount: output.reasoningTokens, tokensPerChunk });
    const signature = `{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"${thinkingSignature}"}}`;
    events.push({ text: sseEvent(signature, 'content_block_delta'), outputTokens: 0 });
    events.push({ text: sseEvent('{"type":"content_block_stop","index":0}', 'content_block_stop'), outputTokens: 0 });
    index = 1;
  }
  const toolCall = context.plan.toolCall;
  const block = toolCall ? { type: 'tool_use', id: `toolu_mock${context.sequence}`, name: toolCall.name, input: {} } : { type: 'text', text: '' };
  const blockStart = sseEvent(JSON.stringify({ type: 'content_block_start', index, content_block: block }), 'content_block_start');
  events.push({ text: index === 0 ? blockStart + pingEvent : blockStart, outputTokens: 0 });
  if (toolCall) {
    // A tool call streams its input as partial JSON in pieces, as Anthropic's do.
    const half = Math.ceil(toolCall.argumentsJson.length / 2);
    for (const piece of [toolCall.argumentsJson.slice(0, half), toolCall.argumentsJson.slice(half)]) {
      const delta = { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } };
      events.push({ text: sseEvent(JSON.stringify(delta), 'content_block_delta'), outputTokens: 0 });
    }
  } else {
    pushDeltas({ events, index, kind: 'text', tokenCount: output.textTokens, tokensPerChunk });
  }
  events.push({ text: sseEvent(`{"type":"content_block_stop","index":${index}}`, 'content_block_stop'), outputTokens: 0 });
  const deltaUsage = {
    ...inputFields(usage),
    output_tokens: usage.outputTokens,
    ...(usage.reasoningTokens > 0 ? { output_tokens_details: { thinking_tokens: usage.reasoningTokens } } : {}),
  };
  const messageDelta = { type: 'message_delta', delta: { stop_reason: stopReason(context, output), stop_sequence: null }, ...(reportsUsage(context) ? { usage: deltaUsage } : {}) };
  events.push({ text: sseEvent(JSON.stringify(messageDelta), 'message_delta') + messageStopEvent, outputTokens: 0 });
  return events;
}

/** `POST /v1/messages`: a message, or its SSE events (message_start … message_stop) when `stream` is true. */
export const mockAnthropicMessagesRoute: MockRoute = {
  dialect: 'anthropic',
  validate(body) {
    const modelProblem = validateMockModel(body, 'anthropic');
    if (modelProblem !== undefined) return modelProblem;
    const limit = readTokenLimit(body, 'max_tokens');
    if (limit === undefined) return { message: 'max_tokens: Field required', param: 'max_tokens' };
    if (typeof limit === 'object') return { message: `max_tokens: ${limit.problem}`, param: 'max_tokens' };
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return { message: 'messages: Field required', param: 'messages' };
    }
    return undefined;
  },
  answer(context) {
    const model = String(context.body.model);
    const limit = readTokenLimit(context.body, 'max_tokens');
    const output = planMockOutput({
      textTokens: context.plan.outputTokens,
      reasoningTokens: thinkingTokens(context.body, context.plan.reasoningTokens),
      maxTokens: typeof limit === 'number' ? limit : undefined,
    });
    const input = resolveMockInputUsage({
      tally: tallyAnthropicInput(context.body, context.promptCache !== undefined),
      plan: context.plan,
      promptCache: context.promptCache,
      caching: 'breakpoints',
    });
    const usage = withMockOutput(input, output);
    context.record.usage = usage;
    if (context.body.stream === true) {
      writeMockStream(context, streamEvents(context, model, output, usage), 'anthropic');
      return;
    }
    context.record.outputTokensSent = usage.outputTokens;
    const bodyText = messageJson(context, model, output, usage);
    sendMockAnswer(context, { bodyText, headers: { 'request-id': context.requestId } });
  },
};
