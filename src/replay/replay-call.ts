import type { CallStatus, LedgerEventType, LedgerRow } from '../core/ledger-event.js';
import type { NanoUsd } from '../core/money.js';
import type { Usage } from '../core/usage.js';

/** The ledger rows replay reads: settled calls, live cache hits, and live refusals (counted, not replayed). */
export const replayedLedgerTypes: readonly LedgerEventType[] = ['reservation-commit', 'reservation-release', 'cache-serve', 'call-refuse'];

/** One recorded call, as replay needs it: who, when, which model, what it used and cost. */
export interface ReplayCall {
  sequence: number;
  timeInMs: number;
  requestId?: string;
  org?: string;
  team?: string;
  keyId?: string;
  user?: string;
  tags: Readonly<Record<string, string>>;
  taskId?: string;
  parentTaskId?: string;
  taskType?: string;
  /** What the client asked for: `auto` or a tier name when routing chose the model, else the model. */
  clientModel: string;
  /** True when the live gateway's routing chose the model (clientModel is `auto` or a tier name). */
  routed: boolean;
  /** The model the call was sent to (or, for a live cache hit, answered by). */
  model: string;
  /** The model chosen before a live soft-limit downgrade (for a cache hit, `model`). */
  sentModel: string;
  provider?: string;
  /** The tier it was routed through, and whether that came from the x-warden-tier header. */
  tier?: string;
  tierFromHeader: boolean;
  /** The call moved to a fallback model after its first choice failed: replay keeps that model. */
  fellBack: boolean;
  usage?: Usage;
  /** What the live deployment charged (0 for a cache hit). */
  liveCostInNanoUsd: NanoUsd;
  /** What it cost (or, for a live cache hit, would have cost) at its model upstream. */
  upstreamCostInNanoUsd: NanoUsd;
  liveCached: boolean;
  status: CallStatus;
  requestFingerprint?: string;
}

/**
 * The replayable call of a ledger row, or undefined for rows that are not settled calls
 * (reservation-create left unsettled, refusals, other events).
 */
export function replayCallFromRow(row: LedgerRow): ReplayCall | undefined {
  if (row.type !== 'reservation-commit' && row.type !== 'reservation-release' && row.type !== 'cache-serve') return undefined;
  const data = row.data ?? {};
  const liveCached = row.type === 'cache-serve';
  const liveCostInNanoUsd = row.costInNanoUsd ?? 0;
  const saved = typeof data.savedInNanoUsd === 'number' ? data.savedInNanoUsd : 0;
  const model = row.model ?? row.requestedModel ?? '';
  const routedFrom = typeof data.routedFrom === 'string' ? data.routedFrom : undefined;
  return {
    sequence: row.sequence,
    timeInMs: row.timeInMs,
    ...(row.requestId === undefined ? {} : { requestId: row.requestId }),
    ...(row.org === undefined ? {} : { org: row.org }),
    ...(row.team === undefined ? {} : { team: row.team }),
    ...(row.keyId === undefined ? {} : { keyId: row.keyId }),
    ...(row.user === undefined ? {} : { user: row.user }),
    tags: row.tags ?? {},
    ...(row.taskId === undefined ? {} : { taskId: row.taskId }),
    ...(row.parentTaskId === undefined ? {} : { parentTaskId: row.parentTaskId }),
    ...(row.taskType === undefined ? {} : { taskType: row.taskType }),
    clientModel: routedFrom ?? row.requestedModel ?? model,
    routed: routedFrom !== undefined,
    model,
    sentModel: liveCached ? model : (row.requestedModel ?? model),
    ...(row.provider === undefined ? {} : { provider: row.provider }),
    ...(typeof data.tier === 'string' ? { tier: data.tier } : {}),
    tierFromHeader: data.routeReason === 'tier-header',
    fellBack: typeof data.fallbacks === 'number' && data.fallbacks > 0,
    ...(row.usage === undefined ? {} : { usage: row.usage }),
    liveCostInNanoUsd,
    upstreamCostInNanoUsd: liveCached ? saved : liveCostInNanoUsd,
    liveCached,
    status: row.status ?? (liveCached ? 'cached' : 'ok'),
    ...(row.requestFingerprint === undefined ? {} : { requestFingerprint: row.requestFingerprint }),
  };
}
