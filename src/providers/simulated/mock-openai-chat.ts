import type { Usage } from '../../core/usage.js';
import { tallyOpenAiChatInput } from './mock-input-tokens.js';
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

const doneEvent = sseEvent('[DONE]');

/** The Chat Completions usage object: cached tokens inside prompt_tokens, reasoning inside completion_tokens. */
export function openAiChatUsage(usage: Usage): Record<string, unknown> {
  const promptTokens = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: promptTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function chatOutputPlan(context: MockRequestContext, model: string): MockOutputPlan {
  const { body, plan } = context;
  const limit = readTokenLimit(body, 'max_completion_tokens') ?? readTokenLimit(body, 'max_tokens');
  return planMockOutput({
    textTokens: plan.outputTokens,
    reasoningTokens: openAiReasoningTokens(model, body.reasoning_effort, plan.reasoningTokens),
    maxTokens: typeof limit === 'number' ? limit : undefined,
  });
}

function answerJson(context: MockRequestContext, model: string, output: MockOutputPlan, usage: Usage): void {
  const toolCall = context.plan.toolCall;
  const bodyText = JSON.stringify({
    id: `chatcmpl-mock${context.sequence}`,
    object: 'chat.completion',
    created: context.nowInSeconds,
    model,
    choices: [
      {
        index: 0,
        message: toolCall
          ? { role: 'assistant', content: null, tool_calls: [{ id: `call_mock${context.sequence}`, type: 'function', function: { name: toolCall.name, arguments: toolCall.argumentsJson } }], refusal: null, annotations: [] }
          : { role: 'assistant', content: mockOutputText(output.textTokens), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: toolCall ? 'tool_calls' : output.truncated ? 'length' : 'stop',
      },
    ],
    ...(reportsUsage(context) ? { usage: openAiChatUsage(usage) } : {}),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  });
  context.record.outputTokensSent = usage.outputTokens;
  sendMockAnswer(context, { bodyText, headers: { 'x-request-id': context.requestId } });
}

function streamEvents(context: MockRequestContext, model: string, output: MockOutputPlan, usage: Usage): MockStreamEvent[] {
  const streamOptions = context.body.stream_options;
  const includeUsage =
    typeof streamOptions === 'object' && streamOptions !== null && 'include_usage' in streamOptions && streamOptions.include_usage === true;
  // With include_usage every chunk carries `"usage":null` and one last chunk carries the usage.
  const usageNull = includeUsage ? ',"usage":null}' : '}';
  const head = `{"id":"chatcmpl-mock${context.sequence}","object":"chat.completion.chunk","created":${context.nowInSeconds},"model":${JSON.stringify(model)},"service_tier":"default","system_fingerprint":"fp_mock","choices":`;
  const events: MockStreamEvent[] = [
    {
      // Hidden reasoning happens before the first chunk, so its tokens are charged to it.
      text: sseEvent(`${head}[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${usageNull}`),
      outputTokens: output.reasoningTokens,
    },
  ];
  const toolCall = context.plan.toolCall;
  if (toolCall) {
    // A tool call streams its name first, then its arguments in pieces, as OpenAI's do.
    const opening = { index: 0, id: `call_mock${context.sequence}`, type: 'function', function: { name: toolCall.name, arguments: '' } };
    events.push({ text: sseEvent(`${head}[{"index":0,"delta":{"tool_calls":[${JSON.stringify(opening)}]},"logprobs":null,"finish_reason":null}]${usageNull}`), outputTokens: 0 });
    const half = Math.ceil(toolCall.argumentsJson.length / 2);
    for (const piece of [toolCall.argumentsJson.slice(0, half), toolCall.argumentsJson.slice(half)]) {
      const part = { index: 0, function: { arguments: piece } };
      events.push({ text: sseEvent(`${head}[{"index":0,"delta":{"tool_calls":[${JSON.stringify(part)}]},"logprobs":null,"finish_reason":null}]${usageNull}`), outputTokens: 0 });
    }
  }
  const step = context.plan.tokensPerChunk;
  for (let start = 0; start < (toolCall ? 0 : output.textTokens); start += step) {
    const end = Math.min(start + step, output.textTokens);
    const delta = JSON.stringify(mockOutputSlice(start, end));
    events.push({
      text: sseEvent(`${head}[{"index":0,"delta":{"content":${delta}},"logprobs":null,"finish_reason":null}]${usageNull}`),
      outputTokens: end - start,
    });
  }
  const finishReason = toolCall ? 'tool_calls' : output.truncated ? 'length' : 'stop';
  events.push({
    text: sseEvent(`${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}]${usageNull}`),
    outputTokens: 0,
  });
  if (includeUsage && reportsUsage(context)) {
    events.push({ text: sseEvent(`${head}[],"usage":${JSON.stringify(openAiChatUsage(usage))}}`), outputTokens: 0 });
  }
  events.push({ text: doneEvent, outputTokens: 0 });
  return events;
}

/** `POST /v1/chat/completions`: JSON, or SSE chunks ending in `data: [DONE]` when `stream` is true. */
export const mockOpenAiChatRoute: MockRoute = {
  dialect: 'openai',
  validate(body) {
    const modelProblem = validateMockModel(body, 'openai');
    if (modelProblem !== undefined) return modelProblem;
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return { message: "Missing required parameter: 'messages'.", param: 'messages' };
    }
    for (const field of ['max_completion_tokens', 'max_tokens']) {
      const limit = readTokenLimit(body, field);
      if (typeof limit === 'object') return { message: limit.problem, param: field };
    }
    return undefined;
  },
  answer(context) {
    const model = String(context.body.model);
    const output = chatOutputPlan(context, model);
    const input = resolveMockInputUsage({
      tally: tallyOpenAiChatInput(context.body, context.promptCache !== undefined),
      plan: context.plan,
      promptCache: context.promptCache,
      caching: 'automatic',
    });
    const usage = withMockOutput(input, output);
    context.record.usage = usage;
    if (context.body.stream === true) {
      writeMockStream(context, streamEvents(context, model, output, usage), 'openai');
    } else {
      answerJson(context, model, output, usage);
    }
  },
};
