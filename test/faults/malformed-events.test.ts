import { describe, expect, it } from 'vitest';
import { createSseParser } from '../../src/core/sse-parser.js';
import { dialectUsage } from '../../src/providers/dialect-usage.js';
import type { Dialect } from '../../src/providers/estimate-input-tokens.js';
import { frameFixtureStream, listFixtureFiles, parseChunks, splitRandomly } from '../fixture-streams.js';

// The gateway ends a stream on a malformed event, so a real stream must never look malformed.
const dialectOfFolder: Readonly<Record<string, Dialect>> = {
  'anthropic-messages': 'anthropic-messages',
  'openai-chat': 'openai-chat',
  'openai-responses': 'openai-responses',
};

describe('malformed stream events', () => {
  const streams = listFixtureFiles().filter((file) => file.endsWith('.chunks.txt'));

  it('none in any recorded real stream, however its bytes are split', () => {
    expect(streams.length).toBeGreaterThan(10);
    for (const file of streams) {
      const dialect = dialectOfFolder[file.split('/')[0] as string] as Dialect;
      for (const seed of [1, 2, 3]) {
        const usage = dialectUsage[dialect].createStreamUsage();
        for (const event of parseChunks(createSseParser(), splitRandomly(frameFixtureStream(file), seed))) usage.push(event);
        expect([file, seed, usage.malformedEvents]).toEqual([file, seed, 0]);
      }
    }
  });

  it('counted in every dialect when an event that carries text or usage is cut mid-JSON', () => {
    const cut = (data: string): string => data.slice(0, Math.ceil(data.length / 2));
    const cases: Array<[Dialect, { event?: string; data: string }]> = [
      ['openai-chat', { data: cut('{"id":"c","choices":[{"index":0,"delta":{"content":"Hello"}}]}') }],
      ['openai-responses', { event: 'response.output_text.delta', data: cut('{"type":"response.output_text.delta","delta":"Hello"}') }],
      ['anthropic-messages', { event: 'content_block_delta', data: cut('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}') }],
    ];
    for (const [dialect, event] of cases) {
      const usage = dialectUsage[dialect].createStreamUsage();
      usage.push(event);
      expect([dialect, usage.malformedEvents]).toEqual([dialect, 1]);
    }
  });
});
