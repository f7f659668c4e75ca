import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KillSwitch } from '../core/control-records.js';
import { parseBudgetSpec } from '../core/parse-budget-spec.js';
import { isWardenError, WardenError } from '../core/warden-error.js';
import { createAdminClient, type AdminKeyRecord } from './admin-client.js';
import { createRecordingOutput } from './cli-output.js';
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from './key-commands.js';
import { killCommand, listKillsCommand, unkillCommand } from './kill-commands.js';
import { runCli } from './run-cli.js';

const adminKey = 'admin-key-0123456789';
const createdAtInMs = Date.parse('2026-11-22T14:05:00Z');

interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

/** A tiny gateway admin API that answers per the contract and records what it was asked. */
function createFakeAdminServer() {
  const requests: RecordedRequest[] = [];
  let keys: AdminKeyRecord[] = [];
  let killSwitches: KillSwitch[] = [];
  let keyCount = 0;

  const send = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const fail = (response: ServerResponse, status: number, code: string, message: string) =>
    send(response, status, { error: { message, type: 'invalid_request_error', code } });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
    const method = request.method ?? 'GET';
    const url = request.url ?? '/';
    requests.push({ method, url, authorization: request.headers.authorization, body });
    if (request.headers.authorization !== `Bearer ${adminKey}`) {
      fail(response, 401, 'unauthorized', 'Invalid admin key. Pass the admin.key from the gateway config.');
      return;
    }
    const revoke = /^\/admin\/keys\/([^/]+)\/revoke$/.exec(url);
    const clear = /^\/admin\/kill-switches\/([^/]+)$/.exec(url);
    if (method === 'POST' && url === '/admin/keys') {
      const input = body as { name?: string; team?: string; models?: string[]; budgets?: string[]; cache?: boolean };
      let budgets;
      try {
        budgets = (input.budgets ?? []).map(parseBudgetSpec);
      } catch (error) {
        if (!isWardenError(error)) throw error;
        fail(response, 400, error.code, error.message);
        return;
      }
      keyCount += 1;
      const record: AdminKeyRecord = {
        id: `key_${String(keyCount).padStart(4, '0')}`,
        prefix: 'wk-AbCdEf…',
        ...(input.name === undefined ? {} : { name: input.name }),
        ...(input.team === undefined ? {} : { team: input.team }),
        ...(input.models === undefined ? {} : { models: input.models }),
        budgets,
        ...(input.cache === undefined ? {} : { cache: input.cache }),
        createdAtInMs,
      };
      keys.push(record);
      send(response, 201, { key: `wk-AbCdEfSecret${keyCount}`, record });
    } else if (method === 'GET' && url === '/admin/keys') {
      send(response, 200, { keys });
    } else if (method === 'POST' && revoke) {
      const id = decodeURIComponent(revoke[1] ?? '');
      const found = keys.find((record) => record.id === id);
      if (!found) return fail(response, 404, 'not_found', `No key with id "${id}". List keys with \`warden keys list\`.`);
      found.revokedAtInMs = createdAtInMs + 60_000;
      send(response, 200, { record: found });
    } else if (method === 'GET' && url === '/admin/kill-switches') {
      send(response, 200, { killSwitches });
    } else if (method === 'POST' && url === '/admin/kill-switches') {
      const input = body as { target: string; reason?: string };
      const killSwitch: KillSwitch = { target: input.target as KillSwitch['target'], reason: input.reason ?? '', by: 'admin', atInMs: createdAtInMs };
      killSwitches = [...killSwitches.filter((existing) => existing.target !== input.target), killSwitch];
      send(response, 201, { killSwitch });
    } else if (method === 'DELETE' && clear) {
      const target = decodeURIComponent(clear[1] ?? '');
      const before = killSwitches.length;
      killSwitches = killSwitches.filter((existing) => existing.target !== target);
      send(response, 200, { cleared: killSwitches.length < before });
    } else {
      fail(response, 404, 'not_found', `No route ${method} ${url}.`);
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => fail(response, 500, 'upstream_error', String(error)));
  });
  return {
    server,
    requests,
    reset() {
      requests.length = 0;
      keys = [];
      killSwitches = [];
      keyCount = 0;
    },
  };
}

const fake = createFakeAdminServer();
let url = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve, reject) => fake.server.close((error) => (error ? reject(error) : resolve())));
});
beforeEach(() => fake.reset());

