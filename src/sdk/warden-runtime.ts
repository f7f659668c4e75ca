import type { Approvals } from './approvals.js';
import type { TaskLoops } from './task-loops.js';
import type { ShadowEvent } from './record-shadow.js';
import type { Clock } from '../core/clock.js';
import type { WardenConfig } from '../core/config-schema.js';
import type { LedgerEvent } from '../core/ledger-event.js';
import type { PriceCatalogue } from '../core/price-catalogue.js';
import type { Store } from '../core/store.js';
import type { LadderStageConfig } from '../core/budget-config-schema.js';
import type { NanoUsd } from '../core/money.js';
import type { ScopeKey } from '../core/scope.js';
import type { WindowCache } from '../core/budget-window.js';

/** A ladder stage reached in a budget's window; fired once per window. */
export interface StageEvent {
  lineKey: string;
  scope: ScopeKey;
  stage: LadderStageConfig;
  limitInNanoUsd: NanoUsd;
  spentInNanoUsd: NanoUsd;
}

/** A model switched to its cheaper configured twin at a soft limit or a downgrade stage. */
export interface DowngradeEvent {
  requestId: string;
  fromModel: string;
  toModel: string;
  scope: ScopeKey;
  reason: 'soft-limit' | 'ladder';
}

/** A settled call, as the ledger records it. */
export type CallRecord = LedgerEvent;

export interface WardenHooks {
  onStage?: (event: StageEvent) => void;
  onDowngrade?: (event: DowngradeEvent) => void;
  onCall?: (record: CallRecord) => void;
  /** A budget or policy in mode shadow would have refused, clamped, downgraded, denied or held a call (and did not). */
  onShadow?: (event: ShadowEvent) => void;
  /** Ledger writes that failed even after the store's retries, and loop observations the store could not take; nothing else may be lost silently. */
  onError?: (error: unknown) => void;
}

/** What every guarded call needs: shared by the client wrappers and the AI SDK middleware. */
export interface WardenRuntime {
  config: Readonly<WardenConfig>;
  store: Store;
  catalogue: PriceCatalogue;
  /** The current calendar windows in the configured zone, so a call does not recompute them. */
  windows: WindowCache;
  clock: Clock;
  newId: () => string;
  random: () => number;
  sleep: (delayInMs: number, signal?: AbortSignal) => Promise<void>;
  hooks: WardenHooks;
  record: (event: LedgerEvent) => void;
  /** Loop and stuck detection per task (off without config.loopDetection), its state in the store. */
  taskLoops: TaskLoops;
  /** Approvals in the store, shared with every process on it and decided there (CLI, admin API, approve hook). */
  approvals: Approvals;
}
