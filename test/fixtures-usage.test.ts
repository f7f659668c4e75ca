import { describe, expect, it } from 'vitest';
import { computeCost } from '../src/core/compute-cost.js';
import type { ModelPrice, TokenRates } from '../src/core/model-price.js';
import { usdPerMillionToPicoPerToken } from '../src/core/money.js';
import { createSseParser } from '../src/core/sse-parser.js';
import { createUsage, type Usage } from '../src/core/usage.js';
import { createAnthropicStreamUsage, readAnthropicUsage } from '../src/providers/anthropic/anthropic-usage.js';
import { createOpenAIChatStreamUsage, readOpenAIChatUsage } from '../src/providers/openai/openai-chat-usage.js';
import { createOpenAIResponsesStreamUsage, readOpenAIResponsesUsage } from '../src/providers/openai/openai-responses-usage.js';
import type { ResponseBodyUsage, StreamUsage } from '../src/providers/stream-usage.js';
import { frameFixtureStream, listFixtureFiles, readFixtureJson, splitRandomly } from './fixture-streams.js';

interface UsdPerMillionTokens {
  input: number;
  output: number;
  cacheRead: number;
  /** Defaults to the input rate: OpenAI has no separate cache-write price. */
  cacheWrite?: number;
  cacheWriteLong?: number;
}

function rates(usd: UsdPerMillionTokens): TokenRates {
  const cacheWrite = usd.cacheWrite ?? usd.input;
  return {
    inputPicoPerToken: usdPerMillionToPicoPerToken(usd.input),
    outputPicoPerToken: usdPerMillionToPicoPerToken(usd.output),
    cacheReadPicoPerToken: usdPerMillionToPicoPerToken(usd.cacheRead),
    cacheWritePicoPerToken: usdPerMillionToPicoPerToken(cacheWrite),
    cacheWriteLongPicoPerToken: usdPerMillionToPicoPerToken(usd.cacheWriteLong ?? cacheWrite),
  };
}

/** A hand-built price from $/MTok (rates from @pydantic/genai-prices); pico per token = $/MTok × 1e6. */
function price(model: string, base: UsdPerMillionTokens, tier?: { aboveInputTokens: number; usd: UsdPerMillionTokens }): ModelPrice {
  return {
    model,
    provider: model.startsWith('claude') ? 'anthropic' : 'openai',
    base: rates(base),
    tiers: tier === undefined ? [] : [{ aboveInputTokens: tier.aboveInputTokens, rates: rates(tier.usd) }],
    source: 'config',
  };
}

const gpt41Nano = price('gpt-4.1-nano', { input: 0.1, cacheRead: 0.025, output: 0.4 });
const gpt4o = price('gpt-4o', { input: 2.5, cacheRead: 1.25, output: 10 });
const gpt5Nano = price('gpt-5-nano', { input: 0.05, cacheRead: 0.005, output: 0.4 });
const gpt4oMini = price('gpt-4o-mini', { input: 0.15, cacheRead: 0.075, output: 0.6 });
const gpt53Codex = price('gpt-5.3-codex', { input: 1.75, cacheRead: 0.175, output: 14 });
const gpt52 = price('gpt-5.2', { input: 1.75, cacheRead: 0.175, output: 14 });
const o3 = price('o3', { input: 2, cacheRead: 0.5, output: 8 });
const claudeSonnet45 = price(
  'claude-sonnet-4-5',
  { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15, cacheWriteLong: 6 },
  { aboveInputTokens: 200_000, usd: { input: 6, cacheWrite: 7.5, cacheRead: 0.6, output: 22.5, cacheWriteLong: 12 } },
);
const claudeSonnet46 = price('claude-sonnet-4-6', { input: 3, cacheWrite: 3.75, cacheRead: 0.3, output: 15, cacheWriteLong: 6 });
const claudeSonnet5 = price('claude-sonnet-5', { input: 2, cacheWrite: 2.5, cacheRead: 0.2, output: 10, cacheWriteLong: 4 });

interface UsageCase {
  file: string;
  /** For the wrapper file: which attempts[i].rawResponseBody to read (1-based). */
  attempt?: number;
  model: string;
  usage: Usage;
  price: ModelPrice;
  costInNanoUsd: number;
  /** Streams only: characters of text, reasoning and tool arguments streamed. */
  generatedCharacters?: number;
}

