import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminKey } from '../e2e/gateway-harness.js';
import { createHostileHarness, expectErrorBody, type HostileHarness } from './hostile-support.js';

/**
 * Who may reach what. A virtual key opens the model routes and its own model list, nothing else:
 * every /admin route and /metrics answer it 401/403 without data or side effects; a viewer of the
 * control panel may look but not act; and one team's key never sees another team's spend.
 */

const viewerKey = 'hostile-viewer-key-0123456789';
let harness: HostileHarness;
let alpha: { key: string; keyId: string };
let beta: { key: string; keyId: string };

beforeAll(async () => {
  harness = await createHostileHarness({
    config: {
      admin: { viewerKeys: [{ name: 'wall-screen', key: viewerKey }] },
      budgets: [
        { scope: 'team:alpha', window: 'day', hard: '1' },
        { scope: 'team:beta', window: 'day', hard: '1' },
      ],
    },
  });
  alpha = await harness.client({ team: 'alpha', models: ['gpt-4o-mini'], budgets: [{ window: 'day', hardInNanoUsd: 2_000_000_000 }] });
  beta = await harness.client({ team: 'beta', models: ['gpt-4o-mini', 'claude-haiku-4-5'], budgets: [{ window: 'day', hardInNanoUsd: 3_000_000_000 }] });
});
afterAll(async () => harness?.close());

