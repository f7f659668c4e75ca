import { afterEach, describe, expect, it } from 'vitest';
import { WardenError } from '../../src/sdk/index.js';
import { createHarness, userMessage, type Harness } from './sdk-harness.js';

let harness: Harness;
afterEach(async () => harness?.close());

describe('SDK with the official @anthropic-ai/sdk client', () => {
  it('charges messages from usage, cache tokens priced apart and not double-counted', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 100, cachedInputTokens: 60, outputTokens: 10 });
    const message = await harness.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: userMessage });
    expect(message.usage.cache_read_input_tokens).toBe(60);
    const [commit] = await harness.rows('reservation-commit');
    // haiku-4-5: uncached input 40 × 1,000,000 + cache read 60 × 100,000 + output 10 × 5,000,000 pico = 96,000 nano
    expect(commit?.usage).toMatchObject({ inputTokens: 40, cacheReadTokens: 60, outputTokens: 10 });
    expect(commit?.costInNanoUsd).toBe(96_000);
  });

  it('gives a budget for exactly N calls exactly N, then refuses before sending', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ outputTokens: 20 });
    const call = () => harness.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 40, messages: userMessage });
    await harness.warden.task({}, call);
    const [probe] = await harness.rows('reservation-commit');
    const cost = probe?.costInNanoUsd ?? 0;
    const reserved = probe?.reservedInNanoUsd ?? 0;
    const sentBefore = harness.mock.requests.length;
    const refusal = await harness.warden.task({ budget: { hard: (2 * cost + reserved) / 1e9, clamp: false } }, async () => {
      for (let index = 0; index < 3; index += 1) await call();
      return call().catch((error: unknown) => error);
    });
    expect(harness.mock.requests.length - sentBefore).toBe(3);
    expect(refusal).toBeInstanceOf(WardenError);
    expect((refusal as WardenError).code).toBe('budget_exceeded');
  });

  it('charges messages.stream() the same as the JSON call', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ outputTokens: 25 });
    await harness.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: userMessage });
    const stream = harness.anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, messages: userMessage });
    const final = await stream.finalMessage();
    expect(final.usage.output_tokens).toBe(25);
    const commits = await harness.rows('reservation-commit');
    expect(commits).toHaveLength(2);
    expect(commits[1]?.costInNanoUsd).toBe(commits[0]?.costInNanoUsd);
  });

  it('charges an abandoned stream at least the input the provider reported, and releases the rest', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ inputTokens: 50, outputTokens: 500, chunkIntervalInMs: 5 });
    const stream = await harness.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 1000, messages: userMessage, stream: true });
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === 'content_block_delta') deltas += 1;
      if (deltas === 3) break;
    }
    await harness.mock.idle();
    expect(harness.mock.requests[0]?.outcome).toBe('aborted');
    const [commit] = await harness.rows('reservation-commit');
    expect(commit?.status).toBe('client_disconnected');
    expect(commit?.usage?.inputTokens).toBe(50);
    expect(commit?.costInNanoUsd).toBeGreaterThanOrEqual(50 * 1000);
    expect(commit?.costInNanoUsd).toBeLessThan(commit?.reservedInNanoUsd ?? 0);
  });

  it('sends the max_tokens Warden chose, clamped to what the budget can afford', async () => {
    harness = await createHarness();
    harness.mock.setBehavior({ outputTokens: 10 });
    await harness.warden.task({ budget: '0.002' }, () => harness.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 4000, messages: userMessage }));
    const sent = harness.mock.requests[0]?.body as { max_tokens: number };
    expect(sent.max_tokens).toBeLessThan(4000);
    expect(sent.max_tokens).toBeGreaterThanOrEqual(64);
    const [reservation] = await harness.rows('reservation-create');
    expect(reservation?.reservedInNanoUsd).toBeLessThanOrEqual(2_000_000);
    expect(reservation?.data).toMatchObject({ clamped: true, maxTokens: sent.max_tokens });
  });
});