// Pico-USD per token below: gpt-4.1-nano 100,000 in / 400,000 out; gpt-4o 2,500,000 / 10,000,000;
// gpt-5-nano 50,000 / 400,000; gpt-4o-mini 150,000 / cache read 75,000 / 600,000;
// gpt-5.x 1,750,000 / cache read 175,000 / 14,000,000; o3 2,000,000 / 8,000,000;
// sonnet-4-5 and 4-6 3,000,000 in / cache write 3,750,000 / cache read 300,000 / 15,000,000 out;
// sonnet-5 2,000,000 in / cache write 2,500,000 / cache read 200,000 / 10,000,000 out.
const usageCases: UsageCase[] = [
  // 16 × 100,000 + 363 × 400,000 = 1,600,000 + 145,200,000 = 146,800,000 pico → 146,800 nano
  { file: 'openai-chat/openai-text.json', model: 'gpt-4.1-nano-2025-04-14', usage: createUsage({ inputTokens: 16, outputTokens: 363 }), price: gpt41Nano, costInNanoUsd: 146_800 },
  // 16 × 100,000 + 300 × 400,000 = 1,600,000 + 120,000,000 = 121,600,000 pico → 121,600 nano
  { file: 'openai-chat/openai-text.chunks.txt', model: 'gpt-4.1-nano-2025-04-14', usage: createUsage({ inputTokens: 16, outputTokens: 300 }), price: gpt41Nano, costInNanoUsd: 121_600, generatedCharacters: 1724 },
  // 58 × 2,500,000 + 12 × 10,000,000 = 145,000,000 + 120,000,000 = 265,000,000 pico → 265,000 nano; text "PRE_TOOL" + arguments "{}" = 10 characters
  { file: 'openai-chat/issue-15789-step-1.chunks.txt', model: 'gpt-4o-2024-08-06', usage: createUsage({ inputTokens: 58, outputTokens: 12 }), price: gpt4o, costInNanoUsd: 265_000, generatedCharacters: 10 },
  // 15 × 50,000 + 78 × 400,000 = 750,000 + 31,200,000 = 31,950,000 pico → 31,950 nano (64 reasoning tokens are inside the 78); text "Capital of Denmark."
  { file: 'openai-chat/azure-model-router.1.chunks.txt', model: 'gpt-5-nano-2025-08-07', usage: createUsage({ inputTokens: 15, outputTokens: 78, reasoningTokens: 64 }), price: gpt5Nano, costInNanoUsd: 31_950, generatedCharacters: 19 },
  // 10,122 × 150,000 + 1 × 600,000 = 1,518,300,000 + 600,000 = 1,518,900,000 pico → 1,518,900 nano
  { file: 'openai-chat/openai-chat-cached-input-tokens-11178.json', attempt: 1, model: 'gpt-4o-mini-2024-07-18', usage: createUsage({ inputTokens: 10_122, outputTokens: 1 }), price: gpt4oMini, costInNanoUsd: 1_518_900 },
  // input 10,122 − 9,984 cached = 138; 138 × 150,000 + 9,984 × 75,000 + 1 × 600,000
  // = 20,700,000 + 748,800,000 + 600,000 = 770,100,000 pico → 770,100 nano
  { file: 'openai-chat/openai-chat-cached-input-tokens-11178.json', attempt: 2, model: 'gpt-4o-mini-2024-07-18', usage: createUsage({ inputTokens: 138, cacheReadTokens: 9_984, outputTokens: 1 }), price: gpt4oMini, costInNanoUsd: 770_100 },
  // 12 × 150,000 + 2 × 600,000 = 1,800,000 + 1,200,000 = 3,000,000 pico → 3,000 nano
  { file: 'openai-responses/issue-20047-openai-responses.json', model: 'gpt-4o-mini-2024-07-18', usage: createUsage({ inputTokens: 12, outputTokens: 2 }), price: gpt4oMini, costInNanoUsd: 3_000 },
  { file: 'openai-responses/issue-20047-openai-responses.chunks.txt', model: 'gpt-4o-mini-2024-07-18', usage: createUsage({ inputTokens: 12, outputTokens: 2 }), price: gpt4oMini, costInNanoUsd: 3_000, generatedCharacters: 'OK'.length },
  // input 7,243 − 3,072 cached = 4,171; 4,171 × 1,750,000 + 3,072 × 175,000 + 423 × 14,000,000
  // = 7,299,250,000 + 537,600,000 + 5,922,000,000 = 13,758,850,000 pico → 13,758,850 nano
  { file: 'openai-responses/openai-phase.1.json', model: 'gpt-5.3-codex', usage: createUsage({ inputTokens: 4_171, cacheReadTokens: 3_072, outputTokens: 423, reasoningTokens: 58 }), price: gpt53Codex, costInNanoUsd: 13_758_850 },
  // input 7,112 − 3,072 = 4,040; 4,040 × 1,750,000 + 3,072 × 175,000 + 463 × 14,000,000
  // = 7,070,000,000 + 537,600,000 + 6,482,000,000 = 14,089,600,000 pico → 14,089,600 nano; abridged: "Got", " it", "Here are a", " few **AI" = 25 characters
  { file: 'openai-responses/openai-phase.1.chunks.txt', model: 'gpt-5.3-codex', usage: createUsage({ inputTokens: 4_040, cacheReadTokens: 3_072, outputTokens: 463, reasoningTokens: 64 }), price: gpt53Codex, costInNanoUsd: 14_089_600, generatedCharacters: 25 },
  // 84 × 1,750,000 + 39 × 14,000,000 = 147,000,000 + 546,000,000 = 693,000,000 pico → 693,000 nano; arguments {"label":"issue-11239"} = 23 characters
  { file: 'openai-responses/openai-issue-11239.1.chunks.txt', model: 'gpt-5.2-2025-12-11', usage: createUsage({ inputTokens: 84, outputTokens: 39, reasoningTokens: 15 }), price: gpt52, costInNanoUsd: 693_000, generatedCharacters: 23 },
  // 146 × 1,750,000 + 16 × 14,000,000 = 255,500,000 + 224,000,000 = 479,500,000 pico → 479,500 nano
  { file: 'openai-responses/openai-issue-11239.2.chunks.txt', model: 'gpt-5.2-2025-12-11', usage: createUsage({ inputTokens: 146, outputTokens: 16 }), price: gpt52, costInNanoUsd: 479_500, generatedCharacters: 'Verification code for issue-11239 is blue-42.'.length },
  // 114 × 2,000,000 + 284 × 8,000,000 = 228,000,000 + 2,272,000,000 = 2,500,000,000 pico → 2,500,000 nano
  { file: 'openai-responses/issue-7082-o3-optional-tool-parameters.json', model: 'o3-2025-04-16', usage: createUsage({ inputTokens: 114, outputTokens: 284, reasoningTokens: 192 }), price: o3, costInNanoUsd: 2_500_000 },
  // 12 × 3,000,000 + 29 × 15,000,000 = 36,000,000 + 435,000,000 = 471,000,000 pico → 471,000 nano
  { file: 'anthropic-messages/anthropic-text.json', model: 'claude-sonnet-4-5-20250929', usage: createUsage({ inputTokens: 12, outputTokens: 29 }), price: claudeSonnet45, costInNanoUsd: 471_000 },
  // 12 × 3,000,000 + 30 × 15,000,000 = 36,000,000 + 450,000,000 = 486,000,000 pico → 486,000 nano
  { file: 'anthropic-messages/anthropic-text.chunks.txt', model: 'claude-sonnet-4-5-20250929', usage: createUsage({ inputTokens: 12, outputTokens: 30 }), price: claudeSonnet45, costInNanoUsd: 486_000, generatedCharacters: "Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?".length },
  // 912 × 3,000,000 + 118 × 15,000,000 = 2,736,000,000 + 1,770,000,000 = 4,506,000,000 pico → 4,506,000 nano
  { file: 'anthropic-messages/anthropic-issue-11719-quoted-tool-input.json', model: 'claude-sonnet-4-5-20250929', usage: createUsage({ inputTokens: 912, outputTokens: 118 }), price: claudeSonnet45, costInNanoUsd: 4_506_000 },
  { file: 'anthropic-messages/anthropic-issue-11719-quoted-tool-input.chunks.txt', model: 'claude-sonnet-4-5-20250929', usage: createUsage({ inputTokens: 912, outputTokens: 118 }), price: claudeSonnet45, costInNanoUsd: 4_506_000, generatedCharacters: 273 },
  // 618 × 3,000,000 + 59 × 15,000,000 = 1,854,000,000 + 885,000,000 = 2,739,000,000 pico → 2,739,000 nano
  { file: 'anthropic-messages/issue-13057-approved-tool.1.chunks.txt', model: 'claude-sonnet-4-5-20250929', usage: createUsage({ inputTokens: 618, outputTokens: 59 }), price: claudeSonnet45, costInNanoUsd: 2_739_000, generatedCharacters: '{"title": "Reproduce issue 13057"}'.length },
  // 3 × 3,000,000 + 18,639 × 3,750,000 + 1 × 15,000,000 = 9,000,000 + 69,896,250,000 + 15,000,000 = 69,920,250,000 pico → 69,920,250 nano
  { file: 'anthropic-messages/anthropic-issue-5942-cache-write.chunks.txt', model: 'claude-sonnet-4-6', usage: createUsage({ inputTokens: 3, cacheWriteTokens: 18_639, outputTokens: 1 }), price: claudeSonnet46, costInNanoUsd: 69_920_250, generatedCharacters: 2 },
  // 3 × 3,000,000 + 18,639 × 300,000 + 1 × 15,000,000 = 9,000,000 + 5,591,700,000 + 15,000,000 = 5,615,700,000 pico → 5,615,700 nano
  { file: 'anthropic-messages/anthropic-issue-5942-cache-read.chunks.txt', model: 'claude-sonnet-4-6', usage: createUsage({ inputTokens: 3, cacheReadTokens: 18_639, outputTokens: 1 }), price: claudeSonnet46, costInNanoUsd: 5_615_700, generatedCharacters: 2 },
  // message_delta values: 6 × 2,000,000 + 3,337 × 2,500,000 + 6,289 × 200,000 + 198 × 10,000,000
  // = 12,000,000 + 8,342,500,000 + 1,257,800,000 + 1,980,000,000 = 11,592,300,000 pico → 11,592,300 nano
  { file: 'anthropic-messages/anthropic-code-execution-20260120-prompt-cache.1.chunks.txt', model: 'claude-sonnet-5', usage: createUsage({ inputTokens: 6, cacheWriteTokens: 3_337, cacheReadTokens: 6_289, outputTokens: 198 }), price: claudeSonnet5, costInNanoUsd: 11_592_300, generatedCharacters: 220 },
  // 69 × 3,000,000 + 33 × 15,000,000 = 207,000,000 + 495,000,000 = 702,000,000 pico → 702,000 nano
  { file: 'anthropic-messages/anthropic-clear-thinking.1.json', model: 'claude-sonnet-4-5-20250929', usage: createUsage({ inputTokens: 69, outputTokens: 33 }), price: claudeSonnet45, costInNanoUsd: 702_000 },
  // 69 × 3,000,000 + 53 × 15,000,000 = 207,000,000 + 795,000,000 = 1,002,000,000 pico → 1,002,000 nano
  { file: 'anthropic-messages/anthropic-clear-thinking.1.chunks.txt', model: 'claude-sonnet-4-5-20250929', usage: createUsage({ inputTokens: 69, outputTokens: 53 }), price: claudeSonnet45, costInNanoUsd: 1_002_000, generatedCharacters: 88 },
  // 599 × 3,000,000 + 59 × 15,000,000 = 1,797,000,000 + 885,000,000 = 2,682,000,000 pico → 2,682,000 nano
  { file: 'anthropic-messages/issue-13430-thinking-tool-call.json', model: 'claude-sonnet-4-6', usage: createUsage({ inputTokens: 599, outputTokens: 59, reasoningTokens: 18 }), price: claudeSonnet46, costInNanoUsd: 2_682_000 },
  // 47 × 2,000,000 + 373 × 10,000,000 = 94,000,000 + 3,730,000,000 = 3,824,000,000 pico → 3,824,000 nano
  { file: 'anthropic-messages/anthropic-claude-sonnet-5-reasoning-summarized.chunks.txt', model: 'claude-sonnet-5', usage: createUsage({ inputTokens: 47, outputTokens: 373, reasoningTokens: 62 }), price: claudeSonnet5, costInNanoUsd: 3_824_000, generatedCharacters: 729 },
];

