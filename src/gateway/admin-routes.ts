import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parseBudgetSpec } from '../core/parse-budget-spec.js';
import { ledgerEventTypes, type LedgerEventType, type LedgerQuery } from '../core/ledger-event.js';
import { WardenError } from '../core/warden-error.js';
import { clearKillSwitch, resumeTask, setKillSwitch } from './admin-actions.js';
import { presentedKey } from './authenticate-client.js';
import { decodePathPart } from './decode-path-part.js';
import type { GatewayContext } from './gateway-context.js';
import { sendJson } from './json-response.js';
import { recordTaskOutcome, sendCostReport } from './admin-report-routes.js';
import { parseKillTarget } from './kill-switches.js';
import { parseJsonObject, readBody } from './read-body.js';
import { sendError } from './send-error.js';
import { publicKeyRecord } from './virtual-keys.js';

const adminBodyLimitInBytes = 64 * 1024;

/**
 * The admin API under /admin: keys, kill switches, approvals, halted tasks, task outcomes, ledger
 * rows, cost reports and upstream health. Only the admin key opens it; a virtual key gets 403.
 */
export async function handleAdminRoute(options: { context: GatewayContext; request: IncomingMessage; response: ServerResponse; path: string; query: URLSearchParams }): Promise<void> {
  const { context, request, response, path } = options;
  const requestId = randomUUID();
  try {
    requireAdmin(context, request);
    const method = request.method ?? 'GET';
    const readJson = async () => parseJsonObject((await readBody(request, adminBodyLimitInBytes)).toString('utf8'));

    if (method === 'POST' && path === '/admin/keys') return await createKey(context, response, await readJson());
    if (method === 'GET' && path === '/admin/keys') return sendJson(response, 200, { keys: (await context.keys.list()).map(publicKeyRecord) });
    const revoke = /^\/admin\/keys\/([^/]+)\/revoke$/.exec(path);
    if (method === 'POST' && revoke) {
      const record = await context.keys.revoke(decodePathPart(revoke[1] as string));
      context.runtime.record({ type: 'key-revoke', timeInMs: context.clock.now(), keyId: record.id, ...(record.team === undefined ? {} : { team: record.team }), data: { by: actorOf(request) } });
      return sendJson(response, 200, { record: publicKeyRecord(record) });
    }
    if (method === 'GET' && path === '/admin/kill-switches') return sendJson(response, 200, { killSwitches: context.killSwitches.list() });
    if (method === 'POST' && path === '/admin/kill-switches') return await sendKillSwitch(context, request, response, await readJson());
    const unkill = /^\/admin\/kill-switches\/(.+)$/.exec(path);
    if (method === 'DELETE' && unkill) {
      const target = parseKillTarget(decodePathPart(unkill[1] as string));
      return sendJson(response, 200, { cleared: await clearKillSwitch(context, { target, by: actorOf(request) }) });
    }
    if (method === 'GET' && path === '/admin/approvals') return sendJson(response, 200, { approvals: await context.approvals.list() });
    const decide = /^\/admin\/approvals\/([^/]+)\/(approve|deny)$/.exec(path);
    if (method === 'POST' && decide) {
      const text = (await readBody(request, adminBodyLimitInBytes)).toString('utf8');
      const body = text.trim() === '' ? {} : parseJsonObject(text);
      const reason = typeof body === 'object' && body !== null && 'reason' in body && typeof body.reason === 'string' ? body.reason : undefined;
      const approval = await context.approvals.decide(decodePathPart(decide[1] as string), { approve: decide[2] === 'approve', by: actorOf(request), ...(reason === undefined ? {} : { reason }) });
      return sendJson(response, 200, { approval });
    }
    const outcome = /^\/admin\/tasks\/(.+)\/outcome$/.exec(path);
    if (method === 'POST' && outcome) return await recordTaskOutcome(context, response, { taskId: decodePathPart(outcome[1] as string), body: await readJson(), by: actorOf(request) });
    if (method === 'GET' && path === '/admin/reports') return await sendCostReport(context, response, options.query);
    const resume = /^\/admin\/tasks\/(.+)\/resume$/.exec(path);
    if (method === 'POST' && resume) {
      const taskId = decodePathPart(resume[1] as string);
      return sendJson(response, 200, { resumed: await resumeTask(context, { taskId, by: actorOf(request) }) });
    }
    if (method === 'GET' && path === '/admin/ledger') return sendJson(response, 200, { rows: await context.store.query(ledgerQuery(options.query)) });
    if (method === 'GET' && path === '/admin/upstreams') {
      return sendJson(response, 200, { upstreams: [...context.upstreams.values()].map((upstream) => ({ name: upstream.name, type: upstream.type, circuit: context.breaker.stateOf(upstream.name) })) });
    }
    throw new WardenError('not_found', `No admin route ${method} ${path}. See docs/gateway.md for the admin API.`);
  } catch (error) {
    sendError({ response, dialect: 'openai', error, requestId });
  }
}

