import { readAnthropicUsage, createAnthropicStreamUsage } from '../providers/anthropic/anthropic-usage.js';
import { createOpenAIChatStreamUsage, readOpenAIChatUsage } from '../providers/openai/openai-chat-usage.js';
import { createOpenAIResponsesStreamUsage, readOpenAIResponsesUsage } from '../providers/openai/openai-responses-usage.js';
import { createUsage } from '../core/usage.js';
import { guardedMethod, type AttributionOptions, type MethodSpec } from './guarded-method.js';
import type { WardenRuntime } from './warden-runtime.js';

const openAIMethods: Record<string, MethodSpec> = {
  'chat.completions.create': {
    dialect: 'openai-chat',
    readUsage: readOpenAIChatUsage,
    createStreamUsage: createOpenAIChatStreamUsage,
    prepareStream: (body) => {
      const streamOptions = typeof body.stream_options === 'object' && body.stream_options !== null ? (body.stream_options as Record<string, unknown>) : {};
      // Without include_usage OpenAI streams carry no usage at all; ask for it, hide it if unasked.
      return { body: { ...body, stream_options: { ...streamOptions, include_usage: true } }, hideUsageChunk: streamOptions.include_usage !== true };
    },
  },
  'responses.create': { dialect: 'openai-responses', readUsage: readOpenAIResponsesUsage, createStreamUsage: createOpenAIResponsesStreamUsage },
  'embeddings.create': {
    dialect: 'openai-embeddings',
    readUsage: (body) => {
      const usage = typeof body === 'object' && body !== null ? (body as { usage?: { prompt_tokens?: unknown } }).usage : undefined;
      const inputTokens = typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : undefined;
      return { usage: inputTokens === undefined ? undefined : createUsage({ inputTokens }), model: undefined, error: undefined };
    },
    createStreamUsage: createOpenAIChatStreamUsage,
  },
};

const anthropicMethods: Record<string, MethodSpec> = {
  'messages.create': { dialect: 'anthropic-messages', readUsage: readAnthropicUsage, createStreamUsage: createAnthropicStreamUsage },
};

/**
 * A view of an official `openai` client whose chat.completions.create, responses.create and
 * embeddings.create are guarded. Everything else passes through unchanged.
 */
export function wrapOpenAIClient<Client extends object>(runtime: WardenRuntime, client: Client, attribution: AttributionOptions = {}): Client {
  return proxyAt({ runtime, target: client, path: '', methods: openAIMethods, attribution, defaultProvider: 'openai' });
}

/** A view of an official `@anthropic-ai/sdk` client whose messages.create (and so messages.stream) is guarded. */
export function wrapAnthropicClient<Client extends object>(runtime: WardenRuntime, client: Client, attribution: AttributionOptions = {}): Client {
  return proxyAt({ runtime, target: client, path: '', methods: anthropicMethods, attribution, defaultProvider: 'anthropic' });
}

interface ProxyOptions<T extends object> {
  runtime: WardenRuntime;
  target: T;
  path: string;
  methods: Record<string, MethodSpec>;
  attribution: AttributionOptions;
  defaultProvider: string;
}

function proxyAt<T extends object>(options: ProxyOptions<T>): T {
  const cache = new Map<PropertyKey, unknown>();
  return new Proxy(options.target, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string') return value;
      if (cache.has(property)) return cache.get(property);
      const path = options.path ? `${options.path}.${property}` : property;
      const spec = options.methods[path];
      let wrapped: unknown = value;
      if (spec && typeof value === 'function') {
        wrapped = guardedMethod({
          runtime: options.runtime,
          spec,
          original: value as Parameters<typeof guardedMethod>[0]['original'],
          target,
          attribution: options.attribution,
          defaultProvider: options.defaultProvider,
        });
      } else if (typeof value === 'object' && value !== null && Object.keys(options.methods).some((method) => method.startsWith(`${path}.`))) {
        wrapped = proxyAt({ ...options, target: value, path });
      } else {
        return value;
      }
      cache.set(property, wrapped);
      return wrapped;
    },
  });
}