async function send(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const response = await request(`${harness.url}${path}`, {
    method: method as 'GET',
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

const adminRoutes: ReadonlyArray<[string, string, unknown?]> = [
  ['GET', '/admin'],
  ['GET', '/admin/keys'],
  ['POST', '/admin/keys', { name: 'backdoor', team: 'alpha' }],
  ['POST', '/admin/keys/KEY/revoke'],
  ['GET', '/admin/kill-switches'],
  ['POST', '/admin/kill-switches', { target: 'team:beta', reason: 'sabotage' }],
  ['DELETE', '/admin/kill-switches/global'],
  ['GET', '/admin/approvals'],
  ['POST', '/admin/approvals/APPROVAL/approve', {}],
  ['POST', '/admin/approvals/APPROVAL/deny', {}],
  ['POST', '/admin/tasks/t-1/outcome', { outcome: 'success' }],
  ['POST', '/admin/tasks/t-1/resume'],
  ['GET', '/admin/reports?by=team'],
  ['GET', '/admin/ledger?limit=10000'],
  ['GET', '/admin/upstreams'],
  ['GET', '/metrics'],
];

describe('virtual keys and the admin surface', () => {
  it('answers every /admin route and /metrics with 401 or 403 to a virtual key, a viewer key, a provider key or none, and changes nothing', async () => {
    const approval = await harness.gateway.context.approvals.request({ tool: 'deploy', argumentsJson: '{}', reason: 'test', keyId: beta.keyId, team: 'beta' });
    const keysBefore = (await harness.gateway.context.keys.list()).length;
    const credentials: Array<[string, Record<string, string>, number]> = [
      ['virtual key (Bearer)', { authorization: `Bearer ${alpha.key}` }, 403],
      ['virtual key (x-api-key)', { 'x-api-key': beta.key }, 403],
      ['viewer key', { authorization: `Bearer ${viewerKey}` }, 403],
      ['provider key', { authorization: 'Bearer sk-provider-openai-SECRET-1234' }, 403],
      ['admin key with a suffix', { authorization: `Bearer ${adminKey}x` }, 403],
      ['admin key as Basic', { authorization: `Basic ${Buffer.from(`admin:${adminKey}`).toString('base64')}` }, 401],
      ['nothing', {}, 401],
    ];
    for (const [who, headers, status] of credentials) {
      for (const [method, template, body] of adminRoutes) {
        const path = template.replace('KEY', beta.keyId).replace('APPROVAL', approval.id);
        const answer = await send(method, path, headers, body);
        expect(answer.status, `${who}: ${method} ${path}`).toBe(status);
        expect(expectErrorBody(answer.text, 'openai').code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
        for (const secretOrData of [beta.keyId, alpha.keyId, 'warden_', 'reservation-', approval.id]) expect(answer.text).not.toContain(secretOrData);
      }
    }
    expect((await harness.gateway.context.keys.list()).length).toBe(keysBefore);
    expect((await harness.gateway.context.keys.list()).every((record) => record.revokedAtInMs === undefined)).toBe(true);
    await harness.gateway.context.killSwitches.refresh();
    expect(harness.gateway.context.killSwitches.list()).toEqual([]);
    expect((await harness.gateway.context.approvals.list()).find((record) => record.id === approval.id)?.status).toBe('pending');
    expect(await harness.rows('task-finish')).toEqual([]);
  });

  it('opens the control panel to none of them: the state, the event stream and every action need a panel session', async () => {
    const attempts: Array<Record<string, string>> = [{ authorization: `Bearer ${alpha.key}` }, { authorization: `Bearer ${adminKey}` }, { cookie: `warden_session=${alpha.key}` }];
    for (const headers of attempts) {
      expect((await send('GET', '/ui/api/state', headers)).status).toBe(401);
      expect((await send('GET', '/ui/api/events', headers)).status).toBe(401);
      const action = await send('POST', '/ui/api/kill-switches', { ...headers, origin: harness.url }, { target: 'global' });
      expect(action.status).toBe(401);
    }
    const login = await send('POST', '/ui/login', { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' });
    expect(login.status).toBe(401);
    const withVirtualKey = await request(`${harness.url}/ui/login`, { method: 'POST', headers: { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${encodeURIComponent(alpha.key)}` });
    expect(withVirtualKey.statusCode).toBe(401);
    expect(withVirtualKey.headers['set-cookie']).toBeUndefined();
    await withVirtualKey.body.text();
  });

  it('lets a viewer session read the panel but refuses every state-changing action, even with the CSRF token and the right origin', async () => {
    const login = await request(`${harness.url}/ui/login`, { method: 'POST', headers: { origin: harness.url, 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${viewerKey}` });
    expect(login.statusCode).toBe(303);
    await login.body.text();
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((cookie) => cookie.split(';')[0] as string);
    const csrf = cookies.find((cookie) => cookie.startsWith('warden_csrf='))?.slice('warden_csrf='.length) ?? '';
    expect(csrf).not.toBe('');
    const session = { cookie: cookies.join('; '), origin: harness.url, 'x-warden-csrf': csrf };
    const state = await send('GET', '/ui/api/state', session);
    expect(state.status).toBe(200);
    expect(JSON.parse(state.text).session).toEqual({ role: 'viewer', name: 'wall-screen' });

    const approval = await harness.gateway.context.approvals.request({ tool: 'migrate', argumentsJson: '{"db":"prod"}', reason: 'test', keyId: beta.keyId, team: 'beta' });
    await harness.gateway.context.killSwitches.set({ target: 'team:beta', reason: 'by admin', by: 'admin' });
    for (const [path, body] of [
      ['/ui/api/kill-switches', { target: 'global', reason: 'viewer' }],
      ['/ui/api/kill-switches/clear', { target: 'team:beta' }],
      [`/ui/api/approvals/${approval.id}/approve`, {}],
      [`/ui/api/approvals/${approval.id}/deny`, {}],
      ['/ui/api/tasks/t-1/resume', {}],
    ] as const) {
      const answer = await send('POST', path, session, body);
      expect(answer.status, path).toBe(403);
      expect(expectErrorBody(answer.text, 'openai').message).toContain('viewer');
    }
    await harness.gateway.context.killSwitches.refresh();
    expect(harness.gateway.context.killSwitches.list().map((killSwitch) => killSwitch.target)).toEqual(['team:beta']);
    expect((await harness.gateway.context.approvals.list()).find((record) => record.id === approval.id)?.status).toBe('pending');
    await harness.gateway.context.killSwitches.clear('team:beta');
    await harness.gateway.context.killSwitches.refresh();
  });
});

describe('one team’s key and another team’s spend', () => {
  const chat = (key: string, headers: Record<string, string> = {}, model = 'gpt-4o-mini') =>
    send('POST', '/v1/chat/completions', { authorization: `Bearer ${key}`, ...headers }, { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 40 });

  it('shows a key only its own budgets in x-warden-budget-remaining-usd: the other team spending does not move it', async () => {
    const first = await chat(alpha.key);
    expect(first.status).toBe(200);
    const alphaRemaining = Number(first.headers['x-warden-budget-remaining-usd']);
    const alphaCost = Number(first.headers['x-warden-cost-usd']);
    expect(alphaRemaining).toBeCloseTo(1 - alphaCost, 9);
    // Beta spends a lot more than alpha, on its own team, key and a shared model.
    for (let index = 0; index < 5; index += 1) expect((await chat(beta.key)).status).toBe(200);
    const betaState = await harness.state('team:beta');
    expect(betaState?.committedInNanoUsd ?? 0).toBeGreaterThan(4 * alphaCost * 1e9);
    const second = await chat(alpha.key);
    expect(second.status).toBe(200);
    // Alpha's tightest budget fell by alpha's own cost only.
    expect(Number(second.headers['x-warden-budget-remaining-usd'])).toBeCloseTo(alphaRemaining - Number(second.headers['x-warden-cost-usd']), 9);
    expect(Number(second.headers['x-warden-budget-remaining-usd'])).not.toBeCloseTo(1 - (betaState?.committedInNanoUsd ?? 0) / 1e9, 6);
  });

  it('does not let alpha charge or read beta’s team through tags, and keeps refusals to alpha about alpha’s own budgets', async () => {
    const before = (await harness.state('team:beta'))?.committedInNanoUsd ?? 0;
    const tagged = await chat(alpha.key, { 'x-warden-tags': 'team=beta,key=' + beta.keyId });
    expect(tagged.status).toBe(200);
    await harness.store.flush();
    expect((await harness.state('team:beta'))?.committedInNanoUsd ?? 0).toBe(before);
    const broke = await harness.client({ team: 'alpha', budgets: [{ window: 'day', hardInNanoUsd: 1 }] });
    const refused = await chat(broke.key);
    expect(refused.status).toBe(402);
    expect(expectErrorBody(refused.text, 'openai').message).toContain(`key:${broke.keyId}`);
    expect(refused.text).not.toContain('beta');
    expect(refused.text).not.toContain(beta.keyId);
  });

  it('lists to a key only its own models, and refuses a model outside them without naming another key’s', async () => {
    const models = await send('GET', '/v1/models', { authorization: `Bearer ${alpha.key}` });
    expect(JSON.parse(models.text).data.map((model: { id: string }) => model.id)).toEqual(['gpt-4o-mini']);
    const refused = await chat(alpha.key, {}, 'claude-haiku-4-5');
    expect(refused.status).toBe(403);
    expect(expectErrorBody(refused.text, 'openai').code).toBe('model_not_allowed');
    expect(refused.text).not.toContain(beta.keyId);
  });
});
