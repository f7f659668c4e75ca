import type { WardenConfigInput } from '../core/config-schema.js';

/**
 * What `warden serve` runs with no config: the built-in simulated provider (no keys needed),
 * a few tiers and a budget, so every feature can be tried from the first minute.
 */
export const demoConfig: WardenConfigInput = {
  providers: { simulated: { type: 'simulated', latencyInMs: 150, chunkIntervalInMs: 15 } },
  tiers: {
    fast: ['gpt-4o-mini', 'claude-haiku-4-5'],
    balanced: ['gpt-5-mini', 'claude-sonnet-4-5'],
  },
  routing: {
    defaultTier: 'fast',
    rules: [{ when: { keywords: ['prove', 'analyse', 'analyze', 'design'] }, tier: 'balanced' }],
  },
  fallbacks: { 'gpt-5-mini': ['claude-sonnet-4-5'] },
  budgets: [{ scope: 'org:default', window: 'day', hard: '5', ladder: [{ atPercent: 80, actions: ['log'] }] }],
  cache: { enabled: true, ttlInSeconds: 300 },
};
