import type { ApprovalRecord } from '../core/approval-record.js';
import type { KillSwitch, VirtualKeyRecord } from '../core/control-records.js';
import { errorCodes, WardenError, type ErrorCode } from '../core/warden-error.js';
import type { CostReport } from '../reports/cost-report.js';

/** A key record as the admin API returns it: everything but the HMAC. */
export type AdminKeyRecord = Omit<VirtualKeyRecord, 'hash'>;

export interface CreateKeyInput {
  name?: string;
  team?: string;
  models?: string[];
  /** Like "25/day"; the gateway parses them. */
  budgets?: string[];
  cache?: boolean;
}

/** A client for a running gateway's /admin API. */
export interface AdminClient {
  createKey(input: CreateKeyInput): Promise<{ key: string; record: AdminKeyRecord }>;
  listKeys(): Promise<AdminKeyRecord[]>;
  revokeKey(id: string): Promise<AdminKeyRecord>;
  listKillSwitches(): Promise<KillSwitch[]>;
  setKillSwitch(input: { target: string; reason?: string }): Promise<KillSwitch>;
  /** True when a switch was on for the target. */
  clearKillSwitch(target: string): Promise<boolean>;
  listApprovals(): Promise<ApprovalRecord[]>;
  decideApproval(id: string, decision: { approve: boolean; reason?: string }): Promise<ApprovalRecord>;
  /** GET /admin/reports: the gateway reads its ledger and reads the times against its own clock. */
  report(parameters: { since?: string; until?: string; by?: string }): Promise<CostReport>;
}

export interface AdminClientOptions {
  /** The gateway's base URL, like http://127.0.0.1:4000. */
  url: string;
  adminKey: string;
  fetch?: typeof globalThis.fetch;
  timeoutInMs?: number;
}

/**
 * Talks to the gateway's admin API with the admin key. Non-2xx answers throw a WardenError carrying
 * the server's message and code.
 * @example const client = createAdminClient({ url: 'http://127.0.0.1:4000', adminKey });
 */
export function createAdminClient(options: AdminClientOptions): AdminClient {
  const { adminKey, fetch = globalThis.fetch, timeoutInMs = 30_000 } = options;
  const baseUrl = options.url.replace(/\/+$/, '');

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutInMs),
      });
    } catch (error) {
      throw new WardenError(
        'upstream_error',
        `Could not reach the Warden gateway at ${baseUrl} (${describeFetchError(error)}). Start it with \`warden serve\`, or point --url / WARDEN_URL at it.`,
        { cause: error },
      );
    }
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) throw errorFromResponse(response.status, parsed, text);
    if (parsed === undefined) {
      throw new WardenError('upstream_error', `${method} ${path} answered ${response.status} with a body that is not JSON; is ${baseUrl} a Warden gateway?`);
    }
    return parsed as T;
  }

  return {
    createKey: (input) => request('POST', '/admin/keys', input),
    listKeys: async () => (await request<{ keys: AdminKeyRecord[] }>('GET', '/admin/keys')).keys,
    revokeKey: async (id) => (await request<{ record: AdminKeyRecord }>('POST', `/admin/keys/${encodeURIComponent(id)}/revoke`)).record,
    listKillSwitches: async () => (await request<{ killSwitches: KillSwitch[] }>('GET', '/admin/kill-switches')).killSwitches,
    setKillSwitch: async (input) => (await request<{ killSwitch: KillSwitch }>('POST', '/admin/kill-switches', input)).killSwitch,
    clearKillSwitch: async (target) =>
      (await request<{ cleared: boolean }>('DELETE', `/admin/kill-switches/${encodeURIComponent(target)}`)).cleared,
    listApprovals: async () => (await request<{ approvals: ApprovalRecord[] }>('GET', '/admin/approvals')).approvals,
    decideApproval: async (id, decision) =>
      (await request<{ approval: ApprovalRecord }>('POST', `/admin/approvals/${encodeURIComponent(id)}/${decision.approve ? 'approve' : 'deny'}`, decision.reason === undefined ? {} : { reason: decision.reason }))
        .approval,
    report: (parameters) => {
      const query = new URLSearchParams(Object.entries(parameters).filter((entry): entry is [string, string] => entry[1] !== undefined));
      return request<CostReport>('GET', `/admin/reports?${query.toString()}`);
    },
  };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function errorFromResponse(status: number, parsed: unknown, text: string): WardenError {
  const body = (parsed as { error?: { message?: unknown; code?: unknown } } | undefined)?.error;
  const serverMessage = typeof body?.message === 'string' ? body.message : undefined;
  const serverCode = typeof body?.code === 'string' ? body.code : undefined;
  const message = serverMessage ?? `The gateway answered HTTP ${status}${text.trim() === '' ? '' : `: ${text.trim().slice(0, 200)}`}`;
  return new WardenError(codeFor(status, serverCode), message, { details: { status, ...(serverCode === undefined ? {} : { serverCode }) } });
}

function codeFor(status: number, serverCode: string | undefined): ErrorCode {
  const known = errorCodes.find((code) => code === serverCode);
  if (known) return known;
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status >= 400 && status < 500) return 'invalid_request';
  return 'upstream_error';
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