function requireAdmin(context: GatewayContext, request: IncomingMessage): void {
  const presented = presentedKey(request.headers);
  if (presented === undefined) throw new WardenError('unauthorized', 'The admin API needs the admin key: send "Authorization: Bearer <admin key>".');
  if (!context.isAdminKey(presented)) throw new WardenError('forbidden', 'This key may not use the admin API; only the admin key (admin.key in the config, or WARDEN_ADMIN_KEY) may.');
}

/** Who made an admin change, as the ledger records it (the caller may name itself). */
function actorOf(request: IncomingMessage): string {
  const actor = request.headers['x-warden-actor'];
  return typeof actor === 'string' && actor.length > 0 && actor.length <= 64 ? `admin:${actor}` : 'admin';
}

async function createKey(context: GatewayContext, response: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const budgets = arrayOfStrings(body.budgets, 'budgets').map(parseBudgetSpec);
  const models = arrayOfStrings(body.models, 'models');
  const created = await context.keys.create({
    ...optionalString(body, 'name'),
    ...optionalString(body, 'team'),
    ...(models.length === 0 ? {} : { models }),
    budgets,
    ...(typeof body.cache === 'boolean' ? { cache: body.cache } : {}),
  });
  context.runtime.record({ type: 'key-create', timeInMs: context.clock.now(), keyId: created.record.id, ...(created.record.team === undefined ? {} : { team: created.record.team }), data: { prefix: created.record.prefix } });
  sendJson(response, 201, { key: created.plaintext, record: publicKeyRecord(created.record) });
}

async function sendKillSwitch(context: GatewayContext, request: IncomingMessage, response: ServerResponse, body: Record<string, unknown>): Promise<void> {
  const target = parseKillTarget(body.target);
  const reason = typeof body.reason === 'string' ? body.reason : '';
  sendJson(response, 201, { killSwitch: await setKillSwitch(context, { target, reason, by: actorOf(request) }) });
}

const ledgerTypes: ReadonlySet<string> = new Set(ledgerEventTypes);

function ledgerQuery(query: URLSearchParams): LedgerQuery {
  const types = query.getAll('type');
  for (const type of types) {
    if (!ledgerTypes.has(type)) throw new WardenError('invalid_request', `Unknown ledger type "${type}"; use one of ${[...ledgerTypes].join(', ')}.`);
  }
  const number = (name: string): number | undefined => {
    const text = query.get(name);
    if (text === null) return undefined;
    if (!/^\d{1,15}$/.test(text)) throw new WardenError('invalid_request', `Query parameter ${name} must be a whole number, got "${text}".`);
    return Number(text);
  };
  const text = (name: string): string | undefined => query.get(name) ?? undefined;
  const limit = number('limit') ?? 100;
  return {
    ...(types.length === 0 ? {} : { types: types as LedgerEventType[] }),
    ...(text('requestId') === undefined ? {} : { requestId: text('requestId') as string }),
    ...(text('taskId') === undefined ? {} : { taskId: text('taskId') as string }),
    ...(text('keyId') === undefined ? {} : { keyId: text('keyId') as string }),
    ...(number('since') === undefined ? {} : { sinceInMs: number('since') as number }),
    ...(number('after') === undefined ? {} : { afterSequence: number('after') as number }),
    limit: Math.min(limit, 10_000),
  };
}

function arrayOfStrings(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw new WardenError('invalid_request', `"${field}" must be a list of strings, like ["25/day"] or ["gpt-4o-mini"].`);
  }
  return value as string[];
}

function optionalString(body: Record<string, unknown>, field: 'name' | 'team'): { name?: string; team?: string } {
  const value = body[field];
  if (value === undefined) return {};
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) throw new WardenError('invalid_request', `"${field}" must be a non-empty string of at most 128 characters.`);
  return { [field]: value };
}
