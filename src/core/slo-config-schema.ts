import { z } from 'zod';
import { ladderStageSchema } from './budget-config-schema.js';
import { dollarAmount, positiveInteger, scopeSelector } from './config-fields.js';

const defaultStages = [
  { atPercent: 50, actions: ['log' as const] },
  { atPercent: 80, actions: ['notify' as const] },
  { atPercent: 100, actions: ['stop' as const] },
];

/**
 * A cost objective: what a task should cost, what its p95 may reach, a hard cap per task, and a
 * monthly budget with staged alerts. The cap and the monthly budget become ordinary budgets
 * (expandSlos); the target and the p95 bound are watched for sustained overruns.
 * @example { name: 'review', taskType: 'code-review', targetPerTask: '0.40', p95PerTask: '1.50', capPerTask: '5', scope: 'team:platform', monthly: '2000' }
 */
export const sloSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'expected a name of letters, digits, "_", "." or "-" (at most 64)' }),
    /** Whose spend the monthly budget counts (org:…, team:…, key:…, user:…, tag:…, model:…, provider:…); default the org. */
    scope: scopeSelector.optional(),
    /** The task type whose tasks the per-task figures judge; every task when absent. */
    taskType: z.string().min(1).optional(),
    /** Mean cost per task, USD. */
    targetPerTask: dollarAmount.optional(),
    /** Bound on the 95th percentile of cost per task, USD. */
    p95PerTask: dollarAmount.optional(),
    /** Hard cap per task, USD: a task budget every task of the type (or every task) gets. */
    capPerTask: dollarAmount.optional(),
    /** Budget of the scope per calendar month, USD, with `stages`. */
    monthly: dollarAmount.optional(),
    /** Stages of the monthly budget: 50% log, 80% notify, 100% stop unless given. */
    stages: z.array(ladderStageSchema).min(1).default(defaultStages),
    /** An overrun alerts only after this many consecutive minutes over the target or bound. */
    sustainedMinutes: positiveInteger.max(24 * 60).default(5),
    /** The burn-rate projection extrapolates the spend of this many past hours. */
    burnRateHours: positiveInteger.max(24 * 31).default(6),
  })
  .refine((slo) => slo.targetPerTask !== undefined || slo.p95PerTask !== undefined || slo.capPerTask !== undefined || slo.monthly !== undefined, {
    error: 'an SLO needs at least one of targetPerTask, p95PerTask, capPerTask or monthly',
  })
  .refine((slo) => slo.scope === undefined || !slo.scope.endsWith(':*'), {
    error: 'an SLO scope names one scope, like "team:research"; for one SLO per team, write one SLO per team',
    path: ['scope'],
  })
  .refine((slo) => slo.scope === undefined || !slo.scope.startsWith('task:'), {
    error: 'an SLO scope cannot be a task; use capPerTask (with taskType) for a cap on every task',
    path: ['scope'],
  });

const alertKindSchema = z.enum(['budget-stage', 'slo-overrun', 'slo-burn-rate'], { error: 'expected one of budget-stage, slo-overrun, slo-burn-rate' });

/** Where alerts go besides the log, the metrics and the ledger. */
export const alertsSchema = z.strictObject({
  /** Slack-compatible incoming webhooks: each alert is POSTed as `{ "text": …, "warden": {…} }`. */
  webhooks: z
    .array(
      z.strictObject({
        url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL, like a Slack incoming webhook' }),
        /** Only these kinds; every kind when absent. */
        kinds: z.array(alertKindSchema).min(1).optional(),
      }),
    )
    .default([]),
  /** How often SLO overruns and burn rates are judged. */
  evaluateEveryInSeconds: positiveInteger.max(3600).default(15),
});

/** The cost-objective fields of the Warden config, to spread into configSchema. */
export const sloConfigShape = {
  slos: z
    .array(sloSchema)
    .default([])
    .refine((slos) => new Set(slos.map((slo) => slo.name)).size === slos.length, { error: 'two SLOs share a name; names must be unique' }),
  alerts: alertsSchema.default(() => alertsSchema.parse({})),
} as const;

export type SloConfig = z.output<typeof sloSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type AlertKind = z.output<typeof alertKindSchema>;
