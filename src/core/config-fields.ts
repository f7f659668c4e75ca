import { z } from 'zod';
import { parseUsd } from './money.js';

/** A dollar amount written as "25", "25.50", "$0.002" or a plain number; parsed to nano-USD. */
export const dollarAmount = z.union([z.string(), z.number()]).transform((value, context) => {
  const nano = parseUsd(value);
  if (nano === undefined) {
    context.addIssue({
      code: 'custom',
      message: `expected a dollar amount like "25" or "25.50", got ${JSON.stringify(value)}`,
    });
    return z.NEVER;
  }
  return nano;
});

/** Price of a million tokens in USD, as the providers publish it. */
export const usdPerMillionTokens = z
  .number({ error: 'expected USD per million tokens as a number, like 2.5' })
  .nonnegative({ error: 'a price cannot be negative' })
  .finite();

export const positiveInteger = z.number().int({ error: 'expected a whole number' }).positive({ error: 'expected a number above 0' });

export const percent = z
  .number({ error: 'expected a percentage like 80' })
  .positive({ error: 'expected a percentage above 0' })
  .max(1000, { error: 'a percentage above 1000 is almost certainly a typo' });

export const windowKind = z.enum(['request', 'task', 'hour', 'day', 'week', 'month', 'total'], {
  error: 'expected one of request, task, hour, day, week, month, total',
});

const scopePattern = /^(org|team|key|task|user|tag|model|provider):(.+)$/;

/** `team:research`, `user:*` (each user its own counter), `tag:feature=search`. */
export const scopeSelector = z.string().refine((value) => scopePattern.test(value), {
  error: (issue) =>
    `expected a scope like "team:research", "user:*" or "tag:feature=search" (kinds: org, team, key, task, user, tag, model, provider), got ${JSON.stringify(issue.input)}`,
});

/**
 * enforce (the default when absent): a budget or policy refuses, clamps, downgrades or denies. shadow:
 * it is judged on live traffic and what it would have done is recorded (a `shadow-decide` ledger event
 * and warden_shadow_decisions_total), but nothing is refused, clamped or downgraded.
 */
export const enforcementMode = z.enum(['enforce', 'shadow'], {
  error: 'expected enforce or shadow (shadow: judge live calls and record what would have been refused or downgraded, without refusing anything)',
});

export type EnforcementMode = z.output<typeof enforcementMode>;
