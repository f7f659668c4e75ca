import { afterEach, describe, expect, it } from 'vitest';
import { createGatewayHarness, hello, type GatewayHarness } from './gateway-harness.js';

let harness: GatewayHarness;
afterEach(async () => harness?.close());

describe('gateway across dialects', () => {
  it('lets the openai client call a Claude model, JSON and stream, charged at Claude prices', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { openai } = await harness.client();
    const completion = await openai.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'system', content: 'Be brief.' }, ...hello], max_tokens: 40 });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    expect(completion.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 20 });
    const upstreamRequest = harness.mock.requests[0];
    expect(upstreamRequest?.path).toBe('/v1/messages');
    expect(upstreamRequest?.body).toMatchObject({ model: 'claude-haiku-4-5', system: 'Be brief.', max_tokens: 40 });
    expect(upstreamRequest?.headers['x-api-key']).toBe('sk-ant-provider-SECRET-5678');

    const stream = await openai.chat.completions.create({ model: 'claude-haiku-4-5', messages: hello, max_tokens: 40, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(completion.choices[0]?.message.content);
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 20 });
    const commits = await harness.rows('reservation-commit');
    // claude-haiku-4-5: 10 × $1/M + 20 × $5/M = $0.00011
    expect(commits.map((row) => row.costInNanoUsd)).toEqual([110_000, 110_000]);
  });

  it('lets the anthropic client call an OpenAI model, JSON and stream', async () => {
    harness = await createGatewayHarness();
    harness.mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
    const { anthropic } = await harness.client();
    const message = await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 40, messages: hello });
    expect(message.type).toBe('message');
    expect(message.content[0]?.type).toBe('text');
    expect(message.usage).toMatchObject({ input_tokens: 10, output_tokens: 20 });
    expect(harness.mock.requests[0]?.path).toBe('/v1/chat/completions');
    const streamed = await anthropic.messages.stream({ model: 'gpt-4o-mini', max_tokens: 40, messages: hello }).finalMessage();
    expect(streamed.content).toEqual(message.content);
    expect(streamed.usage.output_tokens).toBe(20);
    const commits = await harness.rows('reservation-commit');
    expect(commits.map((row) => row.costInNanoUsd)).toEqual([13_500, 13_500]);
  });

  it('refuses what cannot be translated faithfully, naming the field', async () => {
    harness = await createGatewayHarness();
    const { openai } = await harness.client();
    const error = (await openai.chat.completions.create({ model: 'claude-haiku-4-5', messages: hello, n: 2 }).catch((caught: unknown) => caught)) as { status: number; message: string };
    expect(error.status).toBe(400);
    expect(error.message).toMatch(/\bn\b/);
    expect(harness.mock.requests).toHaveLength(0);
  });
});