interface ErrorCase {
  file: string;
  error: { type: string; code: string | undefined };
}

const errorCases: ErrorCase[] = [
  { file: 'openai-chat/reasoning-model-legacy-parameter-error.json', error: { type: 'invalid_request_error', code: 'unsupported_parameter' } },
  { file: 'openai-responses/openai-error.1.json', error: { type: 'insufficient_quota', code: 'insufficient_quota' } },
  { file: 'openai-responses/openai-error.1.chunks.txt', error: { type: 'insufficient_quota', code: 'insufficient_quota' } },
  { file: 'anthropic-messages/anthropic-issue-17366-error.json', error: { type: 'invalid_request_error', code: undefined } },
];

function readBody(file: string, attempt: number | undefined): ResponseBodyUsage {
  let body = readFixtureJson(file);
  if (attempt !== undefined) {
    body = (body as { attempts: Array<{ rawResponseBody: unknown }> }).attempts[attempt - 1]?.rawResponseBody;
  }
  if (file.startsWith('openai-chat/')) return readOpenAIChatUsage(body);
  if (file.startsWith('openai-responses/')) return readOpenAIResponsesUsage(body);
  return readAnthropicUsage(body);
}

function streamUsageFor(file: string): StreamUsage {
  if (file.startsWith('openai-chat/')) return createOpenAIChatStreamUsage();
  if (file.startsWith('openai-responses/')) return createOpenAIResponsesStreamUsage();
  return createAnthropicStreamUsage();
}

