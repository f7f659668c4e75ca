import { z } from 'zod';
import { dollarAmount, positiveInteger } from '../core/config-fields.js';

const successRateMessage = 'expected a success rate like 0.9 or "90%": above 0 and at most 1';

/** A success rate written as 0.9 or "90%"; 0 is refused (nothing would ever finish). */
export const successRate = z.union([z.number(), z.string()], { error: successRateMessage }).transform((value, context) => {
  const text = typeof value === 'string' ? value.trim() : undefined;
  const parsed = text === undefined ? value : text.endsWith('%') && text.length > 1 ? Number(text.slice(0, -1)) / 100 : Number.NaN;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0 || parsed > 1) {
    context.addIssue({ code: 'custom', message: `${successRateMessage}, got ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return parsed;
});

/** A dollar amount with a message that says what the amount is for when it is missing or not text or a number. */
function dollars(what: string) {
  return z.union([z.string(), z.number()], { error: `expected ${what} in USD, like "2.50" or 0.02` }).pipe(dollarAmount);
}

/** A fraction of the checkpoint's work that a resumed retry pays again; 0 means checkpoints are free to restore. */
export const resumeCostFraction = z
  .number({ error: 'expected a resume cost fraction like 0.25 (0: restoring a checkpoint is free; 1: it costs the work before it again)' })
  .min(0, { error: 'a resume cost fraction cannot be negative' })
  .max(10, { error: 'a resume cost fraction above 10 is almost certainly a typo; 1 means restoring costs the work before it again' });

export const planStepSchema = z
  .strictObject({
    name: z.string({ error: 'expected a step name like "search"' }).min(1, { error: 'a step needs a name' }),
    successRate,
    /** Every attempt costs this much (USD). */
    costPerAttempt: dollars('the cost of one attempt').optional(),
    /** Observed attempt costs (USD); the simulation draws from them uniformly. */
    attemptCosts: z.array(dollars('an observed attempt cost'), { error: 'expected a list of observed attempt costs in USD, like [0.01, "0.025"]' }).min(1, { error: 'give at least one observed attempt cost' }).optional(),
    resumeCostFraction: resumeCostFraction.optional(),
    maxAttempts: positiveInteger.optional(),
  })
  .refine((step) => (step.costPerAttempt === undefined) !== (step.attemptCosts === undefined), {
    error: 'give exactly one of costPerAttempt (USD per attempt, like "0.02") or attemptCosts (observed attempt costs in USD)',
  });

/** A plan file: the steps of a task in order, and the limits and hand-off shared by all strategies. */
export const planSchema = z
  .strictObject({
    name: z.string().optional(),
    /** Default for steps that leave it out; 0 when absent. */
    resumeCostFraction: resumeCostFraction.optional(),
    /** Default cap for steps that leave maxAttempts out. */
    maxAttemptsPerStep: positiveInteger.optional(),
    maxAttemptsPerTask: positiveInteger.optional(),
    handOff: z
      .strictObject({
        /** What a person's take-over costs (USD). */
        cost: dollars('what a person taking over one task costs'),
        /** Attempts of a failing step before a person takes over; 1 by default. */
        attemptsPerStep: positiveInteger.default(1),
      })
      .optional(),
    steps: z.array(planStepSchema, { error: 'expected steps: a list of { name, successRate, costPerAttempt or attemptCosts }' }).min(1, { error: 'a plan needs at least one step' }),
  })
  .refine((plan) => new Set(plan.steps.map((step) => step.name)).size === plan.steps.length, {
    error: 'step names must differ; rename the repeated one',
    path: ['steps'],
  })
  .refine((plan) => plan.maxAttemptsPerTask === undefined || plan.maxAttemptsPerTask >= plan.steps.length, {
    error: 'maxAttemptsPerTask is below the number of steps, so no task could finish; raise it or leave it out',
    path: ['maxAttemptsPerTask'],
  });

export type PlanInput = z.input<typeof planSchema>;
