import type { SseEvent } from '../core/sse-parser.js';
import type { Dialect } from '../providers/estimate-input-tokens.js';
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

const asIs = (dialect: Dialect): TranslationPlan => ({ upstreamDialect: dialect, requestToUpstream: (body) => ({ ...body }) });

/** The plan for a client dialect and an upstream, or undefined when no faithful translation exists. */
export function planTranslation(clientDialect: Dialect, upstream: Upstream): TranslationPlan | undefined {
  if (upstream.speaks(clientDialect)) return asIs(clientDialect);
  return undefined;
}
