import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingOutput } from '../../src/cli/cli-output.js';
import { runCli } from '../../src/cli/run-cli.js';
import { adminKey } from '../e2e/gateway-harness.js';
import { createHostileHarness, expectErrorBody, wardenTables, type HostileHarness, type TableCounts } from './hostile-support.js';

/**
 * SQL-injection strings in every value a client or an operator can hand Warden: virtual key
 * names and teams, task, user and tag attribution, admin path ids and query filters, report
 * parameters and CLI flags. Each is stored and matched as plain text or refused with a clear
 * 4xx, and the SQLite file keeps every table and row.
 */

const injections = [
  "' OR 1=1 --",
  '"; DROP TABLE ledger; --',
  "x'); DROP TABLE virtual_keys; --",
  '1; DELETE FROM budget_lines',
  "' UNION SELECT hash, hash, hash FROM virtual_keys --",
  "%' OR '%'='",
];

let harness: HostileHarness;
let baseline: TableCounts;

beforeAll(async () => {
  harness = await createHostileHarness();
  const { key } = await harness.client({ team: 'baseline' });
  const answer = await call(key, {});
  expect(answer.status).toBe(200);
  await harness.store.flush();
  baseline = harness.tables();
});
afterAll(async () => harness?.close());

async function admin(method: string, path: string, body?: unknown) {
  const response = await request(`${harness.url}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, text, body: JSON.parse(text) as any };
}

async function call(key: string, headers: Record<string, string>, extra: Record<string, unknown> = {}) {
  const response = await request(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, ...extra }),
  });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

/** Every table is still there and no table lost rows (they only grow in these tests). */
async function expectTablesIntact(): Promise<void> {
  await harness.store.flush();
  const now = harness.tables();
  expect(Object.keys(now)).toEqual(expect.arrayContaining(wardenTables));
  for (const table of wardenTables.filter((name) => name !== 'reservations')) expect(now[table], table).toBeGreaterThanOrEqual(baseline[table] ?? 0);
  expect(harness.integrity()).toBe('ok');
}

describe('SQL injection through the model routes', () => {
  it('refuses an injection string as a virtual key (the key is looked up by its HMAC, never by its text)', async () => {
    for (const text of injections) {
      for (const headers of [{ authorization: `Bearer ${text}` }, { 'x-api-key': text }]) {
        const response = await request(`${harness.url}/v1/messages`, { method: 'POST', headers: { ...headers, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: '{}' });
        expect(response.statusCode).toBe(401);
        expect(expectErrorBody(await response.body.text(), 'anthropic').code).toBe('unauthorized');
      }
    }
    await expectTablesIntact();
  });

  it('charges and records task, parent task, user and tag values as literal text, under keys whose team is an injection string', async () => {
    for (const text of injections) {
      const { key, keyId } = await harness.client({ team: text });
      const tagValue = text.replace(/,/g, ' ');
      const answer = await call(key, { 'x-warden-task': text, 'x-warden-parent-task': `parent ${text}`, 'x-warden-user': text, 'x-warden-tags': `feature=${tagValue}` });
      expect(answer.status, answer.text).toBe(200);
      const rows = (await harness.rows('reservation-commit')).filter((row) => row.requestId === answer.headers['x-warden-request-id']);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ keyId, team: text, taskId: text, parentTaskId: `parent ${text}`, user: text, tags: { feature: tagValue } });
      // The body's own user field takes the same path when no header names one.
      expect((await call(key, {}, { user: text })).status).toBe(200);
      const spent = await harness.state(`user:${text}`);
      expect(spent?.committedInNanoUsd ?? 0).toBeGreaterThan(0);
      expect((await harness.state(`team:${text}`))?.committedInNanoUsd ?? 0).toBeGreaterThan(0);
    }
    await expectTablesIntact();
  });
});

describe('SQL injection through the admin API', () => {
  it('stores key names and teams as given, and answers 404 to injection ids on revoke and approvals', async () => {
    for (const text of injections) {
      const created = await admin('POST', '/admin/keys', { name: text, team: text });
      expect(created.status).toBe(201);
      expect(created.body.record).toMatchObject({ name: text, team: text });
      for (const path of [`/admin/keys/${encodeURIComponent(text)}/revoke`, `/admin/approvals/${encodeURIComponent(text)}/approve`, `/admin/approvals/${encodeURIComponent(text)}/deny`]) {
        const refused = await admin('POST', path, {});
        expect(refused.status, path).toBe(404);
        expect(expectErrorBody(refused.text, 'openai')).toMatchObject({ code: 'not_found', message: expect.stringContaining(text) });
      }
    }
    const listed = await admin('GET', '/admin/keys');
    for (const text of injections) expect(listed.body.keys.filter((record: { name?: string }) => record.name === text)).toHaveLength(1);
    // No key was revoked by a revoke whose id was an injection string.
    expect(listed.body.keys.every((record: { revokedAtInMs?: number }) => record.revokedAtInMs === undefined)).toBe(true);
    await expectTablesIntact();
  });

  it('sets and lifts kill switches on injection-named scopes as plain targets, and refuses targets that are not scopes', async () => {
    for (const text of injections) {
      const set = await admin('POST', '/admin/kill-switches', { target: `team:${text}`, reason: text });
      expect(set.status).toBe(201);
      expect(set.body.killSwitch).toMatchObject({ target: `team:${text}`, reason: text });
      expect((await admin('GET', '/admin/kill-switches')).body.killSwitches).toHaveLength(1);
      const cleared = await admin('DELETE', `/admin/kill-switches/${encodeURIComponent(`team:${text}`)}`);
      expect(cleared.body).toEqual({ cleared: true });
      const refused = await admin('POST', '/admin/kill-switches', { target: text });
      expect(refused.status).toBe(400);
      expect(expectErrorBody(refused.text, 'openai')).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('kill switch target') });
    }
    await expectTablesIntact();
  });

  it('records task outcomes and resumes for injection task ids as literal ids', async () => {
    for (const text of injections) {
      const outcome = await admin('POST', `/admin/tasks/${encodeURIComponent(text)}/outcome`, { outcome: 'failure', note: text });
      expect(outcome.status).toBe(200);
      expect(outcome.body).toEqual({ taskId: text, outcome: 'failure', note: text });
      const resumed = await admin('POST', `/admin/tasks/${encodeURIComponent(text)}/resume`);
      expect(resumed.body).toEqual({ resumed: false });
    }
    await expectTablesIntact();
  });

  it('answers a malformed percent escape in an admin path id with a 400, not a 500', async () => {
    for (const [method, path] of [
      ['POST', '/admin/keys/%E0%A4%A/revoke'],
      ['POST', '/admin/approvals/%ZZ/approve'],
      ['DELETE', '/admin/kill-switches/%ZZ'],
      ['POST', '/admin/tasks/%ZZ/outcome'],
      ['POST', '/admin/tasks/%ZZ/resume'],
    ] as const) {
      const answer = await admin(method, path, method === 'POST' ? { outcome: 'success' } : undefined);
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(400);
      expect(expectErrorBody(answer.text, 'openai')).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('malformed percent escape') });
    }
  });

  it('matches ledger filters literally: an injection task id finds exactly its own rows, never every row', async () => {
    await harness.store.flush();
    const total = (await admin('GET', '/admin/ledger?limit=10000')).body.rows.length;
    expect(total).toBeGreaterThan(injections.length * 2);
    for (const text of injections) {
      const byTask = await admin('GET', `/admin/ledger?taskId=${encodeURIComponent(text)}&limit=10000`);
      expect(byTask.status).toBe(200);
      expect(byTask.body.rows.length).toBeGreaterThan(0);
      expect(byTask.body.rows.length).toBeLessThan(total);
      expect(byTask.body.rows.every((row: { taskId?: string }) => row.taskId === text)).toBe(true);
      for (const filter of ['keyId', 'requestId']) {
        const none = await admin('GET', `/admin/ledger?${filter}=${encodeURIComponent(text)}`);
        expect(none.body, filter).toEqual({ rows: [] });
      }
      for (const filter of ['since', 'after', 'limit']) {
        const refused = await admin('GET', `/admin/ledger?${filter}=${encodeURIComponent(text)}`);
        expect(refused.status, filter).toBe(400);
        expect(expectErrorBody(refused.text, 'openai')).toMatchObject({ code: 'invalid_request', message: expect.stringContaining(`${filter} must be a whole number`) });
      }
      const badType = await admin('GET', `/admin/ledger?type=${encodeURIComponent(text)}`);
      expect(badType.status).toBe(400);
      expect(expectErrorBody(badType.text, 'openai').message).toContain('Unknown ledger type');
    }
    await expectTablesIntact();
  });

  it('refuses report parameters that are not a dimension or a time, and groups by an injection-named tag as plain text', async () => {
    for (const text of injections) {
      const byDimension = await admin('GET', `/admin/reports?by=${encodeURIComponent(text)}`);
      expect(byDimension.status).toBe(400);
      expect(expectErrorBody(byDimension.text, 'openai').message).toContain('is not something reports group by');
      for (const parameter of ['since', 'until']) {
        const badTime = await admin('GET', `/admin/reports?${parameter}=${encodeURIComponent(text)}`);
        expect(badTime.status, parameter).toBe(400);
        expect(expectErrorBody(badTime.text, 'openai').message).toContain('is not a time');
      }
      const extra = await admin('GET', `/admin/reports?${encodeURIComponent(text)}=1`);
      expect(extra.status).toBe(400);
    }
    const byTag = await admin('GET', `/admin/reports?by=${encodeURIComponent("tag:x' OR 1=1 --")}`);
    expect(byTag.status).toBe(200);
    expect(byTag.body.by).toBe("tag:x' OR 1=1 --");
    const byFeature = await admin('GET', '/admin/reports?by=tag:feature&since=1d');
    expect(byFeature.status).toBe(200);
    const features = byFeature.body.groups.map((group: { key: string }) => group.key);
    for (const text of injections) expect(features).toContain(text.replace(/,/g, ' '));
    await expectTablesIntact();
  });
});

describe('SQL injection through the CLI', () => {
  async function cli(argv: string[]) {
    const output = createRecordingOutput();
    const exitCode = await runCli({ argv, env: {}, output, serve: async () => undefined });
    return { exitCode, stdout: output.stdout(), stderr: output.stderr() };
  }

  it('refuses --by, --since and --until values that are not a dimension or a time, reads an injection tag as text, and leaves the file whole', async () => {
    const { key } = await harness.client({ team: 'cli' });
    for (const text of injections) expect((await call(key, { 'x-warden-tags': `feature=${text.replace(/,/g, ' ')}` })).status).toBe(200);
    await harness.store.flush();
    for (const text of injections) {
      const byDimension = await cli(['report', '--db', harness.databasePath, '--by', text]);
      expect(byDimension.exitCode).toBe(1);
      expect(byDimension.stderr).toContain('is not something reports group by');
      for (const flag of ['--since', '--until']) {
        const badTime = await cli(['report', '--db', harness.databasePath, flag, text]);
        expect(badTime.exitCode, flag).toBe(1);
        expect(badTime.stderr).toContain('is not a time');
      }
      const fromLedger = await cli(['plan', '--from-ledger', '--db', harness.databasePath, '--task-types', text.replace(/,/g, ' '), '--samples', '100']);
      expect(fromLedger.exitCode).toBe(1);
      expect(fromLedger.stderr).toContain(`task type "${text.replace(/,/g, ' ')}" has no finished tasks in the window`);
    }
    const byTag = await cli(['report', '--db', harness.databasePath, '--by', 'tag:feature', '--since', '1d', '--format', 'json']);
    expect(byTag.exitCode, byTag.stderr).toBe(0);
    const groups = (JSON.parse(byTag.stdout) as { groups: Array<{ key: string }> }).groups.map((group) => group.key);
    for (const text of injections) expect(groups).toContain(text.replace(/,/g, ' '));
    await expectTablesIntact();
  });
});
