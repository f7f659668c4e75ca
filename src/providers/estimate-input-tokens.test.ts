import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from './estimate-input-tokens.js';
import { byteBoundCounter, tokenCounterFor, utf8Length } from './token-counter.js';

describe('tokenCounterFor', () => {
  it('counts OpenAI models exactly with their tokenizer', () => {
    const counter = tokenCounterFor('gpt-4o-mini');
    expect(counter.exact).toBe(true);
    expect(counter.count('Hello, world!')).toBe(4);
    expect(counter.count('<|endoftext|>')).toBeGreaterThan(1);
    expect(tokenCounterFor('gpt-3.5-turbo').count('Hello, world!')).toBe(4);
  });

  it('bounds models without a public tokenizer by UTF-8 bytes', () => {
    const counter = tokenCounterFor('claude-sonnet-4-5');
    expect(counter.exact).toBe(false);
    expect(counter.count('héllo')).toBe(6);
    expect(utf8Length('日本')).toBe(6);
    expect(counter.count('Hello, world!')).toBeGreaterThanOrEqual(tokenCounterFor('gpt-4o').count('Hello, world!'));
  });
});

describe('estimateInputTokens', () => {
  it('frames chat messages the way OpenAI counts them', () => {
    const estimate = estimateInputTokens({
      dialect: 'openai-chat',
      model: 'gpt-4o',
      tokensPerImage: 1000,
      body: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello, world!' }] },
    });
    const counter = tokenCounterFor('gpt-4o');
    expect(estimate).toEqual({ tokens: 3 + counter.count('Be brief.') + 3 + 4 + 3, exact: true, images: 0, writesCache: false });
  });

  it('counts images at the configured bound and tools from their definitions', () => {
    const tool = { type: 'function', function: { name: 'weather', parameters: { type: 'object' } } };
    const estimate = estimateInputTokens({
      dialect: 'openai-chat',
      model: 'gpt-4o',
      tokensPerImage: 1000,
      body: {
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:...' } }] }],
        tools: [tool],
      },
    });
    const counter = tokenCounterFor('gpt-4o');
    expect(estimate.images).toBe(1);
    expect(estimate.tokens).toBe(3 + counter.count('What is this?') + 1000 + 3 + counter.count(JSON.stringify(tool)) + 12);
  });

  it('bounds Anthropic requests by bytes and notices cache writes', () => {
    const estimate = estimateInputTokens({
      dialect: 'anthropic-messages',
      model: 'claude-sonnet-4-5',
      tokensPerImage: 1600,
      body: {
        system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Hi' }],
      },
    });
    expect(estimate).toEqual({ tokens: 'You are terse.'.length + 8 + 2, exact: false, images: 0, writesCache: true });
  });

  it('counts Responses input items and embeddings inputs', () => {
    const counter = byteBoundCounter;
    const responses = estimateInputTokens({
      dialect: 'openai-responses',
      model: 'x',
      tokensPerImage: 0,
      counter,
      body: { instructions: 'abc', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hello' }] }] },
    });
    expect(responses.tokens).toBe(3 + 3 + 3 + 5 + 3);
    const embeddings = estimateInputTokens({ dialect: 'openai-embeddings', model: 'x', tokensPerImage: 0, counter, body: { input: ['ab', 'cde', [1, 2]] } });
    expect(embeddings.tokens).toBe(7);
  });
});
