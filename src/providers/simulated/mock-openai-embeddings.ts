import { createUsage } from '../../core/usage.js';
import { countEmbeddingInputTokens, embeddingInputs } from './mock-input-tokens.js';
import type { MockRoute } from './mock-request-context.js';
import { reportsUsage, sendMockAnswer } from './mock-response.js';
import { validateMockModel } from './mock-validation.js';

const defaultDimensions = 8;
const maxDimensions = 4096;

/**
 * A unit vector derived only from `text`: a xorshift stream seeded with the text's FNV-1a hash,
 * so the same text always embeds the same way.
 */
export function mockEmbedding(text: string, dimensions: number): Float32Array {
  let state = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) state = Math.imul(state ^ text.charCodeAt(index), 0x01000193) >>> 0;
  if (state === 0) state = 1;
  const vector = new Float32Array(dimensions);
  let sumOfSquares = 0;
  for (let index = 0; index < dimensions; index += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const value = state / 0x80000000 - 1;
    vector[index] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares) || 1;
  for (let index = 0; index < dimensions; index += 1) vector[index] = (vector[index] ?? 0) / norm;
  return vector;
}

function encode(vector: Float32Array, format: unknown): number[] | string {
  // The openai SDK asks for base64 unless told otherwise and decodes little-endian float32.
  if (format === 'base64') return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
  return Array.from(vector);
}

/** `POST /v1/embeddings`: one small deterministic vector per input, usage prompt_tokens = total_tokens. */
export const mockOpenAiEmbeddingsRoute: MockRoute = {
  dialect: 'openai',
  validate(body) {
    const modelProblem = validateMockModel(body, 'openai');
    if (modelProblem !== undefined) return modelProblem;
    if (embeddingInputs(body.input).length === 0) {
      return { message: "'input' must be a non-empty string or array.", param: 'input' };
    }
    const dimensions = body.dimensions;
    if (dimensions !== undefined && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1 || dimensions > maxDimensions)) {
      return { message: `'dimensions' must be an integer from 1 to ${maxDimensions}.`, param: 'dimensions' };
    }
    return undefined;
  },
  answer(context) {
    const { body, plan, record } = context;
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : defaultDimensions;
    const promptTokens = plan.inputTokens ?? countEmbeddingInputTokens(body.input);
    record.usage = createUsage({ inputTokens: promptTokens });
    const data = embeddingInputs(body.input).map((text, index) => ({
      object: 'embedding',
      index,
      embedding: encode(mockEmbedding(text, dimensions), body.encoding_format),
    }));
    const bodyText = JSON.stringify({
      object: 'list',
      data,
      model: String(body.model),
      ...(reportsUsage(context) ? { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } } : {}),
    });
    sendMockAnswer(context, { bodyText, headers: { 'x-request-id': context.requestId } });
  },
};
