import type { MockDialect, MockValidationProblem } from './mock-request-context.js';

/** The problem with a missing or empty `model`, worded as each provider words it. */
export function validateMockModel(body: Record<string, unknown>, dialect: MockDialect): MockValidationProblem | undefined {
  if (typeof body.model === 'string' && body.model.length > 0) return undefined;
  return dialect === 'openai'
    ? { message: 'you must provide a model parameter', param: 'model' }
    : { message: 'model: Field required', param: 'model' };
}