/** Replays a recorded stream through the SSE parser in small random chunks. */
function replayStream(file: string, seed: number): StreamUsage {
  const streamUsage = streamUsageFor(file);
  const parser = createSseParser();
  for (const chunk of splitRandomly(frameFixtureStream(file), seed, 24)) {
    for (const event of parser.push(chunk)) streamUsage.push(event);
  }
  for (const event of parser.end()) streamUsage.push(event);
  return streamUsage;
}

describe('usage and cost of every recorded response', () => {
  it('has an expectation for every fixture file', () => {
    const covered = new Set([...usageCases, ...errorCases].map((testCase) => testCase.file));
    expect([...covered].sort()).toEqual(listFixtureFiles());
  });

  for (const testCase of usageCases) {
    const title = testCase.attempt === undefined ? testCase.file : `${testCase.file} attempt ${testCase.attempt}`;
    it(`${title}: usage, model and cost`, () => {
      if (testCase.file.endsWith('.json')) {
        const result = readBody(testCase.file, testCase.attempt);
        expect(result).toEqual({ usage: testCase.usage, model: testCase.model, error: undefined });
        expect(computeCost(testCase.usage, testCase.price)).toBe(testCase.costInNanoUsd);
        return;
      }
      for (const seed of [1, 2, 3]) {
        const streamUsage = replayStream(testCase.file, seed);
        expect(streamUsage.usage).toEqual(testCase.usage);
        expect(streamUsage.isUsageFinal).toBe(true);
        expect(streamUsage.model).toBe(testCase.model);
        expect(streamUsage.generatedCharacters).toBe(testCase.generatedCharacters);
        expect(streamUsage.error).toBeUndefined();
      }
      expect(computeCost(testCase.usage, testCase.price)).toBe(testCase.costInNanoUsd);
    });
  }

  for (const testCase of errorCases) {
    it(`${testCase.file}: no usage, the error surfaces`, () => {
      const result = testCase.file.endsWith('.json') ? readBody(testCase.file, undefined) : replayStream(testCase.file, 1);
      expect(result.usage).toBeUndefined();
      expect(result.error).toMatchObject(testCase.error);
      expect(result.error?.message).toMatch(/\w/);
    });
  }
});

