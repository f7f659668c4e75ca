import { budgetLineKey } from '../core/budget-window.js';
import type { NanoUsd } from '../core/money.js';
import { scopeKey } from '../core/scope.js';
import type { ScopeKey } from '../core/scope.js';
import { createSloEvaluator } from '../core/slo-evaluator.js';
import { alertFromFinding, type Alert } from './alert.js';
import type { WardenRuntime } from './warden-runtime.js';

/** A running SLO watch; each tick reads the ledger's new charges and judges the SLOs. */
export interface SloWatch {
  /** One round now: read, judge, claim and send. Rounds never overlap. */
  tick(): Promise<void>;
  stop(): void;
}

const pageSize = 5_000;
const minuteInMs = 60_000;
const hourInMs = 3_600_000;

/**
 * Watches the config's SLOs over the ledger (the shared one, with several replicas), so every
 * replica judges the same charges; a finding's one-time mark in the budget store makes exactly
 * one replica announce it (alert and `slo-breach` ledger row). Undefined when no SLO has a
 * target, a p95 bound or a monthly budget to watch.
 */
export function watchSlos(options: { runtime: WardenRuntime; send: (alert: Alert) => void; onError: (error: unknown) => void; intervalInMs?: number }): SloWatch | undefined {
  const { runtime, send, onError } = options;
  const { config, store, clock } = runtime;
  const slos = config.slos.filter((slo) => slo.targetPerTask !== undefined || slo.p95PerTask !== undefined || slo.monthly !== undefined);
  if (slos.length === 0) return undefined;
  const evaluator = createSloEvaluator({ slos, org: config.org, timeZone: config.timeZone });
  const lookbackInMs = Math.max(...slos.map((slo) => Math.max(slo.burnRateHours * hourInMs, (slo.sustainedMinutes + 2) * minuteInMs)));
  let afterSequence: number | undefined;
  let running: Promise<void> | undefined;

  const readCharges = async (): Promise<void> => {
    for (;;) {
      const rows = await store.query({ types: ['reservation-commit'], ...(afterSequence === undefined ? { sinceInMs: clock.now() - lookbackInMs } : { afterSequence }), limit: pageSize });
      for (const row of rows) {
        if (row.costInNanoUsd === undefined) continue;
        evaluator.observe({
          timeInMs: row.timeInMs,
          costInNanoUsd: row.costInNanoUsd,
          ...pick(row, ['taskId', 'taskType', 'org', 'team', 'keyId', 'user', 'model', 'provider', 'tags']),
        });
      }
      afterSequence = rows.at(-1)?.sequence ?? afterSequence;
      if (rows.length < pageSize) return;
    }
  };

  const monthToDate = async (nowInMs: number): Promise<Map<string, NanoUsd>> => {
    const month = runtime.windows.boundsAt('month', nowInMs);
    const keys = new Map<string, string>();
    for (const slo of slos) if (slo.monthly !== undefined) keys.set(slo.name, budgetLineKey((slo.scope as ScopeKey | undefined) ?? scopeKey('org', config.org), month));
    const states = keys.size === 0 ? [] : await store.snapshot([...new Set(keys.values())]);
    const spent = new Map<string, NanoUsd>();
    for (const [name, key] of keys) spent.set(name, states.find((state) => state.key === key)?.committedInNanoUsd ?? 0);
    return spent;
  };

  const round = async (): Promise<void> => {
    await readCharges();
    const nowInMs = clock.now();
    for (const finding of evaluator.evaluate({ nowInMs, monthToDate: await monthToDate(nowInMs) })) {
      if (!(await store.claimMark(finding.markKey, finding.markExpiresAtInMs))) continue;
      runtime.record({ type: 'slo-breach', timeInMs: nowInMs, data: { slo: finding.slo, kind: finding.kind, message: finding.message, ...finding.data } });
      send(alertFromFinding(finding, nowInMs));
    }
  };

  const tick = (): Promise<void> => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    tick().catch(onError);
  }, options.intervalInMs ?? config.alerts.evaluateEveryInSeconds * 1000);
  timer.unref();
  return {
    tick,
    stop: () => clearInterval(timer),
  };
}

function pick<Row extends object, Key extends keyof Row>(row: Row, keys: readonly Key[]): Partial<Pick<Row, Key>> {
  const picked: Partial<Pick<Row, Key>> = {};
  for (const key of keys) if (row[key] !== undefined) picked[key] = row[key];
  return picked;
}
