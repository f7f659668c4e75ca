import { request } from 'undici';
import { waitForLedgerRows } from '../load/read-admin-ledger.js';
import { chatRequestBody, requestHeaders, type LoadTarget } from '../load/send-chat-request.js';

// The mock stamps every answer with this fingerprint: a subject that returns it really reached the mock.
const mockFingerprint = '"system_fingerprint":"fp_mock"';

/**
 * Before measuring: every subject answers the bench request with the mock's own answer, and the
 * Warden subjects price and ledger it, with a remaining budget only when budgets are on.
 */
export async function checkSubjectSet(targets: readonly LoadTarget[]): Promise<void> {
  await Promise.all(targets.map(checkTarget));
}

async function checkTarget(target: LoadTarget): Promise<void> {
  const response = await request(`${target.url}/v1/chat/completions`, { method: 'POST', headers: requestHeaders(target), body: chatRequestBody });
  const text = await response.body.text();
  const fail = (problem: string): never => {
    throw new Error(`${target.name} (${target.url}) does not answer the bench request as it should: ${problem}`);
  };
  if (response.statusCode !== 200) fail(`HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
  if (!text.includes(mockFingerprint)) fail(`the answer does not come from the mock (no ${mockFingerprint}): ${text.slice(0, 300)}`);
  if (!target.name.startsWith('warden')) return;
  const header = (name: string): string | undefined => {
    const value = response.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const requestId = header('x-warden-request-id') ?? fail('no x-warden-request-id');
  if (header('x-warden-cost-usd') === undefined) fail('no x-warden-cost-usd: the call was not priced');
  const budgetsOn = target.name === 'warden';
  if (budgetsOn !== (header('x-warden-budget-remaining-usd') !== undefined)) {
    fail(budgetsOn ? 'no x-warden-budget-remaining-usd: budgets are not on' : 'x-warden-budget-remaining-usd present: budgets are not off');
  }
  await waitForLedgerRows({ url: target.url, requestId, ready: (rows) => rows.some((row) => row.type === 'reservation-commit') });
}