describe('claude-sonnet-4-5 long-context tier', () => {
  it('prices a call above 200,000 input tokens entirely at the tier rates', () => {
    const { usage } = readAnthropicUsage({
      model: 'claude-sonnet-4-5-20250929',
      usage: {
        input_tokens: 150_000,
        cache_creation_input_tokens: 30_000,
        cache_read_input_tokens: 25_000,
        cache_creation: { ephemeral_5m_input_tokens: 20_000, ephemeral_1h_input_tokens: 10_000 },
        output_tokens: 2_000,
      },
    });
    expect(usage).toEqual(createUsage({ inputTokens: 150_000, cacheWriteTokens: 30_000, cacheWriteLongTokens: 10_000, cacheReadTokens: 25_000, outputTokens: 2_000 }));
    // Total input 150,000 + 30,000 + 25,000 = 205,000 > 200,000, so every token is at tier rates:
    // 150,000 × 6,000,000 + 20,000 (5-minute writes) × 7,500,000 + 10,000 (1-hour writes) × 12,000,000
    // + 25,000 × 600,000 + 2,000 × 22,500,000
    // = 900,000,000,000 + 150,000,000,000 + 120,000,000,000 + 15,000,000,000 + 45,000,000,000
    // = 1,230,000,000,000 pico → 1,230,000,000 nano ($1.23)
    expect(usage && computeCost(usage, claudeSonnet45)).toBe(1_230_000_000);
  });

  it('uses the base rates at exactly 200,000 input tokens and the tier rates from 200,001', () => {
    // 200,000 × 3,000,000 + 1,000 × 15,000,000 = 600,000,000,000 + 15,000,000,000 = 615,000,000,000 pico → 615,000,000 nano
    expect(computeCost(createUsage({ inputTokens: 200_000, outputTokens: 1_000 }), claudeSonnet45)).toBe(615_000_000);
    // 200,001 × 6,000,000 + 1,000 × 22,500,000 = 1,200,006,000,000 + 22,500,000,000 = 1,222,506,000,000 pico → 1,222,506,000 nano
    expect(computeCost(createUsage({ inputTokens: 200_001, outputTokens: 1_000 }), claudeSonnet45)).toBe(1_222_506_000);
  });
});
