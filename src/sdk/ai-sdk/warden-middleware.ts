import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Middleware,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { createUsage, type Usage } from '../../core/usage.js';
import type { Warden } from '../create-warden.js';
import { guardStream, type StreamUsageView } from '../guard-stream.js';
import type { AttributionOptions } from '../guarded-method.js';
import { runGuarded } from '../run-guarded.js';
import { settleCall } from '../settle-call.js';
import { streamToolCheck } from '../stream-tool-check.js';
import { currentContext } from '../task-context.js';
import type { PreparedCall } from '../prepare-call.js';
import { createPartToolCalls } from './part-tool-calls.js';

export interface WardenMiddlewareOptions extends AttributionOptions {
  /** Models to switch to at a soft limit, by model id; without one, calls keep their model. */
  downgradeModels?: (modelId: string) => LanguageModelV3 | undefined;
}

/**
 * Vercel AI SDK middleware: every generate and stream call is estimated, reserved, sent with the
 * max output tokens Warden chose, and settled from its usage. Inside a task, the tool calls of a
 * streamed answer are checked against its tool policy: a forbidden one ends the stream with
 * tool_not_allowed before its parts are passed on. Set the AI SDK's `maxRetries: 0` so Warden's
 * retry policy (capped by money) is the only one.
 * @example wrapLanguageModel({ model: openai('gpt-4o-mini'), middleware: wardenMiddleware(warden) })
 */
export function wardenMiddleware(warden: Warden, options: WardenMiddlewareOptions = {}): LanguageModelV3Middleware {
  const { runtime } = warden;

  const request = (params: LanguageModelV3CallOptions, model: LanguageModelV3) => {
    const provider = options.provider ?? model.provider.split('.')[0] ?? model.provider;
    const context = currentContext();
    const team = context.team ?? options.team;
    const key = context.key ?? options.key;
    const user = context.user ?? options.user;
    return {
      dialect: provider === 'anthropic' ? ('anthropic-messages' as const) : ('openai-chat' as const),
      body: estimationBody(params, model.modelId),
      provider,
      allowDowngrade: options.downgradeModels !== undefined,
      scopes: {
        org: runtime.config.org,
        ...(team === undefined ? {} : { team }),
        ...(key === undefined ? {} : { key }),
        ...(user === undefined ? {} : { user }),
        tasks: [...context.tasks],
        tags: { ...options.tags, ...context.tags },
        model: model.modelId,
        provider,
      },
    };
  };
  const target = (prepared: PreparedCall, model: LanguageModelV3): LanguageModelV3 =>
    prepared.model === model.modelId ? model : (options.downgradeModels?.(prepared.model) ?? model);
  const paramsFor = (params: LanguageModelV3CallOptions, prepared: PreparedCall): LanguageModelV3CallOptions => ({ ...params, maxOutputTokens: prepared.maxTokens });

  return {
    specificationVersion: 'v3',
    wrapGenerate: ({ params, model }) =>
      runGuarded(runtime, {
        request: request(params, model),
        ...(params.abortSignal ? { signal: params.abortSignal } : {}),
        send: async (prepared) => target(prepared, model).doGenerate(paramsFor(params, prepared)),
        finish: async (result, prepared, retries) => {
          const usage = normaliseAiSdkUsage(result.usage);
          await settleCall(runtime, prepared, { status: 'ok', ...(usage ? { usage } : {}), retries });
          return result;
        },
      }),
    wrapStream: ({ params, model }) => {
      const toolCheck = streamToolCheck(runtime, currentContext().checkTool);
      return runGuarded(runtime, {
        request: request(params, model),
        ...(params.abortSignal ? { signal: params.abortSignal } : {}),
        streamed: true,
        send: async (prepared) => target(prepared, model).doStream(paramsFor(params, prepared)),
        finish: async (result, prepared, retries, observeStream) => {
          const tracker = createPartTracker();
          const toolCalls = createPartToolCalls();
          const reader = result.stream.getReader();
          const source: AsyncIterable<LanguageModelV3StreamPart> = {
            async *[Symbol.asyncIterator]() {
              for (;;) {
                const { done, value } = await reader.read();
                if (done) return;
                yield value;
              }
            },
          };
          const parts = guardStream({
            runtime,
            prepared,
            retries,
            source,
            usage: tracker,
            track: (part) => {
              tracker.push(part);
              return false;
            },
            abort: () => {
              reader.cancel().catch((error: unknown) => runtime.hooks.onError?.(error));
            },
            tools: { read: (part) => toolCalls.read(part), end: () => toolCalls.end(), hold: false, ...toolCheck },
            onSettled: (outcome) => observeStream(toolCalls.calls(), outcome === 'failed'),
          });
          return { ...result, stream: ReadableStream.from(parts) };
        },
      });
    },
  };
}

/** Normalises the AI SDK's usage (input split into no-cache / cache read / cache write). */
export function normaliseAiSdkUsage(usage: LanguageModelV3Usage | undefined): Usage | undefined {
  if (!usage || usage.inputTokens.total === undefined || usage.outputTokens.total === undefined) return undefined;
  const cacheReadTokens = usage.inputTokens.cacheRead ?? 0;
  const cacheWriteTokens = usage.inputTokens.cacheWrite ?? 0;
  return createUsage({
    inputTokens: usage.inputTokens.noCache ?? Math.max(0, usage.inputTokens.total - cacheReadTokens - cacheWriteTokens),
    cacheReadTokens,
    cacheWriteTokens,
    outputTokens: usage.outputTokens.total,
    reasoningTokens: usage.outputTokens.reasoning ?? 0,
  });
}

function createPartTracker(): StreamUsageView & { push(part: LanguageModelV3StreamPart): void } {
  const state: { usage: Usage | undefined; generatedCharacters: number; error: StreamUsageView['error'] } = { usage: undefined, generatedCharacters: 0, error: undefined };
  return {
    push(part) {
      if (part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-input-delta') state.generatedCharacters += part.delta.length;
      else if (part.type === 'finish') state.usage = normaliseAiSdkUsage(part.usage);
      else if (part.type === 'error') state.error = { type: 'error', code: undefined, message: String(part.error) };
    },
    get usage() {
      return state.usage;
    },
    get isUsageFinal() {
      return state.usage !== undefined;
    },
    get generatedCharacters() {
      return state.generatedCharacters;
    },
    get error() {
      return state.error;
    },
  };
}

/** The AI SDK prompt as a chat body, so the same estimator bounds its input. */
function estimationBody(params: LanguageModelV3CallOptions, modelId: string): Record<string, unknown> {
  const messages = params.prompt.map((message) => ({
    role: message.role,
    content:
      typeof message.content === 'string'
        ? message.content
        : message.content.map((part) => {
            if (part.type === 'text' || part.type === 'reasoning') return { type: 'text', text: part.text };
            if (part.type === 'file' && part.mediaType.startsWith('image/')) return { type: 'image' };
            return part;
          }),
  }));
  return {
    model: modelId,
    messages,
    ...(params.tools ? { tools: params.tools } : {}),
    ...(params.responseFormat?.type === 'json' && params.responseFormat.schema ? { response_format: params.responseFormat.schema } : {}),
    ...(params.maxOutputTokens === undefined ? {} : { max_tokens: params.maxOutputTokens }),
  };
}