const client = () => createAdminClient({ url: `${url}/`, adminKey });

async function rejection(promise: Promise<unknown>): Promise<WardenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected a WardenError');
}

describe('createAdminClient', () => {
  it('sends the admin key and the contract bodies, and unwraps the answers', async () => {
    const created = await client().createKey({ name: 'ci', budgets: ['25/day'], models: ['fast'] });
    expect(created.key).toBe('wk-AbCdEfSecret1');
    expect(created.record).toMatchObject({ id: 'key_0001', name: 'ci', budgets: [{ window: 'day', hardInNanoUsd: 25_000_000_000 }] });
    expect(await client().listKeys()).toHaveLength(1);
    expect((await client().revokeKey('key_0001')).revokedAtInMs).toBeDefined();
    expect(await client().setKillSwitch({ target: 'team:research', reason: 'runaway' })).toMatchObject({ target: 'team:research' });
    expect(await client().listKillSwitches()).toHaveLength(1);
    expect(await client().clearKillSwitch('team:research')).toBe(true);
    expect(await client().clearKillSwitch('team:research')).toBe(false);
    expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      'POST /admin/keys',
      'GET /admin/keys',
      'POST /admin/keys/key_0001/revoke',
      'POST /admin/kill-switches',
      'GET /admin/kill-switches',
      'DELETE /admin/kill-switches/team%3Aresearch',
      'DELETE /admin/kill-switches/team%3Aresearch',
    ]);
    expect(fake.requests.every((request) => request.authorization === `Bearer ${adminKey}`)).toBe(true);
    expect(fake.requests[0]?.body).toEqual({ name: 'ci', budgets: ['25/day'], models: ['fast'] });
  });

  it('turns an error body into a WardenError with its message and code', async () => {
    const error = await rejection(client().revokeKey('key_nope'));
    expect(error).toMatchObject({ code: 'not_found', message: 'No key with id "key_nope". List keys with `warden keys list`.' });
    expect(error.details['status']).toBe(404);
    const denied = await rejection(createAdminClient({ url, adminKey: 'wrong' }).listKeys());
    expect(denied).toMatchObject({ code: 'unauthorized', message: expect.stringContaining('Invalid admin key') });
  });

  it('says how to fix an unreachable gateway', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await rejection(createAdminClient({ url: `http://127.0.0.1:${port}`, adminKey }).listKeys());
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain(`Could not reach the Warden gateway at http://127.0.0.1:${port}`);
    expect(error.message).toContain('WARDEN_URL');
  });
});

describe('key commands', () => {
  it('prints the plaintext once with a warning, and the record', async () => {
    const output = createRecordingOutput();
    await createKeyCommand({ client: client(), output, input: { name: 'ci', team: 'research', budgets: ['25/day', '$0.50/hour'], cache: true } });
    const text = output.stdout();
    expect(text).toContain('Created key key_0001.');
    expect(text).toContain('    wk-AbCdEfSecret1\n');
    expect(text).toContain('it will not be shown again');
    expect(text).toContain('budgets  $25/day, $0.50/hour');
    expect(text).toContain('cache    on');
  });

  it('refuses a bad budget before calling the gateway', async () => {
    const error = await rejection(createKeyCommand({ client: client(), output: createRecordingOutput(), input: { budgets: ['25/fortnight'] } }));
    expect(error.message).toContain('expected a budget like "25/day"');
    expect(fake.requests).toEqual([]);
  });

  it('lists keys as a table or JSON, and says when there are none', async () => {
    const empty = createRecordingOutput();
    await listKeysCommand({ client: client(), output: empty });
    expect(empty.stdout()).toMatch(/^No keys yet/);

    await client().createKey({ name: 'ci', team: 'research', budgets: ['25/day'] });
    await client().createKey({ name: 'batch', models: ['gpt-4o-mini', 'fast'] });
    await client().revokeKey('key_0002');
    const table = createRecordingOutput();
    await listKeysCommand({ client: client(), output: table });
    expect(table.stdout().split('\n').slice(0, 3)).toEqual([
      'ID        PREFIX      NAME   TEAM      MODELS            BUDGETS  CACHE  CREATED               STATUS',
      'key_0001  wk-AbCdEf…  ci     research  all               $25/day  off    2026-11-22 14:05 UTC  active',
      'key_0002  wk-AbCdEf…  batch            gpt-4o-mini,fast  none     off    2026-11-22 14:05 UTC  revoked',
    ]);

    const json = createRecordingOutput();
    await listKeysCommand({ client: client(), output: json, json: true });
    expect((JSON.parse(json.stdout()) as AdminKeyRecord[]).map((record) => record.id)).toEqual(['key_0001', 'key_0002']);
  });

  it('revokes a key', async () => {
    await client().createKey({ name: 'ci' });
    const output = createRecordingOutput();
    await revokeKeyCommand({ client: client(), output, id: 'key_0001' });
    expect(output.stdout()).toBe('Revoked key key_0001 (ci) at 2026-11-22 14:06 UTC. Requests with it are now refused.\n');
  });
});

