import type { Dialect } from './estimate-input-tokens.js';

/** The output cap the caller asked for, in whichever field the dialect uses. */
export function requestedMaxTokens(dialect: Dialect, body: Readonly<Record<string, unknown>>): number | undefined {
  const value =
    dialect === 'openai-chat'
      ? (body.max_completion_tokens ?? body.max_tokens)
      : dialect === 'openai-responses'
        ? body.max_output_tokens
        : dialect === 'anthropic-messages'
          ? body.max_tokens
          : undefined;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * A copy of the body with the output cap Warden chose. Chat requests keep the caller's field;
 * otherwise max_completion_tokens, which reasoning models require (they reject max_tokens).
 */
export function withMaxTokens(dialect: Dialect, body: Readonly<Record<string, unknown>>, maxTokens: number): Record<string, unknown> {
  switch (dialect) {
    case 'openai-chat':
      return 'max_tokens' in body && !('max_completion_tokens' in body)
        ? { ...body, max_tokens: maxTokens }
        : { ...body, max_completion_tokens: maxTokens };
    case 'openai-responses':
      return { ...body, max_output_tokens: maxTokens };
    case 'anthropic-messages':
      return { ...body, max_tokens: maxTokens };
    case 'openai-embeddings':
      return { ...body };
  }
}

/** How many completions one call produces (OpenAI chat `n`). */
export function outputChoices(dialect: Dialect, body: Readonly<Record<string, unknown>>): number {
  return dialect === 'openai-chat' && typeof body.n === 'number' && body.n > 1 ? Math.floor(body.n) : 1;
}
