import { request } from 'undici';
import type { LedgerRow } from '../../src/core/ledger-event.js';
import { benchAdminKey } from '../subjects/subject-names.js';

/** Rows of a Warden subject's ledger through its admin API (`GET /admin/ledger`). */
export async function readAdminLedger(options: { url: string; types?: readonly LedgerRow['type'][]; requestId?: string; limit?: number }): Promise<LedgerRow[]> {
  const query = new URLSearchParams();
  for (const type of options.types ?? []) query.append('type', type);
  if (options.requestId !== undefined) query.set('requestId', options.requestId);
  query.set('limit', String(options.limit ?? 10_000));
  const response = await request(`${options.url}/admin/ledger?${query}`, { headers: { authorization: `Bearer ${benchAdminKey}` } });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET /admin/ledger answered ${response.statusCode}: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { rows: LedgerRow[] }).rows;
}

/**
 * Polls the ledger until `ready` accepts its rows: the SQLite store writes the ledger in batches
 * (every 50 ms), so the rows of a call that just ended may not be there yet.
 */
export async function waitForLedgerRows(options: Parameters<typeof readAdminLedger>[0] & { ready: (rows: LedgerRow[]) => boolean; timeoutInMs?: number }): Promise<LedgerRow[]> {
  const deadline = Date.now() + (options.timeoutInMs ?? 5_000);
  for (;;) {
    const rows = await readAdminLedger(options);
    if (options.ready(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`The ledger at ${options.url} did not show the expected rows within ${options.timeoutInMs ?? 5_000} ms (it has ${rows.length}).`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
