import type { WardenConfig } from './config-schema.js';
import type { RoutingConditionConfig } from './gateway-config-schema.js';
import { WardenError } from './warden-error.js';

/** What routing looks at in one request. */
export interface RouteFacts {
  requestedModel: string;
  tierHeader?: string;
  headers: Readonly<Record<string, string | undefined>>;
  taskType?: string;
  inputTokens: number;
  /** text of the last user message */
  lastUserText: string;
}

/** Where a request goes. */
export interface RoutePlan {
  tier?: string;
  /** models to try in order: the first, then fallbacks */
  candidates: string[];
  /** why: 'model', 'tier-header', 'tier-name', 'rule:<index>', 'default-tier' */
  reason: string;
}

type RoutingConfigSlice = Pick<WardenConfig, 'tiers' | 'routing' | 'fallbacks'>;

interface CompiledRule {
  condition: RoutingConditionConfig;
  keywordPattern?: RegExp;
  contentPattern?: RegExp;
  target: { tier: string } | { model: string };
}

const autoModel = 'auto';
const compiledRulesByConfig = new WeakMap<RoutingConfigSlice, CompiledRule[]>();

/**
 * Picks the tier and the ordered models to try for one request: tier header, `model: "auto"`
 * (routing rules, then routing.defaultTier), a tier name, or the model itself, each plus fallbacks.
 * @example routeCall({ config, facts: { requestedModel: 'auto', headers: {}, inputTokens: 120, lastUserText: 'hi' } })
 */
export function routeCall(options: { config: RoutingConfigSlice; facts: RouteFacts }): RoutePlan {
  const { config, facts } = options;
  const tierHeader = facts.tierHeader?.trim().toLowerCase();
  if (tierHeader) {
    if (!hasTier(config, tierHeader)) {
      throw new WardenError(
        'invalid_request',
        `x-warden-tier names unknown tier "${tierHeader}"; use one of: ${knownTiers(config)}, or drop the header.`,
        { details: { tier: tierHeader } },
      );
    }
    return planForTier(config, tierHeader, 'tier-header');
  }
  const model = facts.requestedModel.trim();
  if (model === '') {
    throw new WardenError('invalid_request', 'The request names no model; set "model" to a model, a tier name or "auto".');
  }
  if (model === autoModel) return routeAuto(config, facts);
  if (hasTier(config, model)) return planForTier(config, model, 'tier-name');
  return { candidates: withFallbacks(config, [model]), reason: 'model' };
}

function routeAuto(config: RoutingConfigSlice, facts: RouteFacts): RoutePlan {
  const rules = compiledRulesOf(config);
  for (const [index, rule] of rules.entries()) {
    if (!ruleMatches(rule, facts)) continue;
    const reason = `rule:${index}`;
    if ('tier' in rule.target) return planForTier(config, rule.target.tier, reason);
    return { candidates: withFallbacks(config, [rule.target.model]), reason };
  }
  const defaultTier = config.routing.defaultTier;
  if (defaultTier === undefined) {
    throw new WardenError(
      'invalid_request',
      `model "auto" needs routing.defaultTier in the config (no routing rule matched this request); set it to one of: ${knownTiers(config)}, or send a model name.`,
    );
  }
  return planForTier(config, defaultTier, 'default-tier');
}

function planForTier(config: RoutingConfigSlice, tier: string, reason: string): RoutePlan {
  return { tier, candidates: withFallbacks(config, config.tiers[tier] ?? []), reason };
}

function withFallbacks(config: RoutingConfigSlice, models: readonly string[]): string[] {
  const candidates = new Set<string>();
  for (const model of models) {
    candidates.add(model);
    for (const fallback of ownValue(config.fallbacks, model) ?? []) candidates.add(fallback);
  }
  return [...candidates];
}

function ruleMatches(rule: CompiledRule, facts: RouteFacts): boolean {
  const { condition } = rule;
  if (condition.headers) {
    for (const [name, value] of Object.entries(condition.headers)) {
      if (facts.headers[name.toLowerCase()] !== value) return false;
    }
  }
  if (condition.taskType !== undefined) {
    const allowed = typeof condition.taskType === 'string' ? [condition.taskType] : condition.taskType;
    if (facts.taskType === undefined || !allowed.includes(facts.taskType)) return false;
  }
  if (condition.minInputTokens !== undefined && facts.inputTokens < condition.minInputTokens) return false;
  if (condition.maxInputTokens !== undefined && facts.inputTokens > condition.maxInputTokens) return false;
  if (rule.keywordPattern && !rule.keywordPattern.test(facts.lastUserText)) return false;
  if (rule.contentPattern && !rule.contentPattern.test(facts.lastUserText)) return false;
  return true;
}

function compiledRulesOf(config: RoutingConfigSlice): CompiledRule[] {
  let rules = compiledRulesByConfig.get(config);
  if (!rules) {
    rules = config.routing.rules.map(compileRule);
    compiledRulesByConfig.set(config, rules);
  }
  return rules;
}

function compileRule(rule: RoutingConfigSlice['routing']['rules'][number]): CompiledRule {
  const { keywords, regex } = rule.when;
  return {
    condition: rule.when,
    // Whole words: no letter, digit or underscore may touch the keyword on either side.
    ...(keywords && keywords.length > 0
      ? { keywordPattern: new RegExp(`(?<![\\p{L}\\p{N}_])(?:${keywords.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'iu') }
      : {}),
    ...(regex === undefined ? {} : { contentPattern: new RegExp(regex, 'i') }),
    target: rule.tier !== undefined ? { tier: rule.tier } : { model: rule.model ?? '' },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function hasTier(config: RoutingConfigSlice, name: string): boolean {
  return Object.hasOwn(config.tiers, name);
}

function knownTiers(config: RoutingConfigSlice): string {
  const names = Object.keys(config.tiers);
  return names.length === 0 ? '(no tiers are defined; add them under tiers)' : names.join(', ');
}

function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
