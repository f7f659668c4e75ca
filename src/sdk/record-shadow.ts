import type { ToolDecision } from '../core/decide-tool.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import type { WardenRuntime } from './warden-runtime.js';

/** What a budget or policy in mode shadow would have done to a call, had it been enforced. */
export interface ShadowEvent {
  requestId?: string;
  /** refuse and clamp (budgets, loops), downgrade (budgets), deny and hold for approval (tool policy, loop pause). */
  kind: 'refuse' | 'clamp' | 'downgrade' | 'deny' | 'hold';
  policy: 'budget' | 'tool-policy' | 'loop-detection';
  /** Where it is configured, a bounded label: `team:*`, `key:key_1`, `taskType:coding`, `toolPolicies[0].tools[1]`, `loopDetection`. */
  scope: string;
  /** For people: why, with the figures. */
  reason: string;
  /** The figures, for reports: limit, spent, amount, line key, tool, rule. */
  details?: Record<string, unknown>;
}

/**
 * Records a shadow decision as a `shadow-decide` ledger event (never a refusal or denial event,
 * so nothing that counts those counts it) and tells the onShadow hook (the gateway's metrics).
 */
export function recordShadow(runtime: WardenRuntime, event: ShadowEvent, fields: Omit<Partial<LedgerEvent>, 'type' | 'data'> = {}): void {
  runtime.record({
    ...fields,
    type: 'shadow-decide',
    timeInMs: runtime.clock.now(),
    ...(event.requestId === undefined ? {} : { requestId: event.requestId }),
    data: { kind: event.kind, policy: event.policy, scope: event.scope, reason: event.reason, ...event.details },
  });
  runtime.hooks.onShadow?.(event);
}

/**
 * Records what the tool policy's shadow parts would have done to a tool: `deny`, or `hold` for a
 * person's approval; `action` is what enforcement would then have done (refused, stripped, flagged).
 */
export function recordShadowTool(
  runtime: WardenRuntime,
  judged: { requestId?: string; stage: string; tool: string; decision: Exclude<ToolDecision, { kind: 'allow' }>; action: string },
  fields: Omit<Partial<LedgerEvent>, 'type' | 'data'> = {},
): void {
  const { decision } = judged;
  recordShadow(
    runtime,
    {
      ...(judged.requestId === undefined ? {} : { requestId: judged.requestId }),
      kind: decision.kind === 'deny' ? 'deny' : 'hold',
      policy: 'tool-policy',
      scope: decision.rule?.path ?? 'toolPolicies',
      reason: decision.reason,
      details: { stage: judged.stage, tool: judged.tool, action: judged.action },
    },
    fields,
  );
}
