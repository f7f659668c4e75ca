import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, wrapLanguageModel } from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { wardenMiddleware } from '../../src/sdk/ai-sdk/warden-middleware.js';
import { WardenError } from '../../src/sdk/index.js';
import { createHarness, type Harness } from './sdk-harness.js';

let harness: Harness;
afterEach(async () => harness?.close());

describe('Vercel AI SDK middleware', () => {
  it('guards generateText and streamText with the same charge', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const openai = createOpenAI({ apiKey: 'test-key', baseURL: `${harness.mock.url}/v1` });
    const model = wrapLanguageModel({ model: openai.chat('gpt-4o-mini'), middleware: wardenMiddleware(harness.warden) });
    const generated = await generateText({ model, prompt: 'Write a haiku.', maxRetries: 0 });
    expect(generated.usage.outputTokens).toBe(20);
    const streamed = streamText({ model, prompt: 'Write a haiku.', maxRetries: 0 });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(text.split(' ')).toHaveLength(20);
    const commits = await harness.rows('reservation-commit');
    expect(commits).toHaveLength(2);
    // 10 × 150,000 + 20 × 600,000 pico
    expect(commits.map((row) => row.costInNanoUsd)).toEqual([13_500, 13_500]);
    expect(harness.mock.requests[0]?.body).toMatchObject({ max_tokens: 16_384 });
  });

  it('refuses a call the task budget cannot cover before anything is sent', async () => {
    harness = await createHarness();
    const anthropic = createAnthropic({ apiKey: 'test-key', baseURL: `${harness.mock.url}/v1` });
    const model = wrapLanguageModel({ model: anthropic('claude-haiku-4-5'), middleware: wardenMiddleware(harness.warden) });
    const error = await harness.warden.task({ budget: '0.000001' }, () => generateText({ model, prompt: 'Hello', maxRetries: 0 }).catch((caught: unknown) => caught));
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe('budget_exceeded');
    expect(harness.mock.requests).toHaveLength(0);
  });

  it('charges an abandoned streamText for what was generated', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 400, chunkIntervalInMs: 5 });
    const anthropic = createAnthropic({ apiKey: 'test-key', baseURL: `${harness.mock.url}/v1` });
    const model = wrapLanguageModel({ model: anthropic('claude-haiku-4-5'), middleware: wardenMiddleware(harness.warden) });
    const controller = new AbortController();
    const streamed = streamText({ model, prompt: 'Hello', maxRetries: 0, abortSignal: controller.signal });
    let deltas = 0;
    try {
      for await (const delta of streamed.textStream) {
        deltas += delta.length > 0 ? 1 : 0;
        if (deltas === 5) controller.abort();
      }
    } catch (error) {
      expect((error as Error).name).toMatch(/Abort/);
    }
    await harness.mock.idle();
    const [commit] = await harness.rows('reservation-commit');
    expect(commit?.status).toBe('client_disconnected');
    expect(commit?.costInNanoUsd).toBeGreaterThan(0);
    expect(commit?.costInNanoUsd).toBeLessThan(commit?.reservedInNanoUsd ?? 0);
  });
});
