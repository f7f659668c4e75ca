export { createWarden, type CreateWardenOptions, type Task, type TaskOptions, type Warden } from './create-warden.js';
export type { AttributionOptions } from './guarded-method.js';
export type { CallRecord, DowngradeEvent, StageEvent, WardenHooks } from './warden-runtime.js';
export { WardenError, isWardenError, type ErrorCode } from '../core/warden-error.js';
export { parseConfig, type WardenConfig, type WardenConfigInput } from '../core/parse-config.js';
export { formatUsd, nanoToUsdText, parseUsd, type NanoUsd } from '../core/money.js';
export { wardenMiddleware } from './ai-sdk/warden-middleware.js';
export type { Store } from '../core/store.js';
export type { LedgerEvent, LedgerQuery, LedgerRow } from '../core/ledger-event.js';
