import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../../src/cli/serve.js';

let running: RunningGateway | undefined;
let directory: string | undefined;
afterEach(async () => {
  await running?.stop(0);
  running = undefined;
  if (directory) rmSync(directory, { recursive: true, force: true });
});

/** Logs in to /ui as a form would; the session cookie header, or the status when refused. */
async function login(url: string, key: string): Promise<{ status: number; cookie: string }> {
  const response = await fetch(`${url}/ui/login`, { method: 'POST', redirect: 'manual', headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ key }).toString() });
  return { status: response.status, cookie: response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]).join('; ') };
}

describe('warden serve: the control panel', () => {
  it('opens to the admin key and to WARDEN_VIEWER_KEY, and shows the demo key’s spend from the SQLite ledger', async () => {
    directory = mkdtempSync(join(tmpdir(), 'warden-panel-'));
    running = await startGateway({ port: 0, sqlitePath: join(directory, 'warden.db'), quiet: true, env: { WARDEN_VIEWER_KEY: 'viewer-from-the-environment' } });
    const answer = await fetch(`${running.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${running.demoKey}`, 'content-type': 'application/json', 'x-warden-task': 'hello-task' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(answer.status).toBe(200);
    const cost = Math.round(Number(answer.headers.get('x-warden-cost-usd')) * 1e9);

    const viewer = await login(running.url, 'viewer-from-the-environment');
    expect(viewer.status).toBe(303);
    const operator = await login(running.url, running.adminKey as string);
    expect(operator.status).toBe(303);
    expect((await login(running.url, 'not-the-viewer-key-at-all')).status).toBe(401);

    await new Promise((resolve) => setTimeout(resolve, 100));
    const state = (await (await fetch(`${running.url}/ui/api/state`, { headers: { cookie: viewer.cookie } })).json()) as {
      session: { role: string; name: string };
      state: { spend: { byTeam: Array<{ team: string; costInNanoUsd: number }> }; fleet: { tasks: Array<{ id: string; costInNanoUsd: number }> } };
    };
    expect(state.session).toEqual({ role: 'viewer', name: 'viewer' });
    expect(state.state.spend.byTeam).toEqual([{ team: 'demo', costInNanoUsd: cost }]);
    expect(state.state.fleet.tasks.map((task) => [task.id, task.costInNanoUsd])).toEqual([['hello-task', cost]]);
  });

  it('refuses to start when a viewer key is the admin key', async () => {
    directory = mkdtempSync(join(tmpdir(), 'warden-panel-'));
    const key = 'one-key-for-everyone-0123';
    await expect(startGateway({ port: 0, sqlitePath: join(directory, 'warden.db'), quiet: true, env: { WARDEN_ADMIN_KEY: key, WARDEN_VIEWER_KEY: key } })).rejects.toThrow(/viewer key .* equals the admin key/);
  });
});
