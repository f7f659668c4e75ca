/**
 * The mock upstream's token model. Output: one token is one word of a fixed vocabulary, words
 * separated by single spaces, so `countMockOutputTokens(text)` recovers the count exactly.
 * Input: `ceil(characters / 4)` per text, plus fixed framing per message.
 */

const vocabulary = [
  'The', 'budget', 'holds', 'while', 'agents', 'plan', 'each', 'step,', 'price', 'every',
  'call', 'and', 'record', 'the', 'result.', 'Costs', 'stay', 'within', 'limits', 'because',
  'tokens', 'are', 'counted', 'before', 'work', 'begins;', 'retries', 'wait', 'their', 'turn,',
  'tools', 'ask', 'first,', 'loops', 'stop', 'early.',
] as const;

const period = vocabulary.length;
/** Every vocabulary word with its leading space, concatenated: one period of the output text. */
const block = vocabulary.map((word) => ` ${word}`).join('');
/** `blockOffsets[k]` is where word k starts inside `block` (each start is a space). */
const blockOffsets: number[] = [];
for (let index = 0, offset = 0; index <= period; index += 1) {
  blockOffsets.push(offset);
  offset += index < period ? 1 + (vocabulary[index]?.length ?? 0) : 0;
}

/** Tokens of framing the mock adds per message (role, separators), as chat templates do. */
export const messageFramingTokens = 4;
/** Tokens the mock adds once per request for priming the reply. */
export const replyPrimingTokens = 3;
/** Tokens the mock counts for an image or other non-text part, whatever its size. */
export const imagePartTokens = 85;

/** Input tokens of a text: `ceil(characters / 4)`. */
export function countMockTextTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Output tokens of text the mock generated: its number of space-separated words. */
export function countMockOutputTokens(text: string): number {
  if (text.length === 0) return 0;
  let count = 1;
  for (let index = text.indexOf(' '); index !== -1; index = text.indexOf(' ', index + 1)) count += 1;
  return count;
}

function leadingSpaceText(startToken: number, endToken: number): string {
  const startPeriod = Math.floor(startToken / period);
  const endPeriod = Math.floor(endToken / period);
  const startOffset = blockOffsets[startToken % period] ?? 0;
  const endOffset = blockOffsets[endToken % period] ?? 0;
  if (startPeriod === endPeriod) return block.slice(startOffset, endOffset);
  return block.slice(startOffset) + block.repeat(endPeriod - startPeriod - 1) + block.slice(0, endOffset);
}

/**
 * Tokens `[startToken, endToken)` of the mock output, exactly as they appear in the full text:
 * every token but the first of the text carries a leading space.
 * @example mockOutputSlice(0, 3) // 'The budget holds'
 */
export function mockOutputSlice(startToken: number, endToken: number): string {
  if (endToken <= startToken) return '';
  const text = leadingSpaceText(startToken, endToken);
  return startToken === 0 ? text.slice(1) : text;
}

/** The mock's full output text of `tokenCount` tokens. */
export function mockOutputText(tokenCount: number): string {
  return mockOutputSlice(0, tokenCount);
}
