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
    ...(options.model === undefined ? {} : { 'x-warden-model': headerText(options.model) }),
    ...(options.costInNanoUsd === undefined ? {} : { 'x-warden-cost-usd': nanoToUsdText(options.costInNanoUsd) }),
    ...(options.remainingInNanoUsd === undefined ? {} : { 'x-warden-budget-remaining-usd': nanoToUsdText(options.remainingInNanoUsd) }),
    'x-warden-cache': options.cache,
  };
}

/**
 * The model name comes from the client's body and the price catalogue matches it by prefix, so it
 * may hold CR/LF or characters a header cannot carry (writeHead would throw after the call was
 * made): such a name is sent percent-encoded.
 */
function headerText(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text);
}
