import type { WindowBounds } from '../core/budget-window.js';
import type { LedgerRow } from '../core/ledger-event.js';
import type { NanoUsd } from '../core/money.js';

/** Refusal codes that mean a budget (money or calls) capped the call. */
export const budgetCapCodes: ReadonlySet<string> = new Set(['budget_exceeded', 'call_limit_exceeded', 'retry_budget_exhausted']);

/** Spend dimensions the panel charts. */
export type SpendDimension = 'team' | 'model' | 'tier';
export const spendDimensions: readonly SpendDimension[] = ['team', 'model', 'tier'];

/** One calendar day of calls, in the configured zone. */
export interface DayDigest {
  readonly label: string;
  readonly startInMs: number;
  readonly endInMs: number;
  spentInNanoUsd: NanoUsd;
  /** Calls asked for: answered, served from cache, refused or failed upstream (a call counts once). */
  calls: number;
  ok: number;
  cached: number;
  refused: number;
  upstreamErrors: number;
  disconnected: number;
  budgetCapHits: number;
  downgrades: number;
  fallbacks: number;
  retries: number;
  cacheHits: number;
  cacheLookups: number;
  cacheSavedInNanoUsd: NanoUsd;
  readonly tierCalls: Map<string, number>;
  readonly downgradePairs: Map<string, number>;
  readonly refusals: Map<string, number>;
  readonly upstreamErrorCodes: Map<string, number>;
  readonly users: Map<string, { costInNanoUsd: NanoUsd; calls: number }>;
  /** Spend per hour of the day (index: hours since the day started), per `dimension:name`. */
  readonly hourly: Map<string, number[]>;
  /** Shadow decisions (would have refused, clamped, downgraded, denied, held) per `scope|kind`. */
  readonly shadow: Map<string, number>;
  /** Shadow budget decisions per budget line key (data.lineKey). */
  readonly shadowByLine: Map<string, number>;
  readonly securityCounts: Map<string, number>;
  ingest(row: LedgerRow, isNewCall: boolean): void;
}

const hourInMs = 3_600_000;

/** An empty day over the given bounds. */
export function createDayDigest(bounds: Pick<WindowBounds, 'label' | 'startInMs' | 'endInMs'>): DayDigest {
  const hours = Math.max(1, Math.ceil((bounds.endInMs - bounds.startInMs) / hourInMs));
  const count = (map: Map<string, number>, key: string, by = 1): void => {
    map.set(key, (map.get(key) ?? 0) + by);
  };
  const day: DayDigest = {
    label: bounds.label,
    startInMs: bounds.startInMs,
    endInMs: bounds.endInMs,
    spentInNanoUsd: 0,
    calls: 0,
    ok: 0,
    cached: 0,
    refused: 0,
    upstreamErrors: 0,
    disconnected: 0,
    budgetCapHits: 0,
    downgrades: 0,
    fallbacks: 0,
    retries: 0,
    cacheHits: 0,
    cacheLookups: 0,
    cacheSavedInNanoUsd: 0,
    tierCalls: new Map(),
    downgradePairs: new Map(),
    refusals: new Map(),
    upstreamErrorCodes: new Map(),
    users: new Map(),
    hourly: new Map(),
    shadow: new Map(),
    shadowByLine: new Map(),
    securityCounts: new Map(),
    ingest(row, isNewCall) {
      const data = row.data ?? {};
      switch (row.type) {
        case 'reservation-commit':
        case 'reservation-release': {
          day.calls += 1;
          if (row.status === 'ok') day.ok += 1;
          else if (row.status === 'upstream_error') {
            day.upstreamErrors += 1;
            count(day.upstreamErrorCodes, row.errorCode ?? 'upstream_error');
          } else if (row.status === 'client_disconnected') day.disconnected += 1;
          if (row.type === 'reservation-commit') {
            count(day.tierCalls, typeof data.tier === 'string' ? data.tier : 'direct');
            if (data.cache === 'miss') day.cacheLookups += 1;
            addSpend(row, row.costInNanoUsd ?? 0);
          }
          return;
        }
        case 'cache-serve':
          day.calls += 1;
          day.cached += 1;
          day.cacheHits += 1;
          day.cacheLookups += 1;
          day.cacheSavedInNanoUsd += typeof data.savedInNanoUsd === 'number' ? data.savedInNanoUsd : 0;
          return;
        case 'call-refuse': {
          if (isNewCall) day.calls += 1;
          day.refused += 1;
          const code = row.errorCode ?? 'unknown';
          count(day.refusals, code);
          if (budgetCapCodes.has(code)) day.budgetCapHits += 1;
          return;
        }
        case 'call-downgrade':
          day.downgrades += 1;
          count(day.downgradePairs, `${row.requestedModel ?? '?'} → ${row.model ?? '?'}`);
          return;
        case 'call-fallback':
          day.fallbacks += 1;
          return;
        case 'call-retry':
          day.retries += 1;
          return;
        case 'shadow-decide':
          count(day.shadow, `${typeof data.scope === 'string' ? data.scope : '?'}|${typeof data.kind === 'string' ? data.kind : '?'}`);
          if (typeof data.lineKey === 'string') count(day.shadowByLine, data.lineKey);
          return;
        case 'tool-deny':
        case 'sandbox-limit-cross':
          count(day.securityCounts, row.type);
          return;
        case 'loop-detect':
          if (data.resumed !== true) count(day.securityCounts, row.type);
          return;
        default:
          return;
      }
    },
  };
  const addSpend = (row: LedgerRow, costInNanoUsd: NanoUsd): void => {
    if (costInNanoUsd === 0) return;
    day.spentInNanoUsd += costInNanoUsd;
    if (row.user !== undefined) {
      const user = day.users.get(row.user) ?? { costInNanoUsd: 0, calls: 0 };
      user.costInNanoUsd += costInNanoUsd;
      user.calls += 1;
      day.users.set(row.user, user);
    }
    const hour = Math.min(hours - 1, Math.max(0, Math.floor((row.timeInMs - day.startInMs) / hourInMs)));
    const tier = typeof row.data?.tier === 'string' ? row.data.tier : 'direct';
    for (const series of [`team:${row.team ?? '(none)'}`, `model:${row.model ?? '(unknown)'}`, `tier:${tier}`]) {
      let buckets = day.hourly.get(series);
      if (buckets === undefined) {
        buckets = new Array<number>(hours).fill(0);
        day.hourly.set(series, buckets);
      }
      buckets[hour] = (buckets[hour] ?? 0) + costInNanoUsd;
    }
  };
  return day;
}
