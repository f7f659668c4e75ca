import { WardenError } from '../../core/warden-error.js';

/** The provider family a request is being translated for. */
export type TranslationTarget = 'anthropic' | 'openai';

const targetNames = {
  anthropic: { target: 'Anthropic', other: 'an OpenAI' },
  openai: { target: 'OpenAI', other: 'an Anthropic' },
} as const;

/**
 * The error for a request field the other dialect cannot express faithfully. `reason` narrows it
 * when only some values are refused.
 * @example throw untranslatableFieldError('logprobs', 'anthropic');
 */
export function untranslatableFieldError(field: string, target: TranslationTarget, reason?: string): WardenError {
  const names = targetNames[target];
  const why = reason === undefined ? '' : ` (${reason})`;
  return new WardenError(
    'invalid_request',
    `${field} cannot be translated for ${names.target} models${why}; remove it or call ${names.other} model`,
    { details: { field } },
  );
}

/** The error for a request field with the wrong shape, e.g. `messages[2].content must be a string or an array`. */
export function malformedFieldError(field: string, expected: string): WardenError {
  return new WardenError('invalid_request', `${field} must be ${expected}; fix the request body`, { details: { field } });
}

/** The error for an upstream response the translator cannot make sense of. */
export function malformedResponseError(what: string): WardenError {
  return new WardenError('upstream_error', `The upstream response ${what}, so it cannot be translated; retry the call or call the model in its own dialect`);
}
