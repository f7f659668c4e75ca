import type { OutgoingHttpHeaders } from 'node:http';
import { nanoToUsdText, type NanoUsd } from '../core/money.js';

/** The `x-warden-*` headers of an answer: its id, the model that answered, cost and budget left. */
export function wardenResponseHeaders(options: {
  requestId: string;
  model?: string;
  costInNanoUsd?: NanoUsd;
  remainingInNanoUsd?: NanoUsd;
  cache: 'hit' | 'miss' | 'off';
}): OutgoingHttpHeaders {
  return {
    'x-warden-request-id': options.requestId,
    ...(options.model === undefined ? {} : { 'x-warden-model': options.model }),
    ...(options.costInNanoUsd === undefined ? {} : { 'x-warden-cost-usd': nanoToUsdText(options.costInNanoUsd) }),
    ...(options.remainingInNanoUsd === undefined ? {} : { 'x-warden-budget-remaining-usd': nanoToUsdText(options.remainingInNanoUsd) }),
    'x-warden-cache': options.cache,
  };
}
