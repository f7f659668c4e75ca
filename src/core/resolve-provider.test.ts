import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { resolveProvider } from './resolve-provider.js';

const config = parseConfig({
  providers: {
    local: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama-3.1-8b'] },
    primary: { type: 'openai', apiKey: 'sk-test-1', models: ['ft:gpt-4o:acme'] },
    secondary: { type: 'openai', apiKey: 'sk-test-2' },
    claude: { type: 'anthropic', apiKey: 'sk-ant-test' },
    demo: { type: 'simulated' },
  },
  models: { 'gpt-4o': 'secondary', 'llama-3.1-8b': 'primary' },
});

const resolve = (model: string, catalogueProvider?: string) =>
  resolveProvider({ model, config, ...(catalogueProvider === undefined ? {} : { catalogueProvider }) });

describe('resolveProvider', () => {
  it('prefers config.models over every other source', () => {
    expect(resolve('gpt-4o', 'openai')).toBe('secondary');
    expect(resolve('llama-3.1-8b')).toBe('primary');
  });

  it('then a provider whose models list names the model', () => {
    expect(resolve('ft:gpt-4o:acme', 'anthropic')).toBe('primary');
  });

  it('then the first provider of the catalogue provider type, in config order', () => {
    expect(resolve('gpt-4o-mini', 'openai')).toBe('primary');
    expect(resolve('claude-sonnet-4-5', 'anthropic')).toBe('claude');
  });

  it('then a simulated provider that serves any model', () => {
    expect(resolve('gemini-2.5-pro', 'google')).toBe('demo');
    expect(resolve('made-up')).toBe('demo');
  });

  it('returns undefined when nothing serves the model', () => {
    const bare = parseConfig({ providers: { claude: { type: 'anthropic', apiKey: 'k' }, sim: { type: 'simulated', models: ['x'] } } });
    expect(resolveProvider({ model: 'gpt-4o', config: bare, catalogueProvider: 'openai' })).toBeUndefined();
    expect(resolveProvider({ model: 'x', config: bare })).toBe('sim');
    expect(resolveProvider({ model: 'toString', config: parseConfig({}) })).toBeUndefined();
  });
});
