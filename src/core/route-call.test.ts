import { describe, expect, it } from 'vitest';
import type { WardenConfigInput } from './config-schema.js';
import { parseConfig } from './parse-config.js';
import { routeCall, type RouteFacts } from './route-call.js';
import { WardenError } from './warden-error.js';

const config = parseConfig({
  tiers: {
    fast: ['gpt-4o-mini', 'claude-haiku-4-5'],
    balanced: ['gpt-4o'],
    premium: ['claude-opus-4-1', 'gpt-4o'],
  },
  routing: {
    defaultTier: 'balanced',
    rules: [
      { when: { headers: { 'X-Team': 'research' } }, tier: 'premium' },
      { when: { taskType: ['extractive', 'classify'], maxInputTokens: 2000 }, tier: 'fast' },
      { when: { minInputTokens: 50_000 }, model: 'gemini-2.5-pro' },
      { when: { keywords: ['prove', 'c++'] }, tier: 'premium' },
      { when: { regex: '^translate\\b' }, tier: 'fast' },
    ],
  },
  fallbacks: {
    'gpt-4o-mini': ['claude-haiku-4-5', 'gpt-4o'],
    'gpt-4o': ['claude-sonnet-4-5'],
    'claude-opus-4-1': ['gpt-4o'],
  },
} satisfies WardenConfigInput);

const facts = (overrides: Partial<RouteFacts>): RouteFacts => ({
  requestedModel: 'auto',
  headers: {},
  inputTokens: 100,
  lastUserText: 'hello there',
  ...overrides,
});

const route = (overrides: Partial<RouteFacts>) => routeCall({ config, facts: facts(overrides) });

function thrown(run: () => unknown): WardenError {
  try {
    run();
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected a WardenError');
}

describe('routeCall: explicit models and tiers', () => {
  it('sends a plain model to itself, then its fallbacks', () => {
    expect(route({ requestedModel: 'gpt-4o' })).toEqual({ candidates: ['gpt-4o', 'claude-sonnet-4-5'], reason: 'model' });
    expect(route({ requestedModel: 'mistral-large' })).toEqual({ candidates: ['mistral-large'], reason: 'model' });
  });

  it('treats a model that names a tier as that tier, deduplicating fallbacks in order', () => {
    expect(route({ requestedModel: 'fast' })).toEqual({
      tier: 'fast',
      candidates: ['gpt-4o-mini', 'claude-haiku-4-5', 'gpt-4o'],
      reason: 'tier-name',
    });
    expect(route({ requestedModel: 'premium' }).candidates).toEqual(['claude-opus-4-1', 'gpt-4o', 'claude-sonnet-4-5']);
  });

  it('lets x-warden-tier win over the body model', () => {
    expect(route({ requestedModel: 'gpt-4o-mini', tierHeader: 'premium' })).toMatchObject({ tier: 'premium', reason: 'tier-header' });
    expect(route({ requestedModel: 'auto', tierHeader: ' Fast ' })).toMatchObject({ tier: 'fast', reason: 'tier-header' });
  });

  it('refuses an unknown tier header and lists the known tiers', () => {
    const error = thrown(() => route({ tierHeader: 'turbo' }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toContain('"turbo"');
    expect(error.message).toContain('fast, balanced, premium');
  });

  it('refuses a missing model', () => {
    expect(thrown(() => route({ requestedModel: ' ' })).code).toBe('invalid_request');
  });
});

describe('routeCall: model "auto" and rules', () => {
  it('matches headers by lowercase name', () => {
    expect(route({ headers: { 'x-team': 'research' } })).toMatchObject({ tier: 'premium', reason: 'rule:0' });
    expect(route({ headers: { 'x-team': 'Research' } }).reason).toBe('default-tier');
  });

  it('needs every condition of a rule: task type among a list and a token ceiling', () => {
    expect(route({ taskType: 'classify', inputTokens: 2000 })).toMatchObject({ tier: 'fast', reason: 'rule:1' });
    expect(route({ taskType: 'classify', inputTokens: 2001 }).reason).toBe('default-tier');
    expect(route({ taskType: 'generative' }).reason).toBe('default-tier');
    expect(route({}).reason).toBe('default-tier');
  });

  it('routes to a rule model with its fallbacks and no tier', () => {
    expect(route({ inputTokens: 50_000 })).toEqual({ candidates: ['gemini-2.5-pro'], reason: 'rule:2' });
  });

  it('matches keywords as whole words, case-insensitively, including ones with symbols', () => {
    expect(route({ lastUserText: 'Please PROVE that it halts' }).reason).toBe('rule:3');
    expect(route({ lastUserText: 'a question about C++ templates' }).reason).toBe('rule:3');
    expect(route({ lastUserText: 'this was proven already' }).reason).toBe('default-tier');
    expect(route({ lastUserText: 'improve it' }).reason).toBe('default-tier');
  });

  it('matches the regex case-insensitively', () => {
    expect(route({ lastUserText: 'Translate this to French' }).reason).toBe('rule:4');
    expect(route({ lastUserText: 'please translate this' }).reason).toBe('default-tier');
  });

  it('takes the first matching rule', () => {
    expect(route({ headers: { 'x-team': 'research' }, taskType: 'classify', lastUserText: 'prove' }).reason).toBe('rule:0');
  });

  it('falls back to routing.defaultTier, and refuses without one', () => {
    expect(route({})).toEqual({ tier: 'balanced', candidates: ['gpt-4o', 'claude-sonnet-4-5'], reason: 'default-tier' });
    const bare = parseConfig({ tiers: { fast: ['gpt-4o-mini'] } });
    const error = thrown(() => routeCall({ config: bare, facts: facts({}) }));
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/^model "auto" needs routing\.defaultTier/);
    expect(error.message).toContain('fast');
  });

  it('compiles each config once and keeps configs apart', () => {
    const other = parseConfig({ tiers: { fast: ['a'], slow: ['b'] }, routing: { defaultTier: 'slow', rules: [{ when: { keywords: ['quick'] }, tier: 'fast' }] } });
    expect(routeCall({ config: other, facts: facts({ lastUserText: 'quick one' }) }).candidates).toEqual(['a']);
    expect(route({ lastUserText: 'quick one' }).reason).toBe('default-tier');
    expect(routeCall({ config: other, facts: facts({ lastUserText: 'quick one' }) }).reason).toBe('rule:0');
  });
});
