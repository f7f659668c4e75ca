import { dialectUsage, withStreamUsage } from '../providers/dialect-usage.js';
import { guardedMethod, type AttributionOptions, type MethodSpec } from './guarded-method.js';
import type { WardenRuntime } from './warden-runtime.js';

const openAIMethods: Record<string, MethodSpec> = {
  'chat.completions.create': { dialect: 'openai-chat', ...dialectUsage['openai-chat'], prepareStream: withStreamUsage },
  'responses.create': { dialect: 'openai-responses', ...dialectUsage['openai-responses'] },
  'embeddings.create': { dialect: 'openai-embeddings', ...dialectUsage['openai-embeddings'] },
};

const anthropicMethods: Record<string, MethodSpec> = {
  'messages.create': { dialect: 'anthropic-messages', ...dialectUsage['anthropic-messages'] },
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
