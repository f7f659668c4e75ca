import { describe, expect, it } from 'vitest';
import { lastUserText } from './last-user-text.js';

describe('lastUserText', () => {
  it('reads the last user message of a chat request, string or parts', () => {
    expect(lastUserText('openai-chat', { messages: [{ role: 'user', content: 'first' }, { role: 'assistant', content: 'x' }, { role: 'user', content: [{ type: 'text', text: 'prove it' }, { type: 'image_url', image_url: { url: 'x' } }] }] })).toBe('prove it');
    expect(lastUserText('anthropic-messages', { messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }, { role: 'assistant', content: 'hi' }] })).toBe('hello');
  });

  it('reads Responses input as a string or as items', () => {
    expect(lastUserText('openai-responses', { input: 'summarise' })).toBe('summarise');
    expect(lastUserText('openai-responses', { input: [{ role: 'user', content: [{ type: 'input_text', text: 'plan a trip' }] }] })).toBe('plan a trip');
  });

  it('is empty when there is no user text', () => {
    expect(lastUserText('openai-chat', { messages: [{ role: 'system', content: 'be brief' }] })).toBe('');
    expect(lastUserText('openai-chat', {})).toBe('');
  });
});
