import type { NanoUsd } from '../core/money.js';
import { nanoToUsdText } from '../core/money.js';
import type { AlertKind } from '../core/slo-config-schema.js';
import type { SloFinding } from '../core/slo-evaluator.js';
import type { StageEvent } from './warden-runtime.js';

/** Something an operator should hear about: a budget stage reached, or an SLO breached. */
export interface Alert {
  kind: AlertKind;
  severity: 'info' | 'warning' | 'critical';
  /** One sentence that says what happened and to whom. */
  text: string;
  timeInMs: number;
  /** False for a stage whose only action is log: it stays out of webhooks. */
  notify: boolean;
  data: Record<string, unknown>;
}

/** The alert for a ladder stage (or soft limit) that a commit just crossed. */
export function alertFromStage(event: StageEvent, timeInMs: number): Alert {
  const { actions } = event.stage;
  const percent = Number(((event.spentInNanoUsd * 100) / Math.max(1, event.limitInNanoUsd)).toFixed(1));
  return {
    kind: 'budget-stage',
    severity: actions.includes('stop') ? 'critical' : actions.includes('notify') || actions.includes('downgrade') ? 'warning' : 'info',
    text: `Budget ${event.lineKey} reached ${event.stage.atPercent}% ($${usd(event.spentInNanoUsd)} of $${usd(event.limitInNanoUsd)}, ${percent}%): ${actions.join(', ')}.`,
    timeInMs,
    notify: actions.some((action) => action !== 'log'),
    data: { lineKey: event.lineKey, scope: event.scope, atPercent: event.stage.atPercent, actions: [...actions], limitInNanoUsd: event.limitInNanoUsd, spentInNanoUsd: event.spentInNanoUsd },
  };
}

/** The alert for an SLO the evaluator found breached. */
export function alertFromFinding(finding: SloFinding, timeInMs: number): Alert {
  return { kind: finding.kind, severity: 'warning', text: finding.message, timeInMs, notify: true, data: { slo: finding.slo, ...finding.data } };
}

function usd(amount: NanoUsd): string {
  return nanoToUsdText(amount);
}
