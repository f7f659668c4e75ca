import { z } from 'zod';
import { dollarAmount, enforcementMode, percent, positiveInteger, scopeSelector, windowKind } from './config-fields.js';

export const ladderAction = z.enum(['log', 'notify', 'downgrade', 'stop'], {
  error: 'expected one of log, notify, downgrade, stop',
});

export const ladderStageSchema = z.strictObject({
  atPercent: percent,
  actions: z.array(ladderAction).min(1, { error: 'a stage needs at least one action' }),
});

/** Limits that can sit on any scope or task type. */
export const limitsSchema = z.strictObject({
  /** Refuse (or clamp max_tokens) past this amount. */
  hard: dollarAmount.optional(),
  /** Past this amount, downgrade to the configured cheaper model and alert. */
  soft: dollarAmount.optional(),
  /** Maximum number of LLM calls in the window. */
  calls: positiveInteger.optional(),
  /** Clamp max_tokens to what is left instead of refusing when the full request does not fit. */
  clamp: z.boolean().default(true),
  ladder: z.array(ladderStageSchema).default([]),
  /** When the shared budget store is down: refuse (fail-closed) or spend up to this replica's share (local-allowance). Default: storage.onBudgetStoreDown. */
  onStoreDown: z.enum(['fail-closed', 'local-allowance'], { error: 'expected fail-closed or local-allowance' }).optional(),
  /** shadow: spend is counted and would-refuse / would-downgrade recorded, nothing refused or changed. Absent: enforce. */
  mode: enforcementMode.optional(),
});

export const budgetSchema = limitsSchema
  .extend({
    scope: scopeSelector,
    window: windowKind.default('total'),
  })
  .strict()
  .refine((budget) => budget.hard !== undefined || budget.soft !== undefined || budget.calls !== undefined, {
    error: 'a budget needs at least one of hard, soft or calls',
  })
  .refine((budget) => budget.window !== 'task' || budget.scope.startsWith('task:'), {
    error: 'the "task" window only fits task scopes (task:*); use hour, day, week, month or total here',
    path: ['window'],
  })
  .refine((budget) => budget.hard === undefined || budget.soft === undefined || budget.soft <= budget.hard, {
    error: 'soft must not be above hard (soft is the early warning, hard the cap)',
    path: ['soft'],
  });

export const taskTypeSchema = z.strictObject({
  /** Default limits for every task of this type, over the task's lifetime. */
  budget: limitsSchema.optional(),
  /** LLM calls one task of this type may make (its sub-tasks' calls count too); the same as budget.calls. */
  maxLlmCalls: positiveInteger.optional(),
  /** Tool calls the model may make in one task of this type (its sub-tasks' count too), counted in the answers. */
  maxToolCalls: positiveInteger.optional(),
  /** How long one task of this type may run, from its first call. */
  maxWallClockSeconds: positiveInteger.optional(),
  /** Once a task of this type has spent this much (USD), its next call waits for a person's approval to go on. */
  approveSpendAbove: dollarAmount.optional(),
  /** Cheaper model to switch to at the soft limit, per requested model. */
  downgrades: z.record(z.string(), z.string()).default({}),
});

export type LimitsConfig = z.output<typeof limitsSchema>;
export type BudgetConfig = z.output<typeof budgetSchema>;
export type LadderStageConfig = z.output<typeof ladderStageSchema>;
export type TaskTypeConfig = z.output<typeof taskTypeSchema>;
