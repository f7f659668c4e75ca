import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, type LanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

/** Runs generateText then streamText on one model; returns both texts and the two ledger commits. */
async function generateAndStream(model: LanguageModel) {
  const generated = await generateText({ model, prompt: 'Write a haiku about budgets.', maxOutputTokens: 100 });
  const streamed = streamText({ model, prompt: 'Write a haiku about budgets.', maxOutputTokens: 100 });
  let text = '';
  for await (const delta of streamed.textStream) text += delta;
  const commits = await harness.rows('reservation-commit');
  return { generated, streamedText: text, streamedUsage: await streamed.usage, commits };
}

describe('gateway with the Vercel AI SDK', () => {
  it('serves @ai-sdk/openai chat models (generateText and streamText) at the same cost', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { key } = await harness.client();
    const openai = createOpenAI({ baseURL: `${harness.url}/v1`, apiKey: key });
    const { generated, streamedText, streamedUsage, commits } = await generateAndStream(openai.chat('gpt-4o-mini'));
    expect(generated.text.length).toBeGreaterThan(0);
    expect(streamedText).toBe(generated.text);
    expect(generated.usage.outputTokens).toBe(20);
    expect(streamedUsage.outputTokens).toBe(20);
    // gpt-4o-mini: 10 × $0.15/M + 20 × $0.60/M
    expect(commits.map((row) => [row.status, row.costInNanoUsd, row.data?.route, row.data?.stream])).toEqual([
      ['ok', 13_500, '/v1/chat/completions', false],
      ['ok', 13_500, '/v1/chat/completions', true],
    ]);
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it('serves @ai-sdk/openai default (Responses API) models at the same cost', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { key } = await harness.client();
    const openai = createOpenAI({ baseURL: `${harness.url}/v1`, apiKey: key });
    const { generated, streamedText, commits } = await generateAndStream(openai('gpt-4o-mini'));
    expect(generated.text.length).toBeGreaterThan(0);
    expect(streamedText).toBe(generated.text);
    expect(generated.usage.outputTokens).toBe(20);
    expect(commits.map((row) => [row.status, row.costInNanoUsd, row.data?.route, row.data?.stream])).toEqual([
      ['ok', 13_500, '/v1/responses', false],
      ['ok', 13_500, '/v1/responses', true],
    ]);
    expect(harness.mock.requests.map((request) => request.path)).toEqual(['/v1/responses', '/v1/responses']);
  });

  it('serves @ai-sdk/anthropic models at the same cost', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { key } = await harness.client();
    const anthropic = createAnthropic({ baseURL: `${harness.url}/v1`, apiKey: key });
    const { generated, streamedText, commits } = await generateAndStream(anthropic('claude-haiku-4-5'));
    expect(generated.text.length).toBeGreaterThan(0);
    expect(streamedText).toBe(generated.text);
    expect(generated.usage.outputTokens).toBe(20);
    // claude-haiku-4-5: 10 × $1/M + 20 × $5/M
    expect(commits.map((row) => [row.status, row.costInNanoUsd, row.data?.route, row.data?.stream])).toEqual([
      ['ok', 110_000, '/v1/messages', false],
      ['ok', 110_000, '/v1/messages', true],
    ]);
    expect(harness.mock.requests[0]?.body).toMatchObject({ max_tokens: 100 });
  });
});
