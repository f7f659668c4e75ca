import { describe, expect, it } from 'vitest';
import { countMockOutputTokens, countMockTextTokens, mockOutputSlice, mockOutputText } from './mock-tokens.js';

describe('mock output tokens', () => {
  it('has exactly n words in the text of n tokens', () => {
    for (let tokenCount = 0; tokenCount <= 200; tokenCount += 1) {
      expect(countMockOutputTokens(mockOutputText(tokenCount))).toBe(tokenCount);
    }
  });

  it('rebuilds the full text from slices of any chunk size, across vocabulary periods', () => {
    for (const chunkSize of [1, 2, 5, 36, 37, 100]) {
      let text = '';
      for (let start = 0; start < 150; start += chunkSize) text += mockOutputSlice(start, Math.min(start + chunkSize, 150));
      expect(text).toBe(mockOutputText(150));
    }
  });

  it('starts without a space and gives every later token one', () => {
    expect(mockOutputText(3)).toBe('The budget holds');
    expect(mockOutputSlice(1, 2)).toBe(' budget');
    expect(mockOutputSlice(4, 4)).toBe('');
  });
});

describe('mock input tokens', () => {
  it('counts ceil(characters / 4)', () => {
    expect(countMockTextTokens('')).toBe(0);
    expect(countMockTextTokens('abcd')).toBe(1);
    expect(countMockTextTokens('abcde')).toBe(2);
  });
});
