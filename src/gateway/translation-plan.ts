import type { SseEvent } from '../core/sse-parser.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
import {
  anthropicErrorToChat,
  anthropicRequestToChat,
  anthropicResponseToChat,
  chatErrorToAnthropic,
  chatRequestToAnthropic,
  chatResponseToAnthropic,
  createAnthropicToChatStream,
  createChatToAnthropicStream,
} from '../providers/translate/index.js';
import type { Upstream } from './upstream.js';

export interface TranslationContext {
  requestId: string;
  requestedModel: string;
  model: string;
  createdInSeconds: number;
  /** The client asked for usage in its stream. */
  includeUsage: boolean;
}

/** Converts a stream event by event; returns SSE text for the client. */
export interface StreamTranslator {
  push(event: SseEvent): string;
  end(): string;
}

/**
 * How a request in the client's dialect reaches one upstream: as it is, or translated both
 * ways (OpenAI chat ↔ Anthropic Messages).
 */
export interface TranslationPlan {
  upstreamDialect: Dialect;
  requestToUpstream(body: Readonly<Record<string, unknown>>): Record<string, unknown>;
  responseToClient?(body: unknown, context: Omit<TranslationContext, 'model' | 'includeUsage'>): unknown;
  streamToClient?(context: TranslationContext): StreamTranslator;
  errorToClient?(body: unknown): unknown;
}

// The caller already hands over a copy of the body with the model set, so "as is" copies nothing.
const asIsPlans = new Map<Dialect, TranslationPlan>(
  (['openai-chat', 'openai-responses', 'openai-embeddings', 'anthropic-messages'] as const).map((dialect) => [
    dialect,
    { upstreamDialect: dialect, requestToUpstream: (body) => body as Record<string, unknown> },
  ]),
);

const chatToAnthropic: TranslationPlan = {
  upstreamDialect: 'anthropic-messages',
  requestToUpstream: (body) => ({ ...chatRequestToAnthropic(body) }),
  responseToClient: (body, context) => anthropicResponseToChat(body, { id: `chatcmpl-${context.requestId}`, createdInSeconds: context.createdInSeconds }),
  streamToClient: (context) =>
    createAnthropicToChatStream({ id: `chatcmpl-${context.requestId}`, createdInSeconds: context.createdInSeconds, model: context.model, includeUsage: context.includeUsage }),
  errorToClient: anthropicErrorToChat,
};

const anthropicToChat: TranslationPlan = {
  upstreamDialect: 'openai-chat',
  requestToUpstream: (body) => ({ ...anthropicRequestToChat(body) }),
  responseToClient: (body, context) => chatResponseToAnthropic(body, { requestedModel: context.requestedModel }),
  streamToClient: (context) => createChatToAnthropicStream({ id: `msg_${context.requestId.replaceAll('-', '')}`, model: context.model }),
  errorToClient: chatErrorToAnthropic,
};

/**
 * The plan for a client dialect and an upstream, or undefined when no faithful translation
 * exists: chat completions reach Anthropic models and Messages reach OpenAI(-compatible) ones;
 * Responses and embeddings only reach upstreams that speak them.
 */
export function planTranslation(clientDialect: Dialect, upstream: Upstream): TranslationPlan | undefined {
  if (upstream.speaks(clientDialect)) return asIsPlans.get(clientDialect);
  if (clientDialect === 'openai-chat' && upstream.speaks('anthropic-messages')) return chatToAnthropic;
  if (clientDialect === 'anthropic-messages' && upstream.speaks('openai-chat')) return anthropicToChat;
  return undefined;
}
