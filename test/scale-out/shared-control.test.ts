import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/cli/serve.js';
import { createMockUpstream, type MockUpstream } from '../../src/providers/simulated/index.js';
import { waitFor } from '../e2e/gateway-harness.js';
import { testPostgresUrl } from '../support/postgres-test-server.js';
import { dropRedisNamespace, testRedisUrl, uniqueRedisNamespace } from '../support/redis-test-server.js';

const adminKey = 'shared-admin-key-0123456789';
const namespace = uniqueRedisNamespace('shared');
const postgres = new pg.Pool({ connectionString: testPostgresUrl, max: 1 });
let directory: string;
let mock: MockUpstream;
let gateways: RunningGateway[] = [];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'warden-shared-'));
  mock = await createMockUpstream({ promptCaching: false });
  mock.setBehavior({ inputTokens: 10, outputTokens: 20 });
});
afterEach(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop(0)));
  gateways = [];
});
afterAll(async () => {
  await mock.close();
  await dropRedisNamespace(namespace);
  await postgres.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`);
  await postgres.end();
  rmSync(directory, { recursive: true, force: true });
});

/** Two gateways (in this process) sharing one Redis namespace and one PostgreSQL schema, and a key both accept. */
async function twoReplicas(): Promise<{ key: string; send(gateway: RunningGateway, content?: string): Promise<Response> }> {
  for (const index of [0, 1]) {
    const configPath = join(directory, `replica-${index}.yaml`);
    writeFileSync(
      configPath,
      JSON.stringify({
        server: { sqlitePath: join(directory, `replica-${index}.db`) },
        admin: { key: adminKey, secret: 'shared-secret-0123456789abcdef' },
        providers: { openai: { type: 'openai', baseUrl: `${mock.url}/v1`, apiKey: 'sk-shared' } },
        cache: { enabled: true },
        storage: { budgets: testRedisUrl, ledger: testPostgresUrl, namespace, spoolDirectory: join(directory, `spool-${index}`), replicas: 2 },
        logging: { level: 'silent', requests: false },
      }),
    );
    gateways.push(await startGateway({ configPath, port: 0, host: '127.0.0.1', quiet: true, env: {} }));
  }
  const created = await fetch(`${gateways[0]?.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'agent', team: 'shared' }) });
  const { key } = (await created.json()) as { key: string };
  return {
    key,
    send: (gateway, content = 'Hello') =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], max_tokens: 64 }),
      }),
  };
}

describe('replicas sharing Redis and PostgreSQL', () => {
  it('see a kill switch flipped on another replica, and see it lifted', async () => {
    const { send } = await twoReplicas();
    const [first, second] = gateways as [RunningGateway, RunningGateway];
    expect((await send(second)).status).toBe(200);
    const flipped = await fetch(`${first.url}/admin/kill-switches`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ target: 'team:shared', reason: 'runaway' }) });
    expect(flipped.status).toBeLessThan(300);
    const refusal = await waitFor(async () => {
      const answer = await send(second);
      return answer.status === 403 ? ((await answer.json()) as { error: { code: string } }) : undefined;
    });
    expect(refusal.error.code).toBe('kill_switch');
    const lifted = await fetch(`${first.url}/admin/kill-switches/${encodeURIComponent('team:shared')}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminKey}` } });
    expect(lifted.status).toBeLessThan(300);
    await waitFor(async () => ((await send(second)).status === 200 ? true : undefined));
  });

  it('answer from one response cache: an answer cached by one replica is a hit on the other', async () => {
    const { send } = await twoReplicas();
    const [first, second] = gateways as [RunningGateway, RunningGateway];
    const miss = await send(first, 'cache me');
    expect(miss.headers.get('x-warden-cache')).toBe('miss');
    const body = await miss.text();
    const hit = await waitFor(async () => {
      const answer = await send(second, 'cache me');
      return answer.headers.get('x-warden-cache') === 'hit' ? answer : undefined;
    });
    expect(await hit.text()).toBe(body);
    expect(mock.requests.filter((request) => JSON.stringify(request.body).includes('cache me'))).toHaveLength(1);
  });
});