describe('kill commands', () => {
  it('sets, lists and clears kill switches', async () => {
    const output = createRecordingOutput();
    await killCommand({ client: client(), output, target: 'team:research', reason: 'runaway agent' });
    expect(output.stdout()).toContain('Kill switch on for team:research (runaway agent).');
    expect(fake.requests[0]?.body).toEqual({ target: 'team:research', reason: 'runaway agent' });

    const list = createRecordingOutput();
    await listKillsCommand({ client: client(), output: list });
    expect(list.stdout()).toBe('TARGET         REASON         BY     SINCE\nteam:research  runaway agent  admin  2026-11-22 14:05 UTC\n');

    const cleared = createRecordingOutput();
    await unkillCommand({ client: client(), output: cleared, target: 'team:research' });
    await unkillCommand({ client: client(), output: cleared, target: 'team:research', json: true });
    expect(cleared.stdout()).toBe('Kill switch cleared for team:research; calls flow again.\n{"cleared":false}\n');

    const empty = createRecordingOutput();
    await listKillsCommand({ client: client(), output: empty, json: true });
    expect(JSON.parse(empty.stdout())).toEqual([]);
  });
});

describe('runCli against a gateway', () => {
  const run = (argv: string[], env: Record<string, string> = { WARDEN_URL: url, WARDEN_ADMIN_KEY: adminKey }) => {
    const output = createRecordingOutput();
    return runCli({ argv, env, output, serve: async () => undefined }).then((exitCode) => ({ exitCode, output }));
  };

  it('parses repeatable budgets, model lists and flags into the request', async () => {
    const { exitCode, output } = await run(['keys', 'create', '--name', 'ci', '--budget', '25/day', '--budget', '100/month', '--models', 'gpt-4o-mini, fast', '--cache', '--json']);
    expect(exitCode).toBe(0);
    expect(fake.requests[0]?.body).toEqual({ name: 'ci', budgets: ['25/day', '100/month'], models: ['gpt-4o-mini', 'fast'], cache: true });
    expect(JSON.parse(output.stdout())).toMatchObject({ key: 'wk-AbCdEfSecret1', record: { id: 'key_0001' } });
  });

  it('takes --url and --admin-key over the environment', async () => {
    const { exitCode } = await run(['--url', url, 'kills', '--admin-key', adminKey], { WARDEN_URL: 'http://127.0.0.1:1', WARDEN_ADMIN_KEY: 'wrong' });
    expect(exitCode).toBe(0);
    expect(fake.requests[0]?.authorization).toBe(`Bearer ${adminKey}`);
  });

  it('prints the error body message and exits 1 on a non-2xx answer', async () => {
    const { exitCode, output } = await run(['keys', 'revoke', 'key_missing']);
    expect(exitCode).toBe(1);
    expect(output.stderr()).toBe('No key with id "key_missing". List keys with `warden keys list`.\n');
    expect(output.stdout()).toBe('');
  });

  it('asks for the admin key when none is given', async () => {
    const { exitCode, output } = await run(['kill', 'global'], { WARDEN_URL: url });
    expect(exitCode).toBe(1);
    expect(output.stderr()).toContain('set WARDEN_ADMIN_KEY or pass --admin-key');
    expect(fake.requests).toEqual([]);
  });

  it('sends kill and unkill targets', async () => {
    expect((await run(['kill', 'key:key_0001', '--reason', 'leaked'])).exitCode).toBe(0);
    expect((await run(['unkill', 'key:key_0001'])).exitCode).toBe(0);
    expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /admin/kill-switches', 'DELETE /admin/kill-switches/key%3Akey_0001']);
  });
});
