import type { Usage } from '../../core/usage.js';
import { isRecord } from './mock-input-tally.js';
import { tallyOpenAiResponsesInput } from './mock-input-tokens.js';
import type { MockRequestContext, MockRoute } from './mock-request-context.js';
import { reportsUsage, sendMockAnswer, sseEvent, writeMockStream, type MockStreamEvent } from './mock-response.js';
import { mockOutputSlice, mockOutputText } from './mock-tokens.js';
import {
  openAiReasoningTokens,
  planMockOutput,
  readTokenLimit,
  resolveMockInputUsage,
  withMockOutput,
  type MockOutputPlan,
} from './mock-usage.js';
import { validateMockModel } from './mock-validation.js';

/** The Responses usage object: cached tokens inside input_tokens, reasoning inside output_tokens. */
export function openAiResponsesUsage(usage: Usage): Record<string, unknown> {
  const inputTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  return {
    input_tokens: inputTokens,
    input_tokens_details: { cache_write_tokens: usage.cacheWriteTokens, cached_tokens: usage.cacheReadTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: inputTokens + usage.outputTokens,
  };
}

interface ResponseParts {
  context: MockRequestContext;
  model: string;
  output: MockOutputPlan;
  usage: Usage;
  effort: unknown;
}

function reasoningEffort(body: Record<string, unknown>): unknown {
  return isRecord(body.reasoning) ? body.reasoning.effort : undefined;
}

function responseObject(parts: ResponseParts, stage: 'in_progress' | 'final'): Record<string, unknown> {
  const { context, model, output, usage, effort } = parts;
  const { body, sequence, nowInSeconds } = context;
  const final = stage === 'final';
  const status = !final ? 'in_progress' : output.truncated ? 'incomplete' : 'completed';
  return {
    id: `resp_mock${sequence}`,
    object: 'response',
    created_at: nowInSeconds,
    status,
    background: false,
    completed_at: status === 'completed' ? nowInSeconds : null,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    model,
    output: final ? outputItems(parts, 'done') : [],
    parallel_tool_calls: true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: null,
    reasoning: { effort: typeof effort === 'string' ? effort : null, summary: null },
    safety_identifier: null,
    service_tier: 'default',
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: body.tool_choice ?? 'auto',
    tools: body.tools ?? [],
    top_logprobs: 0,
    top_p: body.top_p ?? 1,
    truncation: 'disabled',
    usage: final && reportsUsage(context) ? openAiResponsesUsage(usage) : null,
    user: null,
    metadata: body.metadata ?? {},
  };
}

function reasoningItem(sequence: number): Record<string, unknown> {
  return { id: `rs_mock${sequence}`, type: 'reasoning', summary: [] };
}

function messageItem(parts: ResponseParts, stage: 'added' | 'done'): Record<string, unknown> {
  const text = mockOutputText(parts.output.textTokens);
  return {
    id: `msg_mock${parts.context.sequence}`,
    type: 'message',
    status: stage === 'added' ? 'in_progress' : parts.output.truncated ? 'incomplete' : 'completed',
    content: stage === 'added' ? [] : [{ type: 'output_text', annotations: [], logprobs: [], text }],
    role: 'assistant',
  };
}

function outputItems(parts: ResponseParts, stage: 'done'): Record<string, unknown>[] {
  const message = messageItem(parts, stage);
  return parts.output.reasoningTokens > 0 ? [reasoningItem(parts.context.sequence), message] : [message];
}

function streamEvents(parts: ResponseParts): MockStreamEvent[] {
  const { context, output } = parts;
  const events: MockStreamEvent[] = [];
  let sequenceNumber = 0;
  // Every event carries its place in the stream; the JSON is built with the number last.
  const push = (type: string, fields: Record<string, unknown>, outputTokens = 0): void => {
    const data = JSON.stringify({ type, ...fields, sequence_number: sequenceNumber });
    sequenceNumber += 1;
    events.push({ text: sseEvent(data, type), outputTokens });
  };
  push('response.created', { response: responseObject(parts, 'in_progress') });
  push('response.in_progress', { response: responseObject(parts, 'in_progress') });
  let outputIndex = 0;
  if (output.reasoningTokens > 0) {
    const item = reasoningItem(context.sequence);
    push('response.output_item.added', { item, output_index: outputIndex });
    push('response.output_item.done', { item, output_index: outputIndex }, output.reasoningTokens);
    outputIndex += 1;
  }
  const itemId = `msg_mock${context.sequence}`;
  const where = { content_index: 0, item_id: itemId, output_index: outputIndex };
  push('response.output_item.added', { item: messageItem(parts, 'added'), output_index: outputIndex });
  push('response.content_part.added', { ...where, part: { type: 'output_text', annotations: [], logprobs: [], text: '' } });
  const step = context.plan.tokensPerChunk;
  for (let start = 0; start < output.textTokens; start += step) {
    const end = Math.min(start + step, output.textTokens);
    push('response.output_text.delta', { ...where, delta: mockOutputSlice(start, end), logprobs: [] }, end - start);
  }
  const text = mockOutputText(output.textTokens);
  push('response.output_text.done', { ...where, logprobs: [], text });
  push('response.content_part.done', { ...where, part: { type: 'output_text', annotations: [], logprobs: [], text } });
  push('response.output_item.done', { item: messageItem(parts, 'done'), output_index: outputIndex });
  push(output.truncated ? 'response.incomplete' : 'response.completed', { response: responseObject(parts, 'final') });
  return events;
}

/** `POST /v1/responses`: a response object, or its SSE events with `event:` lines when `stream` is true. */
export const mockOpenAiResponsesRoute: MockRoute = {
  dialect: 'openai',
  validate(body) {
    const modelProblem = validateMockModel(body, 'openai');
    if (modelProblem !== undefined) return modelProblem;
    if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
      return { message: "Missing required parameter: 'input'.", param: 'input' };
    }
    const limit = readTokenLimit(body, 'max_output_tokens');
    return typeof limit === 'object' ? { message: limit.problem, param: 'max_output_tokens' } : undefined;
  },
  answer(context) {
    const model = String(context.body.model);
    const effort = reasoningEffort(context.body);
    const limit = readTokenLimit(context.body, 'max_output_tokens');
    const output = planMockOutput({
      textTokens: context.plan.outputTokens,
      reasoningTokens: openAiReasoningTokens(model, effort, context.plan.reasoningTokens),
      maxTokens: typeof limit === 'number' ? limit : undefined,
    });
    const input = resolveMockInputUsage({
      tally: tallyOpenAiResponsesInput(context.body, context.promptCache !== undefined),
      plan: context.plan,
      promptCache: context.promptCache,
      caching: 'automatic',
    });
    const usage = withMockOutput(input, output);
    context.record.usage = usage;
    const parts: ResponseParts = { context, model, output, usage, effort };
    if (context.body.stream === true) {
      writeMockStream(context, streamEvents(parts), 'openai');
      return;
    }
    context.record.outputTokensSent = usage.outputTokens;
    const bodyText = JSON.stringify(responseObject(parts, 'final'));
    sendMockAnswer(context, { bodyText, headers: { 'x-request-id': context.requestId } });
  },
};
