import type { Dialect } from './estimate-input-tokens.js';
import { malformedFieldError } from './translate/field-errors.js';

const outputCapFields: Readonly<Record<Dialect, readonly string[]>> = {
  'openai-chat': ['max_tokens', 'max_completion_tokens'],
  'openai-responses': ['max_output_tokens'],
  'anthropic-messages': ['max_tokens'],
  'openai-embeddings': [],
};

// OpenAI's own bound on `n`; more completions than this would also overflow the cost estimate.
const maxChoices = 128;

/**
 * Refuses an output cap or a choice count that is not a positive whole number (null counts as
 * absent), so a malformed `max_tokens` is not silently replaced by the model's limit and priced
 * at that, and a huge `n` cannot overflow the estimate.
 * @example checkOutputFields('openai-chat', { max_tokens: -5 }) // throws invalid_request naming max_tokens
 */
export function checkOutputFields(dialect: Dialect, body: Readonly<Record<string, unknown>>): void {
  for (const field of outputCapFields[dialect]) {
    const value = body[field];
    if (value != null && !isPositiveInteger(value)) throw malformedFieldError(field, 'a whole number of 1 or more');
  }
  if (dialect === 'openai-chat' && body.n != null && !(isPositiveInteger(body.n) && body.n <= maxChoices)) {
    throw malformedFieldError('n', `a whole number from 1 to ${maxChoices}`);
  }
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}
