import type { ErrorCode } from '../core/warden-error.js';

/**
 * The HTTP status of each error code. Refusals use statuses the official SDKs never retry
 * (no 408, 409, 429 or 5xx), so a refused call is not sent again behind the caller's back.
 */
export const statusForCode = {
  budget_exceeded: 402,
  call_limit_exceeded: 402,
  retry_budget_exhausted: 402,
  price_unknown: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  model_not_allowed: 403,
  kill_switch: 403,
  tool_not_allowed: 403,
  loop_detected: 422,
  // Locked: the task waits for a person's decision; the agent retries once it is approved.
  approval_pending: 423,
  not_found: 404,
  payload_too_large: 413,
  invalid_config: 500,
  reservation_not_found: 500,
  upstream_error: 502,
  store_unavailable: 503,
  // The replica is stopping: another (or this one, restarted) will answer a retry.
  shutting_down: 503,
  upstream_timeout: 504,
} satisfies Record<ErrorCode, number>;
