import { z } from 'zod';
import { budgetSchema, taskTypeSchema } from './budget-config-schema.js';
import { guardrailsConfigShape } from './guardrails-config-schema.js';
import { sloConfigShape } from './slo-config-schema.js';
import { dollarAmount, positiveInteger, usdPerMillionTokens } from './config-fields.js';
import { gatewayConfigShape } from './gateway-config-schema.js';

function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** A price given in config, in USD per million tokens; it overrides the catalogue. */
export const priceOverrideSchema = z.strictObject({
  input: usdPerMillionTokens,
  output: usdPerMillionTokens,
  cacheRead: usdPerMillionTokens.optional(),
  cacheWrite: usdPerMillionTokens.optional(),
  cacheWriteLong: usdPerMillionTokens.optional(),
  provider: z.string().optional(),
  contextWindowTokens: positiveInteger.optional(),
  maxOutputTokens: positiveInteger.optional(),
});

const retrySchema = z.strictObject({
  maxRetries: z.number().int().min(0).max(10).default(2),
  // Parsed to nano-USD like every amount.
  maxRetryCostUsd: dollarAmount.prefault('1'),
  initialDelayInMs: z.number().int().min(0).default(500),
  maxDelayInMs: z.number().int().min(0).default(8000),
  maxRetryAfterInMs: z.number().int().min(0).default(60_000),
});

const estimationSchema = z.strictObject({
  /** Below this many output tokens a clamped call is not worth sending: refuse instead. */
  minUsefulOutputTokens: positiveInteger.default(64),
  /** Used when neither the request, the config nor the catalogue gives a model's output limit. */
  defaultMaxOutputTokens: positiveInteger.default(4096),
  /** Token bound per image part when a request carries images. */
  tokensPerImage: positiveInteger.default(3000),
  /** How long a reservation is held before it is considered abandoned. */
  leaseInSeconds: positiveInteger.default(600),
});

/** The whole Warden config. Parse it with parseConfig; the result is frozen. */
export const configSchema = z.strictObject({
  /** The org every call belongs to; the root of the scope tree. */
  org: z.string().min(1).default('default'),
  /** Calendar windows (day, week, month) align to this IANA time zone. */
  timeZone: z
    .string()
    .refine(isKnownTimeZone, { error: (issue) => `unknown time zone ${JSON.stringify(issue.input)}; use an IANA name such as "Europe/Berlin" or "UTC"` })
    .default('UTC'),
  prices: z
    .strictObject({
      overrides: z.record(z.string(), priceOverrideSchema).default({}),
      /** Price for models neither the catalogue nor overrides know. Without it they are refused. */
      fallback: priceOverrideSchema.optional(),
    })
    .default({ overrides: {} }),
  budgets: z.array(budgetSchema).default([]),
  taskTypes: z.record(z.string(), taskTypeSchema).default({}),
  /** Cheaper model to switch to at a soft limit, per requested model. */
  downgrades: z.record(z.string(), z.string()).default({}),
  retry: retrySchema.default(() => retrySchema.parse({})),
  estimation: estimationSchema.default(() => estimationSchema.parse({})),
  ...gatewayConfigShape,
  ...guardrailsConfigShape,
  ...sloConfigShape,
}).superRefine((config, context) => {
  const tiers = Object.keys(config.tiers);
  const knownTier = (tier: string | undefined, path: PropertyKey[]): void => {
    if (tier !== undefined && !tiers.includes(tier)) {
      context.addIssue({ code: 'custom', path, message: `unknown tier "${tier}"; define it under tiers (known: ${tiers.join(', ') || 'none'})` });
    }
  };
  knownTier(config.routing.defaultTier, ['routing', 'defaultTier']);
  config.routing.rules.forEach((rule, index) => knownTier(rule.tier, ['routing', 'rules', index, 'tier']));
  config.slos.forEach((slo, index) => {
    if (slo.capPerTask !== undefined && slo.taskType !== undefined && config.taskTypes[slo.taskType] === undefined) {
      context.addIssue({ code: 'custom', path: ['slos', index, 'taskType'], message: `unknown task type "${slo.taskType}"; declare it under taskTypes (an empty {} will do) so its cap per task has a home` });
    }
  });
  const providers = Object.keys(config.providers);
  for (const [model, provider] of Object.entries(config.models)) {
    if (!providers.includes(provider)) {
      context.addIssue({ code: 'custom', path: ['models', model], message: `unknown provider "${provider}"; define it under providers (known: ${providers.join(', ') || 'none'})` });
    }
  }
});

export type WardenConfig = z.output<typeof configSchema>;
export type WardenConfigInput = z.input<typeof configSchema>;
export type PriceOverride = z.output<typeof priceOverrideSchema>;
